"""Subnets: /v2.0/subnets and /v2.0/subnets/{id} (IPv4 and IPv6)."""

from __future__ import annotations

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import project_of
from cheptel.network.service import subnetpools
from cheptel.network.service import subnets as service
from cheptel.web import Ctx, Reply, Route

ONE = "/v2.0/subnets/{subnet_id}"


def index(ctx: Ctx) -> dict:
    items = [views.subnet(s) for s in service.list_visible(ctx.db, caller(ctx))]
    return collection(ctx, "subnets", schemas.SUBNET, items)


def show(ctx: Ctx) -> dict:
    return one(ctx, "subnet", views.subnet(service.get_visible(ctx.db, caller(ctx),
                                                               ctx.params["subnet_id"])))


def _make(ctx: Ctx, new: dict) -> dict:
    creds = caller(ctx)
    project_id = project_of(new, creds)
    net = service.network_for_child(ctx.db, creds, new["network_id"], project_id,
                                    "create_subnet")
    pool = (subnetpools.get_visible(ctx.db, creds, new["subnetpool_id"])
            if new.get("subnetpool_id") else None)
    return views.subnet(service.create(ctx.db, ctx.now, net, project_id, new, pool=pool))


def create_subnet(ctx: Ctx) -> Reply:
    return create(ctx, "subnet", "subnets", schemas.SUBNET, lambda v: _make(ctx, v))


def update(ctx: Ctx) -> dict:
    changes = values(ctx, "subnet", schemas.SUBNET, False)
    subnet = service.get_writable(ctx.db, caller(ctx), ctx.params["subnet_id"],
                                  "update_subnet")
    return {"subnet": views.subnet(service.update(ctx.db, ctx.now, subnet, changes))}


def delete(ctx: Ctx) -> None:
    subnet = service.get_writable(ctx.db, caller(ctx), ctx.params["subnet_id"],
                                  "delete_subnet")
    service.delete(ctx.db, subnet)


ROUTES = [
    Route("GET", "/v2.0/subnets", index, "network:get_subnet"),
    Route("POST", "/v2.0/subnets", create_subnet, "network:create_subnet", 201),
    Route("GET", ONE, show, "network:get_subnet"),
    Route("PUT", ONE, update, "network:update_subnet"),
    Route("DELETE", ONE, delete, "network:delete_subnet", 204),
]
