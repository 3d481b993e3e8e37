"""OS-EP-FILTER: endpoint groups and the endpoints a project's catalog shows."""

from __future__ import annotations

from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, crud
from cheptel.identity.models import EndpointGroup
from cheptel.identity.service import catalog, ep_filter, resources
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

PREFIX = "OS-EP-FILTER"


def _group(ctx: Ctx, g: EndpointGroup) -> dict:
    return {"id": g.id, "name": g.name, "description": g.description, "filters": g.filters,
            "links": views.link(base(ctx), f"{PREFIX}/endpoint_groups/{g.id}")}


def _endpoints(ctx: Ctx, path: str, endpoints: list) -> dict:
    return views.collection(base(ctx), path, "endpoints",
                            [views.endpoint(base(ctx), e) for e in endpoints])


def _projects(ctx: Ctx, path: str, ids: list[str]) -> dict:
    items = [views.project(base(ctx), ctx.db, resources.get_project(ctx.db, i)) for i in ids]
    return views.collection(base(ctx), path, "projects", items)


def list_endpoint_groups(ctx: Ctx) -> dict:
    items = [_group(ctx, g) for g in ep_filter.list_groups(ctx.db, ctx.query.get("name"))]
    return views.collection(base(ctx), f"{PREFIX}/endpoint_groups", "endpoint_groups", items)


def create_endpoint_group(ctx: Ctx) -> Reply:
    body = check(schemas.endpoint_group_create, ctx.body, "endpoint_group")
    g = ep_filter.create_group(ctx.db, body["name"], body.get("description"), body["filters"])
    return Reply({"endpoint_group": _group(ctx, g)}, status=201)


def get_endpoint_group(ctx: Ctx) -> dict:
    return {"endpoint_group": _group(ctx, ep_filter.get_group(
        ctx.db, ctx.params["endpoint_group_id"]))}


def update_endpoint_group(ctx: Ctx) -> dict:
    body = check(schemas.endpoint_group_update, ctx.body, "endpoint_group")
    g = ep_filter.get_group(ctx.db, ctx.params["endpoint_group_id"])
    return {"endpoint_group": _group(ctx, ep_filter.update_group(ctx.db, g, body))}


def delete_endpoint_group(ctx: Ctx) -> None:
    ctx.db.delete(ep_filter.get_group(ctx.db, ctx.params["endpoint_group_id"]))


def group_endpoints(ctx: Ctx) -> dict:
    g = ep_filter.get_group(ctx.db, ctx.params["endpoint_group_id"])
    return _endpoints(ctx, f"{PREFIX}/endpoint_groups/{g.id}/endpoints",
                      ep_filter.endpoints_of(ctx.db, g))


def group_projects(ctx: Ctx) -> dict:
    g = ep_filter.get_group(ctx.db, ctx.params["endpoint_group_id"])
    return _projects(ctx, f"{PREFIX}/endpoint_groups/{g.id}/projects",
                     ep_filter.projects_of_group(ctx.db, g.id))


def _group_and_project(ctx: Ctx) -> tuple[str, str]:
    project = resources.get_project(ctx.db, ctx.params["project_id"])
    return ep_filter.get_group(ctx.db, ctx.params["endpoint_group_id"]).id, project.id


def add_group_to_project(ctx: Ctx) -> None:
    ep_filter.add_group_to_project(ctx.db, *_group_and_project(ctx))


def get_group_in_project(ctx: Ctx) -> dict:
    group_id, project_id = _group_and_project(ctx)
    ep_filter.group_in_project(ctx.db, group_id, project_id)
    link = f"{PREFIX}/endpoint_groups/{group_id}/projects/{project_id}"
    return {"project_endpoint_group": {"endpoint_group_id": group_id, "project_id": project_id,
                                       "links": views.link(base(ctx), link)}}


def remove_group_from_project(ctx: Ctx) -> None:
    ctx.db.delete(ep_filter.group_in_project(ctx.db, *_group_and_project(ctx)))


def project_groups(ctx: Ctx) -> dict:
    project = resources.get_project(ctx.db, ctx.params["project_id"])
    items = [_group(ctx, g) for g in ep_filter.groups_of_project(ctx.db, project.id)]
    return views.collection(base(ctx), f"{PREFIX}/projects/{project.id}/endpoint_groups",
                            "endpoint_groups", items)


def _endpoint_and_project(ctx: Ctx) -> tuple[str, str]:
    project = resources.get_project(ctx.db, ctx.params["project_id"])
    return catalog.get_endpoint(ctx.db, ctx.params["endpoint_id"]).id, project.id


def add_endpoint_to_project(ctx: Ctx) -> None:
    ep_filter.add_endpoint_to_project(ctx.db, *_endpoint_and_project(ctx))


def check_endpoint_in_project(ctx: Ctx) -> None:
    ep_filter.endpoint_in_project(ctx.db, *_endpoint_and_project(ctx))


def remove_endpoint_from_project(ctx: Ctx) -> None:
    ctx.db.delete(ep_filter.endpoint_in_project(ctx.db, *_endpoint_and_project(ctx)))


def project_endpoints(ctx: Ctx) -> dict:
    project = resources.get_project(ctx.db, ctx.params["project_id"])
    return _endpoints(ctx, f"{PREFIX}/projects/{project.id}/endpoints",
                      ep_filter.project_endpoints(ctx.db, project.id))


def endpoint_projects(ctx: Ctx) -> dict:
    e = catalog.get_endpoint(ctx.db, ctx.params["endpoint_id"])
    return _projects(ctx, f"{PREFIX}/endpoints/{e.id}/projects",
                     ep_filter.projects_of_endpoint(ctx.db, e.id))


EPF = "/v3/OS-EP-FILTER"
EPG = EPF + "/endpoint_groups/{endpoint_group_id}"
EPF_PROJECT = EPF + "/projects/{project_id}"

ROUTES: list[Route] = [
    *crud(EPF + "/endpoint_groups", "endpoint_group_id", "endpoint_group", "endpoint_groups",
          (list_endpoint_groups, create_endpoint_group, get_endpoint_group,
           update_endpoint_group, delete_endpoint_group)),
    Route("GET", EPG + "/endpoints", group_endpoints,
          "identity:list_endpoints_associated_with_endpoint_group"),
    Route("GET", EPG + "/projects", group_projects,
          "identity:list_projects_associated_with_endpoint_group"),
    Route("PUT", EPG + "/projects/{project_id}", add_group_to_project,
          "identity:add_endpoint_group_to_project", 204),
    Route("GET", EPG + "/projects/{project_id}", get_group_in_project,
          "identity:get_endpoint_group_in_project"),
    Route("DELETE", EPG + "/projects/{project_id}", remove_group_from_project,
          "identity:remove_endpoint_group_from_project", 204),
    Route("GET", EPF_PROJECT + "/endpoint_groups", project_groups,
          "identity:list_endpoint_groups_for_project"),
    Route("GET", EPF_PROJECT + "/endpoints", project_endpoints,
          "identity:list_endpoints_for_project"),
    Route("PUT", EPF_PROJECT + "/endpoints/{endpoint_id}", add_endpoint_to_project,
          "identity:add_endpoint_to_project", 204),
    Route("GET", EPF_PROJECT + "/endpoints/{endpoint_id}", check_endpoint_in_project,
          "identity:check_endpoint_in_project", 204),
    Route("DELETE", EPF_PROJECT + "/endpoints/{endpoint_id}",
          remove_endpoint_from_project, "identity:remove_endpoint_from_project", 204),
    Route("GET", EPF + "/endpoints/{endpoint_id}/projects", endpoint_projects,
          "identity:list_projects_for_endpoint"),
]
