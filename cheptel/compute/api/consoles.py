"""Remote consoles (nova/api/openstack/compute/remote_consoles.py): the serial console
only (a websocket URL with a one-time token, served by cheptel.compute.console_proxy).
VNC, SPICE, RDP and MKS are Nova's ConsoleTypeUnavailable (400), as on a Nova whose
proxies are off. POST /servers/{id}/remote-consoles from 2.6; the os-get*Console
actions before it."""

from __future__ import annotations

from typing import Any

from cheptel.compute import views
from cheptel.compute.api.servers import ONE, _server
from cheptel.compute.service import consoles
from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.validation import check, obj
from cheptel.web import Ctx, Reply, Route

PROTOCOLS = ["vnc", "spice", "rdp", "serial", "mks"]
TYPES = ["novnc", "xvpvnc", "rdp-html5", "spice-html5", "serial", "webmks", "spice-direct"]
create_schema = obj({"remote_console": obj({
    "protocol": {"type": "string", "enum": PROTOCOLS},
    "type": {"type": "string", "enum": TYPES}}, ("protocol", "type"))}, ("remote_console",))
# the actions' bodies: {"type": one of the console's own types}
ACTION_TYPES = {"os-getSerialConsole": ["serial"], "os-getVNCConsole": ["novnc", "xvpvnc"],
                "os-getSPICEConsole": ["spice-html5"], "os-getRDPConsole": ["rdp-html5"]}


def _serial_url(ctx: Ctx, console_type: str) -> str:
    """A serial console's URL for the server of the path (the caller's to see)."""
    server = _server(ctx)
    if console_type != "serial":
        raise BadRequest(f"Invalid console type {console_type}")
    if views.status_of(server) != "ACTIVE":
        raise Conflict(f"Instance {server.id} is not ready.")
    return consoles.url(ctx.base_url, consoles.issue(ctx.db, server.id, ctx.now))


def create(ctx: Ctx) -> dict[str, Any]:
    if not ctx.version.at_least("2.6"):
        raise NotFound("The resource could not be found.")
    body = check(create_schema, ctx.body)["remote_console"]
    protocol, console_type = body["protocol"], body["type"]
    if protocol == "mks" and not ctx.version.at_least("2.8"):
        raise BadRequest("Invalid input for field/attribute protocol: 'mks' is not one of "
                         "['vnc', 'spice', 'rdp', 'serial']")
    if protocol != "serial":
        _server(ctx)  # 404 first for a server the caller cannot see
        raise BadRequest(f"Unavailable console type {console_type}.")
    return {"remote_console": {"protocol": protocol, "type": console_type,
                               "url": _serial_url(ctx, console_type)}}


def console_action(name: str) -> Any:
    """An os-get*Console action (before 2.6): the serial one works, the others are
    unavailable; from 2.6 they are gone, as in Nova."""
    def act(ctx: Ctx, arg: object) -> Reply:
        if ctx.version.at_least("2.6"):
            raise BadRequest(f"There is no such action: {name}")
        body = check(obj({"type": {"type": "string", "enum": ACTION_TYPES[name]}},
                         ("type",)), arg)
        if name != "os-getSerialConsole":
            _server(ctx)
            raise BadRequest(f"Unavailable console type {body['type']}.")
        return Reply({"console": {"type": body["type"],
                                  "url": _serial_url(ctx, body["type"])}}, status=200)
    return act


ROUTES = [
    Route("POST", ONE + "/remote-consoles", create, "compute:servers:remote_consoles", 200),
]
