"""The object store policy table: policy name -> rule (cheptel.policy.RULES).

Swift has no oslo.policy: keystoneauth decides. The account is its owner's
(`swift_owner`: an operator role in the account's project, a reseller admin, or the
cloud admin). Containers and objects are `anyone` here because a container's ACL may open
them to other projects or to no token at all; their handlers apply keystoneauth's rules
(cheptel.objectstore.service.access) and answer 401/403 as it does.
"""

POLICIES = {
    "object_store:info": "anyone",
    "object_store:account:get": "swift_owner",
    "object_store:account:post": "swift_owner",
    "object_store:account:delete": "swift_owner",
    "object_store:account:put": "swift_owner",
    "object_store:healthcheck": "anyone",
    "object_store:crossdomain": "anyone",
    "object_store:container:get": "anyone",
    "object_store:container:put": "anyone",
    "object_store:container:post": "anyone",
    "object_store:container:delete": "anyone",
    "object_store:object:get": "anyone",
    "object_store:object:put": "anyone",
    "object_store:object:post": "anyone",
    "object_store:object:delete": "anyone",
    "object_store:object:copy": "anyone",
}
