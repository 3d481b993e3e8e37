"""Routers: /v2.0/routers, /v2.0/routers/{id}, add_router_interface, remove_router_interface."""

from __future__ import annotations

from typing import Any

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import Invalid, enforce_attributes, nullable, project_of, to_uuid
from cheptel.network.errors import bad_request, policy_denied
from cheptel.network.service import networks
from cheptel.network.service import routers as service
from cheptel.policy import Creds
from cheptel.web import Ctx, Reply, Route

ONE = "/v2.0/routers/{router_id}"
ADMIN_GATEWAY_KEYS = ("enable_snat", "external_fixed_ips")


def _enforce(ctx: Ctx, action: str, creds: Creds, new: dict, create: bool) -> None:
    enforce_attributes(action, schemas.ROUTER, new, create, creds)
    info = new.get("external_gateway_info") or {}
    for key in ADMIN_GATEWAY_KEYS:
        if key in info and not creds.is_admin:
            raise policy_denied(action, f"external_gateway_info:{key}")
    if info.get("network_id"):  # another project's private network: 404, not "not external"
        networks.get_visible(ctx.db, creds, info["network_id"])


def index(ctx: Ctx) -> dict:
    items = [views.router(r) for r in service.list_visible(ctx.db, caller(ctx))]
    return collection(ctx, "routers", schemas.ROUTER, items)


def show(ctx: Ctx) -> dict:
    return one(ctx, "router", views.router(service.get_visible(ctx.db, caller(ctx),
                                                               ctx.params["router_id"])))


def _make(ctx: Ctx, new: dict) -> dict:
    creds = caller(ctx)
    _enforce(ctx, "create_router", creds, new, True)
    return views.router(service.create(ctx.db, ctx.now, project_of(new, creds), new))


def create_router(ctx: Ctx) -> Reply:
    return create(ctx, "router", "routers", schemas.ROUTER, lambda v: _make(ctx, v),
                  bulk=False)


def update(ctx: Ctx) -> dict:
    creds = caller(ctx)
    changes = values(ctx, "router", schemas.ROUTER, False)
    router = service.get_visible(ctx.db, creds, ctx.params["router_id"])
    _enforce(ctx, "update_router", creds, changes, False)
    return {"router": views.router(service.update(ctx.db, ctx.now, router, changes))}


def delete(ctx: Ctx) -> None:
    router = service.get_visible(ctx.db, caller(ctx), ctx.params["router_id"])
    service.delete(ctx.db, ctx.now, router)


def _interface_body(ctx: Ctx) -> tuple[str | None, str | None]:
    body: Any = ctx.body
    if not isinstance(body, dict):
        raise bad_request("Body contains invalid data")
    unknown = sorted(set(body) - {"subnet_id", "port_id"})
    if unknown:
        raise bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    try:
        return nullable(to_uuid)(body.get("subnet_id")), nullable(to_uuid)(body.get("port_id"))
    except Invalid as exc:
        raise bad_request(f"Invalid input for operation: {exc}.") from None


def add_interface(ctx: Ctx) -> dict:
    subnet_id, port_id = _interface_body(ctx)
    router = service.get_visible(ctx.db, caller(ctx), ctx.params["router_id"])
    made = service.add_interface(ctx.db, ctx.now, caller(ctx), router, subnet_id, port_id)
    return views.router_interface(router, made.port_id, made.network_id, made.subnet_ids)


def remove_interface(ctx: Ctx) -> dict:
    subnet_id, port_id = _interface_body(ctx)
    router = service.get_visible(ctx.db, caller(ctx), ctx.params["router_id"])
    gone = service.remove_interface(ctx.db, ctx.now, router, subnet_id, port_id)
    return views.router_interface(router, gone.port_id, gone.network_id, gone.subnet_ids)


ROUTES = [
    Route("GET", "/v2.0/routers", index, "network:get_router"),
    Route("POST", "/v2.0/routers", create_router, "network:create_router", 201),
    Route("GET", ONE, show, "network:get_router"),
    Route("PUT", ONE, update, "network:update_router"),
    Route("DELETE", ONE, delete, "network:delete_router", 204),
    Route("PUT", ONE + "/add_router_interface", add_interface,
          "network:add_router_interface"),
    Route("PUT", ONE + "/remove_router_interface", remove_interface,
          "network:remove_router_interface"),
]
