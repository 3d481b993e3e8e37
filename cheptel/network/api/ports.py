"""Ports: /v2.0/ports and /v2.0/ports/{id}."""

from __future__ import annotations

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import enforce_attributes, project_of
from cheptel.network.errors import policy_denied
from cheptel.network.models import Network
from cheptel.network.service import ports as service
from cheptel.network.service import subnets
from cheptel.network.service.common import compute_host_name
from cheptel.policy import Creds
from cheptel.web import Ctx, Reply, Route

ONE = "/v2.0/ports/{port_id}"


def _enforce(action: str, creds: Creds, net: Network, new: dict, create: bool) -> None:
    """Neutron's attribute rules: some settings are the network owner's (or an admin's)."""
    owner = creds.is_admin or net.project_id == creds.project_id
    enforce_attributes(action, schemas.PORT, new, create, creds, network_owner=owner)
    service.check_fixed_ip_policy(creds, net, new.get("fixed_ips"), action)
    if not owner and str(new.get("device_owner", "")).startswith("network:"):
        raise policy_denied(action, "device_owner")


def _view(ctx: Ctx, port) -> dict:  # type: ignore[no-untyped-def]
    return views.port(port, caller(ctx).is_admin)


def _local_host(ctx: Ctx, values: dict) -> str:
    """This compute host's name (as Nova's hypervisor list shows it), when a binding
    attribute asks for it: the engine is only asked then."""
    if not {"binding:host_id", "binding:vnic_type"} & set(values):
        return ""
    return compute_host_name(ctx.deps.containers)


def index(ctx: Ctx) -> dict:
    items = [_view(ctx, p) for p in service.list_visible(ctx.db, caller(ctx))]
    return collection(ctx, "ports", schemas.PORT, items)


def show(ctx: Ctx) -> dict:
    return one(ctx, "port", _view(ctx, service.get_visible(ctx.db, caller(ctx),
                                                           ctx.params["port_id"])))


def _make(ctx: Ctx, new: dict) -> dict:
    creds = caller(ctx)
    project_id = project_of(new, creds)
    net = subnets.network_for_child(ctx.db, creds, new["network_id"], project_id,
                                    "create_port")
    _enforce("create_port", creds, net, new, True)
    service.check_device(ctx.db, creds, project_id, new)
    return _view(ctx, service.create(ctx.db, ctx.now, net, project_id, new,
                                     local_host=_local_host(ctx, new)))


def create_port(ctx: Ctx) -> Reply:
    return create(ctx, "port", "ports", schemas.PORT, lambda v: _make(ctx, v))


def update(ctx: Ctx) -> dict:
    creds = caller(ctx)
    changes = values(ctx, "port", schemas.PORT, False)
    port = service.get_writable(ctx.db, creds, ctx.params["port_id"], "update_port")
    net = ctx.db.get(Network, port.network_id)
    assert net is not None
    _enforce("update_port", creds, net, changes, False)
    service.check_device(ctx.db, creds, port.project_id, changes, port)
    return {"port": _view(ctx, service.update(ctx.db, ctx.now, port, changes,
                                              local_host=_local_host(ctx, changes)))}


def delete(ctx: Ctx) -> None:
    port = service.get_writable(ctx.db, caller(ctx), ctx.params["port_id"], "delete_port")
    service.delete(ctx.db, ctx.now, port)


ROUTES = [
    Route("GET", "/v2.0/ports", index, "network:get_port"),
    Route("POST", "/v2.0/ports", create_port, "network:create_port", 201),
    Route("GET", ONE, show, "network:get_port"),
    Route("PUT", ONE, update, "network:update_port"),
    Route("DELETE", ONE, delete, "network:delete_port", 204),
]
