"""GET and DELETE /servers/{id}/os-server-password.

Nova keeps the password a guest posted to its metadata service, encrypted with the
server's key; cheptel has no metadata service a guest could post to, so there is never
one: GET answers an empty password, DELETE (which only forgets it) has nothing to clear.
"""

from __future__ import annotations

from cheptel.compute.api.servers import ONE, _server
from cheptel.web import Ctx, Route


def show(ctx: Ctx) -> dict:
    _server(ctx)
    return {"password": ""}


def clear(ctx: Ctx) -> None:
    _server(ctx)


ROUTES = [
    Route("GET", ONE + "/os-server-password", show, "compute:servers:password:show"),
    Route("DELETE", ONE + "/os-server-password", clear, "compute:servers:password:clear", 204),
]
