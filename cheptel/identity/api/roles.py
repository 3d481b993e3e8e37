"""Roles, implied roles, grants and GET /v3/role_assignments."""

from __future__ import annotations

from cheptel.common import flag
from cheptel.errors import BadRequest
from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, crud
from cheptel.identity.service import assignments, extras, resources, roles
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def list_roles(ctx: Ctx) -> dict:
    items = [views.role(base(ctx), r) for r in roles.list_roles(
        ctx.db, ctx.query.get("name"), ctx.query.get("domain_id"))]
    return views.collection(base(ctx), "roles", "roles", items)


def create_role(ctx: Ctx) -> Reply:
    body = check(schemas.role_create, ctx.body, "role")
    r = roles.create_role(ctx.db, body["name"], body.get("description") or "",
                          body.get("domain_id"))
    extras.merge(ctx.db, r, schemas.extra_of(schemas.role_create, body))
    return Reply({"role": views.role(base(ctx), r)}, status=201)


def get_role(ctx: Ctx) -> dict:
    return {"role": views.role(base(ctx), roles.get_role(ctx.db, ctx.params["role_id"]))}


def update_role(ctx: Ctx) -> dict:
    body = check(schemas.role_update, ctx.body, "role")
    schemas.check_same_id(body, ctx.params["role_id"])
    r = roles.update_role(ctx.db, roles.get_role(ctx.db, ctx.params["role_id"]), body)
    extras.merge(ctx.db, r, schemas.extra_of(schemas.role_update, body))
    return {"role": views.role(base(ctx), r)}


def delete_role(ctx: Ctx) -> None:
    roles.delete_role(ctx.db, roles.get_role(ctx.db, ctx.params["role_id"]))


def _rule_roles(ctx: Ctx) -> tuple:
    return (roles.get_role(ctx.db, ctx.params["prior_role_id"]),
            roles.get_role(ctx.db, ctx.params["implied_role_id"]))


def create_implied(ctx: Ctx) -> Reply:
    prior, implied = _rule_roles(ctx)
    roles.add_implied(ctx.db, prior, implied)
    rule = roles.get_implied(ctx.db, prior.id, implied.id)
    return Reply(views.implied_rule(base(ctx), ctx.db, rule), status=201)


def get_implied(ctx: Ctx) -> dict:
    prior, implied = _rule_roles(ctx)
    return views.implied_rule(base(ctx), ctx.db, roles.get_implied(ctx.db, prior.id, implied.id))


def delete_implied(ctx: Ctx) -> None:
    prior, implied = _rule_roles(ctx)
    ctx.db.delete(roles.get_implied(ctx.db, prior.id, implied.id))


def list_implied(ctx: Ctx) -> dict:
    prior = roles.get_role(ctx.db, ctx.params["prior_role_id"])
    implied = [roles.get_role(ctx.db, r.implied_role_id)
               for r in roles.list_implied(ctx.db, prior.id)]
    return {"role_inference": views.inference(base(ctx), prior, implied),
            "links": {"self": f"{base(ctx)}/v3/roles/{prior.id}/implies"}}


def list_inferences(ctx: Ctx) -> dict:
    by_prior: dict[str, list] = {}
    for rule in roles.list_implied(ctx.db):
        by_prior.setdefault(rule.prior_role_id, []).append(
            roles.get_role(ctx.db, rule.implied_role_id))
    items = [views.inference(base(ctx), roles.get_role(ctx.db, p), implied)
             for p, implied in by_prior.items()]
    return {"role_inferences": items, "links": {"self": f"{base(ctx)}/v3/role_inferences"}}


# -- grants: /v3/{projects|domains|system}/.../{users|groups}/{id}/roles[/{role_id}] -------

def _grant_key(ctx: Ctx) -> tuple[str, str, str, str]:
    p = ctx.params
    if "project_id" in p:
        target = ("project", resources.get_project(ctx.db, p["project_id"]).id)
    elif "domain_id" in p:
        target = ("domain", resources.get_domain(ctx.db, p["domain_id"]).id)
    else:
        target = ("system", roles.SYSTEM)
    actor = ("user", p["user_id"]) if "user_id" in p else ("group", p["group_id"])
    roles.check_actor(ctx.db, *actor)
    return (*actor, *target)


def _inherited(ctx: Ctx) -> bool:
    """OS-INHERIT routes: /v3/OS-INHERIT/.../inherited_to_projects."""
    return ctx.request.url.path.endswith("/inherited_to_projects")


def put_grant(ctx: Ctx) -> None:
    key = _grant_key(ctx)
    roles.grant(ctx.db, *key, roles.get_role(ctx.db, ctx.params["role_id"]).id,
                _inherited(ctx))


def check_grant(ctx: Ctx) -> None:
    key = _grant_key(ctx)
    roles.get_grant(ctx.db, *key, roles.get_role(ctx.db, ctx.params["role_id"]).id,
                    _inherited(ctx))


def delete_grant(ctx: Ctx) -> None:
    key = _grant_key(ctx)
    roles.revoke(ctx.db, *key, roles.get_role(ctx.db, ctx.params["role_id"]).id,
                 _inherited(ctx))


def list_grants(ctx: Ctx) -> dict:
    items = [views.role(base(ctx), r)
             for r in roles.grants_for(ctx.db, *_grant_key(ctx), _inherited(ctx))]
    return views.collection(base(ctx), ctx.request.url.path.split("/v3/", 1)[-1], "roles",
                            items)


def list_assignments(ctx: Ctx) -> dict:
    q = ctx.query
    query = assignments.Query(
        user_id=q.get("user.id"), group_id=q.get("group.id"), role_id=q.get("role.id"),
        project_id=q.get("scope.project.id"), domain_id=q.get("scope.domain.id"),
        system="scope.system" in q, inherited_to=q.get("scope.OS-INHERIT:inherited_to"),
        effective=flag(q, "effective"),
        include_names=flag(q, "include_names"))
    if query.effective and query.group_id:
        raise BadRequest("group.id cannot be combined with effective.")
    items = assignments.list_assignments(ctx.db, query, base(ctx))
    return {"role_assignments": items, "links": {
        "self": f"{base(ctx)}/v3/role_assignments", "previous": None, "next": None}}


def grants(prefix: str, tail: str = "", listed: bool = True) -> list[Route]:
    """Grants on a target; OS-INHERIT's are the same routes with tail
    "/inherited_to_projects" (and no list on projects, as Keystone)."""
    routes = []
    for actor in ("users/{user_id}", "groups/{group_id}"):
        base = f"{prefix}/{actor}/roles"
        one = f"{base}/{{role_id}}{tail}"
        if listed:
            routes.append(Route("GET", base + tail, list_grants, "identity:list_grants"))
        routes += [
            Route("PUT", one, put_grant, "identity:create_grant", 204),
            Route("GET", one, check_grant, "identity:check_grant", 204),
            Route("DELETE", one, delete_grant, "identity:revoke_grant", 204),
        ]
    return routes


IMPLIES = "/v3/roles/{prior_role_id}/implies"

ROUTES: list[Route] = [
    *crud("/v3/roles", "role_id", "role", "roles",
          (list_roles, create_role, get_role, update_role, delete_role)),
    Route("GET", IMPLIES, list_implied, "identity:implied_roles"),
    Route("PUT", IMPLIES + "/{implied_role_id}", create_implied, "identity:implied_roles", 201),
    # HEAD first: Keystone answers a 204 (the GET route would answer HEAD with a 200)
    Route("HEAD", IMPLIES + "/{implied_role_id}", get_implied, "identity:implied_roles", 204),
    Route("GET", IMPLIES + "/{implied_role_id}", get_implied, "identity:implied_roles"),
    Route("DELETE", IMPLIES + "/{implied_role_id}", delete_implied, "identity:implied_roles", 204),
    Route("GET", "/v3/role_inferences", list_inferences, "identity:implied_roles"),
    *grants("/v3/projects/{project_id}"),
    *grants("/v3/domains/{domain_id}"),
    *grants("/v3/system"),
    *grants("/v3/OS-INHERIT/domains/{domain_id}", "/inherited_to_projects"),
    *grants("/v3/OS-INHERIT/projects/{project_id}", "/inherited_to_projects", listed=False),
    Route("GET", "/v3/role_assignments", list_assignments, "identity:list_role_assignments"),
]
