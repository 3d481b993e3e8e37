"""os-server-groups: affinity policies for servers (nova/api/openstack/compute/
server_groups.py)."""

from __future__ import annotations

from cheptel.compute import schemas, views_server_groups
from cheptel.compute.api.params import caller, check_query, offset_limit, version
from cheptel.compute.models import ServerGroup
from cheptel.compute.service import server_groups as service
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.web import Ctx, Route

G = "/v2.1/os-server-groups"


def _view(ctx: Ctx, group: ServerGroup, members: list[str]) -> dict:
    return views_server_groups.server_group(group, members, version(ctx))


def _group(ctx: Ctx) -> ServerGroup:
    """The group of the URL; another project's is a 404, as Nova's lookup filters by project
    for all but admins. Then the route's policy, on the group's project."""
    group = service.get(ctx.db, ctx.params["group_id"])
    creds = caller(ctx)
    if not creds.is_admin and group.project_id != creds.project_id:
        raise NotFound(f"Instance group {group.id} could not be found.")
    ctx.enforce({"project_id": group.project_id})
    return group


def list_groups(ctx: Ctx) -> dict:
    v = version(ctx)
    check_query(ctx, schemas.server_groups_query_v275 if v.at_least("2.75")
                else schemas.server_groups_query)
    creds = caller(ctx)
    project_id = creds.project_id
    if "all_projects" in ctx.query and creds.is_admin:  # others silently get their own
        ctx.require("compute:os-server-groups:index:all_projects", {})
        project_id = None
    offset, limit = offset_limit(ctx)
    groups = service.list_groups(ctx.db, project_id)[offset:offset + limit]
    members = service.members_of(ctx.db, [g.id for g in groups])
    return {"server_groups": [_view(ctx, g, members[g.id]) for g in groups]}


def create(ctx: Ctx) -> dict:
    v = version(ctx)
    schema = (schemas.server_group_create_v264 if v.at_least("2.64")
              else schemas.server_group_create_v215 if v.at_least("2.15")
              else schemas.server_group_create)
    body = check(schema, ctx.body)["server_group"]
    creds = caller(ctx)
    if creds.project_id is None:
        raise BadRequest("Server groups belong to a project: use a project-scoped token.")
    chosen = body["policy"] if v.at_least("2.64") else body["policies"][0]
    group = service.create(ctx.db, ctx.now, project_id=creds.project_id,
                           user_id=creds.user_id, name=body["name"], policy=chosen,
                           rules=body.get("rules"))
    return {"server_group": _view(ctx, group, [])}


def show(ctx: Ctx) -> dict:
    group = _group(ctx)
    return {"server_group": _view(ctx, group, service.members_of(ctx.db, [group.id])[group.id])}


def delete(ctx: Ctx) -> None:
    service.delete(ctx.db, _group(ctx))


ROUTES = [
    Route("GET", G, list_groups, "compute:os-server-groups:index"),
    Route("POST", G, create, "compute:os-server-groups:create"),
    Route("GET", G + "/{group_id}", show, "compute:os-server-groups:show", deferred=True),
    Route("DELETE", G + "/{group_id}", delete, "compute:os-server-groups:delete", 204,
          deferred=True),
]
