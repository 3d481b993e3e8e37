"""os-interface: a server's ports (Neutron's), hot-plugged and unplugged."""

from __future__ import annotations

from cheptel.compute import ports
from cheptel.compute.addresses import ports_of
from cheptel.compute.api.servers import ONE, _server
from cheptel.compute.models import Server
from cheptel.errors import NotFound
from cheptel.validation import check, obj
from cheptel.web import Ctx, Reply, Route

ATTACH = obj({"interfaceAttachment": obj({
    "net_id": {"type": "string", "maxLength": 64}, "port_id": {"type": "string",
                                                               "maxLength": 64},
    "fixed_ips": {"type": "array", "maxItems": 1,
                  "items": obj({"ip_address": {"type": "string", "maxLength": 64}},
                               ("ip_address",))},
    "tag": {"type": "string", "maxLength": 60}})}, ("interfaceAttachment",))


def _view(port, ctx: Ctx) -> dict:  # type: ignore[no-untyped-def]
    body = {"port_state": port.status, "port_id": port.id, "net_id": port.network_id,
            "mac_addr": port.mac_address,
            "fixed_ips": [{"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                          for a in sorted(port.fixed_ips, key=lambda a: a.position)]}
    if ctx.version.at_least("2.70"):
        body["tag"] = None
    return body


def _port(ctx: Ctx, server: Server):  # type: ignore[no-untyped-def]
    for port in ports_of(ctx.db, server):
        if port.id == ctx.params["port_id"]:
            return port
    raise NotFound(f"Network interface {ctx.params['port_id']} could not be found.")


def index(ctx: Ctx) -> dict:
    server = _server(ctx)
    return {"interfaceAttachments": [_view(p, ctx) for p in ports_of(ctx.db, server)]}


def show(ctx: Ctx) -> dict:
    return {"interfaceAttachment": _view(_port(ctx, _server(ctx)), ctx)}


def attach(ctx: Ctx) -> Reply:
    body = check(ATTACH, ctx.body)["interfaceAttachment"]
    server = _server(ctx)
    assert ctx.creds is not None
    before = {p.id for p in ports_of(ctx.db, server)}
    if body.get("port_id"):
        wanted = [{"port": body["port_id"]}]
    else:
        fixed = (body.get("fixed_ips") or [{}])[0].get("ip_address")
        wanted = [{"uuid": body["net_id"], "fixed_ip": fixed}] if body.get("net_id") else [
            {"auto": True}]
    ports.allocate(ctx.db, ctx.creds, server.id, server.project_id, wanted, None, ctx.now,
                   ctx.deps.settings.auto_cidr_pool, attach=True)
    ctx.db.flush()
    added = [p for p in ports_of(ctx.db, server) if p.id not in before]
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))
    return Reply({"interfaceAttachment": _view(added[0], ctx)}, status=200)


def detach(ctx: Ctx) -> None:
    server = _server(ctx)
    port = _port(ctx, server)
    ports.release_one(ctx.db, port.id)
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))


IFACES = ONE + "/os-interface"
ROUTES = [
    Route("GET", IFACES, index, "compute:servers:interfaces:read"),
    Route("POST", IFACES, attach, "compute:servers:interfaces:write"),
    Route("GET", IFACES + "/{port_id}", show, "compute:servers:interfaces:read"),
    Route("DELETE", IFACES + "/{port_id}", detach, "compute:servers:interfaces:write", 202),
]
