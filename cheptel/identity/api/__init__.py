"""The identity route table: every Keystone v3 route cheptel serves, and its policy.

Read it as a table: method, path (under /identity), handler, policy name. The policy
names map to rules in POLICIES below, registered with cheptel.policy.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from cheptel import policy
from cheptel.errors import CheptelError, NotImplementedYet
from cheptel.identity.api import appcreds, auth, catalog, resources, roles, users
from cheptel.identity.service.catalog import Registration
from cheptel.web import Ctx, Route

POLICIES = {
    "identity:discovery": "anyone",
    "identity:issue_token": "anyone",
    "identity:not_implemented": "anyone",
    "identity:validate_token": "admin_or_token_subject",
    "identity:revoke_token": "admin_or_token_subject",
    "identity:get_auth_catalog": "authenticated",
    "identity:get_auth_projects": "authenticated",
    "identity:get_auth_domains": "authenticated",
    "identity:get_auth_system": "authenticated",
    "identity:list_domains": "admin",
    "identity:get_domain": "admin_or_domain",
    "identity:create_domain": "admin",
    "identity:update_domain": "admin",
    "identity:delete_domain": "admin",
    "identity:list_projects": "admin",
    "identity:get_project": "admin_or_project",
    "identity:create_project": "admin",
    "identity:update_project": "admin",
    "identity:delete_project": "admin",
    "identity:get_project_tags": "admin_or_project",
    "identity:update_project_tags": "admin",
    "identity:list_users": "admin",
    "identity:get_user": "admin_or_self",
    "identity:create_user": "admin",
    "identity:update_user": "admin",
    "identity:delete_user": "admin",
    "identity:change_password": "admin_or_self",
    "identity:list_user_projects": "admin_or_self",
    "identity:list_groups_for_user": "admin_or_self",
    "identity:list_groups": "admin",
    "identity:get_group": "admin",
    "identity:create_group": "admin",
    "identity:update_group": "admin",
    "identity:delete_group": "admin",
    "identity:list_users_in_group": "admin",
    "identity:add_user_to_group": "admin",
    "identity:check_user_in_group": "admin",
    "identity:remove_user_from_group": "admin",
    "identity:list_roles": "admin",
    "identity:get_role": "admin",
    "identity:create_role": "admin",
    "identity:update_role": "admin",
    "identity:delete_role": "admin",
    "identity:implied_roles": "admin",
    "identity:list_grants": "admin",
    "identity:check_grant": "admin",
    "identity:create_grant": "admin",
    "identity:revoke_grant": "admin",
    "identity:list_role_assignments": "admin",
    "identity:create_application_credential": "self_unrestricted",
    "identity:get_application_credential": "admin_or_self",
    "identity:list_application_credentials": "admin_or_self",
    "identity:delete_application_credential": "admin_or_self_unrestricted",
    "identity:list_services": "admin",
    "identity:get_service": "admin",
    "identity:create_service": "admin",
    "identity:update_service": "admin",
    "identity:delete_service": "admin",
    "identity:list_endpoints": "admin",
    "identity:get_endpoint": "admin",
    "identity:create_endpoint": "admin",
    "identity:update_endpoint": "admin",
    "identity:delete_endpoint": "admin",
    "identity:list_regions": "authenticated",
    "identity:get_region": "authenticated",
    "identity:create_region": "admin",
    "identity:update_region": "admin",
    "identity:delete_region": "admin",
}
policy.register(POLICIES)


def _crud(path: str, key: str, mod: object, name: str, plural: str) -> list[Route]:
    """The five routes of a Keystone collection: list, create, get, update, delete."""
    one = f"{path}/{{{key}}}"
    return [
        Route("GET", path, getattr(mod, f"list_{plural}"), f"identity:list_{plural}"),
        Route("POST", path, getattr(mod, f"create_{name}"), f"identity:create_{name}", 201),
        Route("GET", one, getattr(mod, f"get_{name}"), f"identity:get_{name}"),
        Route("PATCH", one, getattr(mod, f"update_{name}"), f"identity:update_{name}"),
        Route("DELETE", one, getattr(mod, f"delete_{name}"), f"identity:delete_{name}", 204),
    ]


def _grants(prefix: str) -> list[Route]:
    routes = []
    for actor in ("users/{user_id}", "groups/{group_id}"):
        base = f"{prefix}/{actor}/roles"
        routes += [
            Route("GET", base, roles.list_grants, "identity:list_grants"),
            Route("PUT", f"{base}/{{role_id}}", roles.put_grant, "identity:create_grant", 204),
            Route("GET", f"{base}/{{role_id}}", roles.check_grant, "identity:check_grant", 204),
            Route("DELETE", f"{base}/{{role_id}}", roles.delete_grant, "identity:revoke_grant",
                  204),
        ]
    return routes


def not_implemented(ctx: Ctx) -> None:
    raise NotImplementedYet(f"{ctx.request.method} {ctx.request.url.path} is not implemented "
                            f"by cheptel.")


NOT_IMPLEMENTED = ("OS-TRUST", "OS-FEDERATION", "OS-OAUTH1", "OS-OAUTH2", "OS-EP-FILTER",
                   "OS-INHERIT", "OS-REVOKE", "OS-SIMPLE-CERT", "OS-EC2", "credentials",
                   "policies", "limits", "registered_limits", "domains/config",
                   "users/{user_id}/access_rules", "users/{user_id}/credentials",
                   "auth/OS-FEDERATION", "auth/saml2", "auth/receipts")

APPCREDS = "/v3/users/{user_id}/application_credentials"
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
    Route("GET", IMPLIES + "/{implied_role_id}", roles.get_implied, "identity:implied_roles"),
    Route("DELETE", IMPLIES + "/{implied_role_id}", roles.delete_implied,
          "identity:implied_roles", 204),
    Route("GET", "/v3/role_inferences", roles.list_inferences, "identity:implied_roles"),
    *_grants("/v3/projects/{project_id}"),
    *_grants("/v3/domains/{domain_id}"),
    *_grants("/v3/system"),
    Route("GET", "/v3/role_assignments", roles.list_assignments,
          "identity:list_role_assignments"),
    Route("GET", APPCREDS, appcreds.list_all, "identity:list_application_credentials"),
    Route("POST", APPCREDS, appcreds.create, "identity:create_application_credential", 201),
    Route("GET", APPCREDS + "/{app_cred_id}", appcreds.get,
          "identity:get_application_credential"),
    Route("DELETE", APPCREDS + "/{app_cred_id}", appcreds.delete,
          "identity:delete_application_credential", 204),
    *_crud("/v3/services", "service_id", catalog, "service", "services"),
    *_crud("/v3/endpoints", "endpoint_id", catalog, "endpoint", "endpoints"),
    *_crud("/v3/regions", "region_id", catalog, "region", "regions"),
    Route("PUT", "/v3/regions/{region_id}", catalog.put_region, "identity:create_region", 201),
]


REGISTRATION = Registration("identity", "keystone", "/identity",
                            "cheptel identity (Keystone v3)")


def render_fault(exc: CheptelError) -> Response:
    """Keystone's error body: {"error": {"code", "title", "message"}}."""
    headers = dict(exc.headers)
    if exc.code == 401:
        headers.setdefault("WWW-Authenticate", "Keystone")
    body = {"error": {"code": exc.code, "title": exc.title, "message": exc.message}}
    return JSONResponse(body, status_code=exc.code, headers=headers)
