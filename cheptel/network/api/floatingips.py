"""Floating IPs: /v2.0/floatingips and /v2.0/floatingips/{id}."""

from __future__ import annotations

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import enforce_attributes, project_of
from cheptel.network.service import floatingips as service
from cheptel.network.service.common import check_owner
from cheptel.web import Ctx, Reply, Route

ONE = "/v2.0/floatingips/{floatingip_id}"


def index(ctx: Ctx) -> dict:
    items = [views.floatingip(f) for f in service.list_visible(ctx.db, caller(ctx))]
    return collection(ctx, "floatingips", schemas.FLOATINGIP, items)


def show(ctx: Ctx) -> dict:
    fip = service.get_visible(ctx.db, caller(ctx), ctx.params["floatingip_id"])
    return one(ctx, "floatingip", views.floatingip(fip))


def _make(ctx: Ctx, new: dict) -> dict:
    creds = caller(ctx)
    enforce_attributes("create_floatingip", schemas.FLOATINGIP, new, True, creds)
    fip = service.create(ctx.db, ctx.now, creds, project_of(new, creds), new)
    return views.floatingip(fip)


def create_floatingip(ctx: Ctx) -> Reply:
    return create(ctx, "floatingip", "floatingips", schemas.FLOATINGIP,
                  lambda v: _make(ctx, v), bulk=False)


def update(ctx: Ctx) -> dict:
    creds = caller(ctx)
    changes = values(ctx, "floatingip", schemas.FLOATINGIP, False)
    fip = service.get_visible(ctx.db, creds, ctx.params["floatingip_id"])
    check_owner(creds, fip.project_id, "update_floatingip")
    return {"floatingip": views.floatingip(service.update(ctx.db, ctx.now, creds, fip,
                                                          changes))}


def delete(ctx: Ctx) -> None:
    fip = service.get_visible(ctx.db, caller(ctx), ctx.params["floatingip_id"])
    service.delete(ctx.db, ctx.now, fip)


ROUTES = [
    Route("GET", "/v2.0/floatingips", index, "network:get_floatingip"),
    Route("POST", "/v2.0/floatingips", create_floatingip, "network:create_floatingip", 201),
    Route("GET", ONE, show, "network:get_floatingip"),
    Route("PUT", ONE, update, "network:update_floatingip"),
    Route("DELETE", ONE, delete, "network:delete_floatingip", 204),
]
