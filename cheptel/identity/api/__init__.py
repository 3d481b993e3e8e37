"""The identity route table: every Keystone v3 route cheptel serves, and its policy.

Read it as a table: method, path (under /identity), handler, policy name. The policy
names map to rules in cheptel.identity.policies.
"""

from __future__ import annotations

from cheptel.errors import NotImplementedYet
from cheptel.identity.api import (
    appcreds,
    auth,
    catalog,
    credentials,
    ep_filter,
    policies,
    resources,
    roles,
    users,
)
from cheptel.web import Ctx, Route


def _crud(path: str, key: str, mod: object, name: str, plural: str, *,
          deferred: bool = False) -> list[Route]:
    """The five routes of a Keystone collection: list, create, get, update, delete.

    deferred: all but the list check the policy against the object (or body) they load."""
    one = f"{path}/{{{key}}}"
    d = deferred
    return [
        Route("GET", path, getattr(mod, f"list_{plural}"), f"identity:list_{plural}"),
        Route("POST", path, getattr(mod, f"create_{name}"), f"identity:create_{name}", 201,
              deferred=d),
        Route("GET", one, getattr(mod, f"get_{name}"), f"identity:get_{name}", deferred=d),
        Route("PATCH", one, getattr(mod, f"update_{name}"), f"identity:update_{name}",
              deferred=d),
        Route("DELETE", one, getattr(mod, f"delete_{name}"), f"identity:delete_{name}", 204,
              deferred=d),
    ]


def _grants(prefix: str, tail: str = "", listed: bool = True) -> list[Route]:
    """Grants on a target; OS-INHERIT's are the same routes with tail
    "/inherited_to_projects" (and no list on projects, as Keystone)."""
    routes = []
    for actor in ("users/{user_id}", "groups/{group_id}"):
        base = f"{prefix}/{actor}/roles"
        one = f"{base}/{{role_id}}{tail}"
        if listed:
            routes.append(Route("GET", base + tail, roles.list_grants, "identity:list_grants"))
        routes += [
            Route("PUT", one, roles.put_grant, "identity:create_grant", 204),
            Route("GET", one, roles.check_grant, "identity:check_grant", 204),
            Route("DELETE", one, roles.delete_grant, "identity:revoke_grant", 204),
        ]
    return routes


def not_implemented(ctx: Ctx) -> None:
    raise NotImplementedYet(f"{ctx.request.method} {ctx.request.url.path} is not implemented "
                            f"by cheptel.")


NOT_IMPLEMENTED = ("OS-TRUST", "OS-FEDERATION", "OS-OAUTH1/request_token",
                   "OS-OAUTH1/access_token", "OS-OAUTH1/authorize",
                   "users/{user_id}/OS-OAUTH1", "OS-OAUTH2",
                   "OS-REVOKE", "OS-SIMPLE-CERT", "OS-EC2",
                   "policies/{policy_id}/OS-ENDPOINT-POLICY", "OS-ENDPOINT-POLICY",
                   "limits", "registered_limits", "domains/config",
                   "domains/{domain_id}/config", "users/{user_id}/access_rules",
                   "auth/OS-FEDERATION", "auth/saml2", "auth/receipts")

APPCREDS = "/v3/users/{user_id}/application_credentials"
EC2 = "/v3/users/{user_id}/credentials/OS-EC2"
EPF = "/v3/OS-EP-FILTER"
EPG = EPF + "/endpoint_groups/{endpoint_group_id}"
EPF_PROJECT = EPF + "/projects/{project_id}"
TAGS = "/v3/projects/{project_id}/tags"
IMPLIES = "/v3/roles/{prior_role_id}/implies"

ROUTES: list[Route] = [
    *[Route(m, f"/v3/{p}{tail}", not_implemented, "identity:not_implemented")
      for p in NOT_IMPLEMENTED for tail in ("", "/{rest:path}")
      for m in ("GET", "POST", "PUT", "PATCH", "DELETE")],
    Route("GET", "/", auth.versions, "identity:discovery", 300),
    Route("GET", "/v3", auth.version, "identity:discovery"),
    Route("GET", "/v3/", auth.version, "identity:discovery"),
    Route("POST", "/v3/auth/tokens", auth.issue_token, "identity:issue_token", 201),
    Route("GET", "/v3/auth/tokens", auth.validate_token, "identity:validate_token",
          deferred=True),
    Route("DELETE", "/v3/auth/tokens", auth.revoke_token, "identity:revoke_token", 204,
          deferred=True),
    Route("GET", "/v3/auth/catalog", auth.auth_catalog, "identity:get_auth_catalog"),
    Route("GET", "/v3/auth/projects", auth.auth_projects, "identity:get_auth_projects"),
    Route("GET", "/v3/auth/domains", auth.auth_domains, "identity:get_auth_domains"),
    Route("GET", "/v3/auth/system", auth.auth_system, "identity:get_auth_system"),
    *_crud("/v3/domains", "domain_id", resources, "domain", "domains"),
    *_crud("/v3/projects", "project_id", resources, "project", "projects"),
    Route("GET", TAGS, resources.list_tags, "identity:get_project_tags"),
    Route("PUT", TAGS, resources.replace_tags, "identity:update_project_tags"),
    Route("DELETE", TAGS, resources.clear_tags, "identity:update_project_tags", 204),
    Route("GET", TAGS + "/{tag}", resources.check_tag, "identity:get_project_tags", 204),
    Route("PUT", TAGS + "/{tag}", resources.add_tag, "identity:update_project_tags", 201),
    Route("DELETE", TAGS + "/{tag}", resources.remove_tag, "identity:update_project_tags", 204),
    *_crud("/v3/users", "user_id", users, "user", "users"),
    Route("POST", "/v3/users/{user_id}/password", users.change_password,
          "identity:change_password", 204),
    Route("GET", "/v3/users/{user_id}/projects", users.user_projects,
          "identity:list_user_projects"),
    Route("GET", "/v3/users/{user_id}/groups", users.user_groups,
          "identity:list_groups_for_user"),
    *_crud("/v3/groups", "group_id", users, "group", "groups"),
    Route("GET", "/v3/groups/{group_id}/users", users.group_users,
          "identity:list_users_in_group"),
    Route("PUT", "/v3/groups/{group_id}/users/{user_id}", users.add_member,
          "identity:add_user_to_group", 204),
    Route("GET", "/v3/groups/{group_id}/users/{user_id}", users.check_member,
          "identity:check_user_in_group", 204),
    Route("DELETE", "/v3/groups/{group_id}/users/{user_id}", users.remove_member,
          "identity:remove_user_from_group", 204),
    *_crud("/v3/roles", "role_id", roles, "role", "roles"),
    Route("GET", IMPLIES, roles.list_implied, "identity:implied_roles"),
    Route("PUT", IMPLIES + "/{implied_role_id}", roles.create_implied,
          "identity:implied_roles", 201),
    # HEAD first: Keystone answers a 204 (the GET route would answer HEAD with a 200)
    Route("HEAD", IMPLIES + "/{implied_role_id}", roles.get_implied, "identity:implied_roles",
          204),
    Route("GET", IMPLIES + "/{implied_role_id}", roles.get_implied, "identity:implied_roles"),
    Route("DELETE", IMPLIES + "/{implied_role_id}", roles.delete_implied,
          "identity:implied_roles", 204),
    Route("GET", "/v3/role_inferences", roles.list_inferences, "identity:implied_roles"),
    *_grants("/v3/projects/{project_id}"),
    *_grants("/v3/domains/{domain_id}"),
    *_grants("/v3/system"),
    *_grants("/v3/OS-INHERIT/domains/{domain_id}", "/inherited_to_projects"),
    *_grants("/v3/OS-INHERIT/projects/{project_id}", "/inherited_to_projects", listed=False),
    Route("GET", "/v3/role_assignments", roles.list_assignments,
          "identity:list_role_assignments"),
    Route("GET", APPCREDS, appcreds.list_all, "identity:list_application_credentials"),
    Route("POST", APPCREDS, appcreds.create, "identity:create_application_credential", 201),
    Route("GET", APPCREDS + "/{app_cred_id}", appcreds.get,
          "identity:get_application_credential"),
    Route("DELETE", APPCREDS + "/{app_cred_id}", appcreds.delete,
          "identity:delete_application_credential", 204),
    *_crud("/v3/credentials", "credential_id", credentials, "credential", "credentials",
           deferred=True),
    Route("GET", EC2, credentials.list_ec2, "identity:ec2_list_credentials"),
    Route("POST", EC2, credentials.create_ec2, "identity:ec2_create_credential", 201),
    Route("GET", EC2 + "/{access_key}", credentials.get_ec2, "identity:ec2_get_credential",
          deferred=True),
    Route("DELETE", EC2 + "/{access_key}", credentials.delete_ec2,
          "identity:ec2_delete_credential", 204, deferred=True),
    *_crud("/v3/policies", "policy_id", policies, "policy", "policies"),
    *_crud("/v3/OS-OAUTH1/consumers", "consumer_id", policies, "consumer", "consumers"),
    *_crud(EPF + "/endpoint_groups", "endpoint_group_id", ep_filter, "endpoint_group",
           "endpoint_groups"),
    Route("GET", EPG + "/endpoints", ep_filter.group_endpoints,
          "identity:list_endpoints_associated_with_endpoint_group"),
    Route("GET", EPG + "/projects", ep_filter.group_projects,
          "identity:list_projects_associated_with_endpoint_group"),
    Route("PUT", EPG + "/projects/{project_id}", ep_filter.add_group_to_project,
          "identity:add_endpoint_group_to_project", 204),
    Route("GET", EPG + "/projects/{project_id}", ep_filter.get_group_in_project,
          "identity:get_endpoint_group_in_project"),
    Route("DELETE", EPG + "/projects/{project_id}", ep_filter.remove_group_from_project,
          "identity:remove_endpoint_group_from_project", 204),
    Route("GET", EPF_PROJECT + "/endpoint_groups", ep_filter.project_groups,
          "identity:list_endpoint_groups_for_project"),
    Route("GET", EPF_PROJECT + "/endpoints", ep_filter.project_endpoints,
          "identity:list_endpoints_for_project"),
    Route("PUT", EPF_PROJECT + "/endpoints/{endpoint_id}", ep_filter.add_endpoint_to_project,
          "identity:add_endpoint_to_project", 204),
    Route("GET", EPF_PROJECT + "/endpoints/{endpoint_id}", ep_filter.check_endpoint_in_project,
          "identity:check_endpoint_in_project", 204),
    Route("DELETE", EPF_PROJECT + "/endpoints/{endpoint_id}",
          ep_filter.remove_endpoint_from_project, "identity:remove_endpoint_from_project", 204),
    Route("GET", EPF + "/endpoints/{endpoint_id}/projects", ep_filter.endpoint_projects,
          "identity:list_projects_for_endpoint"),
    *_crud("/v3/services", "service_id", catalog, "service", "services"),
    *_crud("/v3/endpoints", "endpoint_id", catalog, "endpoint", "endpoints"),
    *_crud("/v3/regions", "region_id", catalog, "region", "regions"),
    Route("PUT", "/v3/regions/{region_id}", catalog.put_region, "identity:create_region", 201),
]
