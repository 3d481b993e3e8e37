"""Networks: /v2.0/networks and /v2.0/networks/{id}."""

from __future__ import annotations

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import enforce_attributes, project_of
from cheptel.network.service import networks as service
from cheptel.web import Ctx, Reply, Route

ONE = "/v2.0/networks/{network_id}"


def _view(ctx: Ctx, net) -> dict:  # type: ignore[no-untyped-def]
    return views.network(net, caller(ctx).is_admin)


def index(ctx: Ctx) -> dict:
    items = [_view(ctx, n) for n in service.list_visible(ctx.db, caller(ctx))]
    return collection(ctx, "networks", schemas.NETWORK, items)


def show(ctx: Ctx) -> dict:
    return one(ctx, "network", _view(ctx, service.get_visible(ctx.db, caller(ctx),
                                                              ctx.params["network_id"])))


def _make(ctx: Ctx, new: dict) -> dict:
    creds = caller(ctx)
    enforce_attributes("create_network", schemas.NETWORK, new, True, creds)
    return _view(ctx, service.create(ctx.db, ctx.now, project_of(new, creds), new))


def create_network(ctx: Ctx) -> Reply:
    return create(ctx, "network", "networks", schemas.NETWORK, lambda v: _make(ctx, v))


def update(ctx: Ctx) -> dict:
    creds = caller(ctx)
    changes = values(ctx, "network", schemas.NETWORK, False)
    net = service.get_writable(ctx.db, creds, ctx.params["network_id"], "update_network")
    enforce_attributes("update_network", schemas.NETWORK, changes, False, creds)
    return {"network": _view(ctx, service.update(ctx.db, ctx.now, net, changes))}


def delete(ctx: Ctx) -> None:
    net = service.get_writable(ctx.db, caller(ctx), ctx.params["network_id"],
                               "delete_network")
    service.delete(ctx.db, net)


ROUTES = [
    Route("GET", "/v2.0/networks", index, "network:get_network"),
    Route("POST", "/v2.0/networks", create_network, "network:create_network", 201),
    Route("GET", ONE, show, "network:get_network"),
    Route("PUT", ONE, update, "network:update_network"),
    Route("DELETE", ONE, delete, "network:delete_network", 204),
]
