"""Subnet pools (subnet_allocation): /v2.0/subnetpools and /v2.0/subnetpools/{id}."""

from __future__ import annotations

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import enforce_attributes, project_of
from cheptel.network.service import subnetpools as service
from cheptel.web import Ctx, Reply, Route

ONE = "/v2.0/subnetpools/{subnetpool_id}"


def index(ctx: Ctx) -> dict:
    items = [views.subnetpool(p) for p in service.list_visible(ctx.db, caller(ctx))]
    return collection(ctx, "subnetpools", schemas.SUBNETPOOL, items)


def show(ctx: Ctx) -> dict:
    pool = service.get_visible(ctx.db, caller(ctx), ctx.params["subnetpool_id"])
    return one(ctx, "subnetpool", views.subnetpool(pool))


def _make(ctx: Ctx, new: dict) -> dict:
    creds = caller(ctx)
    enforce_attributes("create_subnetpool", schemas.SUBNETPOOL, new, True, creds)
    return views.subnetpool(service.create(ctx.db, ctx.now, project_of(new, creds), new))


def create_subnetpool(ctx: Ctx) -> Reply:
    return create(ctx, "subnetpool", "subnetpools", schemas.SUBNETPOOL,
                  lambda v: _make(ctx, v))


def update(ctx: Ctx) -> dict:
    creds = caller(ctx)
    changes = values(ctx, "subnetpool", schemas.SUBNETPOOL, False)
    pool = service.get_writable(ctx.db, creds, ctx.params["subnetpool_id"],
                                "update_subnetpool")
    enforce_attributes("update_subnetpool", schemas.SUBNETPOOL, changes, False, creds)
    return {"subnetpool": views.subnetpool(service.update(ctx.db, ctx.now, pool, changes))}


def delete(ctx: Ctx) -> None:
    pool = service.get_writable(ctx.db, caller(ctx), ctx.params["subnetpool_id"],
                                "delete_subnetpool")
    service.delete(ctx.db, pool)


ROUTES = [
    Route("GET", "/v2.0/subnetpools", index, "network:get_subnetpool"),
    Route("POST", "/v2.0/subnetpools", create_subnetpool, "network:create_subnetpool", 201),
    Route("GET", ONE, show, "network:get_subnetpool"),
    Route("PUT", ONE, update, "network:update_subnetpool"),
    Route("DELETE", ONE, delete, "network:delete_subnetpool", 204),
]
