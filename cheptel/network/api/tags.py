"""Tags (standard-attr-tag): /v2.0/{collection}/{id}/tags[/{tag}]."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cheptel.network.api.common import caller
from cheptel.network.service import (
    floatingips,
    networks,
    ports,
    routers,
    security_groups,
    subnetpools,
    subnets,
    tags,
)
from cheptel.network.service.common import check_owner
from cheptel.policy import Creds
from cheptel.web import Ctx, Reply, Route

Getter = Callable[[Session, Creds, str], Any]

# collection in the URL -> (resource name, the lookup that hides what the caller may not see)
TAGGED: dict[str, tuple[str, Getter]] = {
    "networks": ("network", networks.get_visible),
    "subnets": ("subnet", subnets.get_visible),
    "ports": ("port", ports.get_visible),
    "routers": ("router", routers.get_visible),
    "floatingips": ("floatingip", floatingips.get_visible),
    "security-groups": ("security_group", security_groups.get_visible),
    "subnetpools": ("subnetpool", subnetpools.get_visible),
}


def _row(ctx: Ctx, write: bool) -> tuple[str, Any]:
    resource, get = TAGGED[ctx.request.url.path.split("/v2.0/", 1)[1].split("/", 1)[0]]
    row = get(ctx.db, caller(ctx), ctx.params["resource_id"])
    if write:
        check_owner(caller(ctx), row.project_id, f"update_{resource}_tags")
    return resource, row


def index(ctx: Ctx) -> dict:
    return {"tags": list(_row(ctx, False)[1].tags)}


def show(ctx: Ctx) -> Reply:
    tags.has(_row(ctx, False)[1], ctx.params["tag"])
    return Reply(None, status=204)


def replace(ctx: Ctx) -> dict:
    resource, row = _row(ctx, True)
    return {"tags": tags.replace(row, resource, tags.check_body(ctx.body), ctx.now)}


def add(ctx: Ctx) -> Reply:
    resource, row = _row(ctx, True)
    tags.add(row, resource, ctx.params["tag"], ctx.now)
    return Reply(None, status=201)


def remove(ctx: Ctx) -> None:
    tags.remove(_row(ctx, True)[1], ctx.params["tag"], ctx.now)


def clear(ctx: Ctx) -> None:
    tags.clear(_row(ctx, True)[1], ctx.now)


ROUTES: list[Route] = []
for _collection in TAGGED:
    _base = f"/v2.0/{_collection}/{{resource_id}}/tags"
    ROUTES += [
        Route("GET", _base, index, "network:get_tags"),
        Route("PUT", _base, replace, "network:update_tags"),
        Route("DELETE", _base, clear, "network:update_tags", 204),
        Route("GET", _base + "/{tag}", show, "network:get_tags", 204),
        Route("PUT", _base + "/{tag}", add, "network:update_tags", 201),
        Route("DELETE", _base + "/{tag}", remove, "network:update_tags", 204),
    ]
