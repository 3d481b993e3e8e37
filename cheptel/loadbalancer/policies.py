"""The load-balancer policy table (octavia/policies/, its keystone_default_roles: a
project's readers read its load balancers, its members change them; failover, amphorae,
quota writes and flavor or availability-zone profiles are the admin's). An object of
another project is Octavia's 403, once the object is found (a 404 otherwise)."""

_OBJECTS = ("loadbalancer", "listener", "pool", "member", "healthmonitor", "l7policy",
            "l7rule")

POLICIES: dict[str, str] = {"loadbalancer:discovery": "anyone"}
for _kind in _OBJECTS:
    POLICIES.update({
        f"{_kind}:get_all": "scoped_reader",
        f"{_kind}:get_all-global": "admin",
        f"{_kind}:get_one": "project_reader",
        f"{_kind}:post": "project_member",
        f"{_kind}:put": "project_member",
        f"{_kind}:delete": "project_member",
    })
# members and rules are listed under their (checked) parent
POLICIES["member:get_all"] = POLICIES["l7rule:get_all"] = "project_reader"
POLICIES.update({
    "loadbalancer:get_stats": "project_reader",
    "loadbalancer:get_status": "project_reader",
    "loadbalancer:put_failover": "admin",
    "listener:get_stats": "project_reader",
    "quota:get_all": "scoped_reader",
    "quota:get_all-global": "admin",
    "quota:get_one": "project_reader",
    "quota:get_defaults": "project_reader",
    "quota:put": "admin",
    "quota:delete": "admin",
    "provider:get_all": "scoped_reader",
    "provider:get_capabilities": "admin",
    "flavor:get_all": "scoped_reader",
    "flavor:get_one": "scoped_reader",
    "flavor:post": "admin",
    "flavor:put": "admin",
    "flavor:delete": "admin",
    "flavor-profile:get_all": "admin",
    "flavor-profile:get_one": "admin",
    "flavor-profile:post": "admin",
    "flavor-profile:put": "admin",
    "flavor-profile:delete": "admin",
    "availability-zone:get_all": "scoped_reader",
    "availability-zone:get_one": "scoped_reader",
    "availability-zone:post": "admin",
    "availability-zone:put": "admin",
    "availability-zone:delete": "admin",
    "availability-zone-profile:get_all": "admin",
    "availability-zone-profile:get_one": "admin",
    "availability-zone-profile:post": "admin",
    "availability-zone-profile:put": "admin",
    "availability-zone-profile:delete": "admin",
    "amphora:get_all": "admin",
    "amphora:get_one": "admin",
    "amphora:delete": "admin",
    "amphora:put_failover": "admin",
    "amphora:put_config": "admin",
    "amphora:get_stats": "admin",
})
