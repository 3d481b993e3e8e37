"""GET /servers/{id}/diagnostics (admin): a reading of the server's container.

As Nova's controller: the server is loaded first (404 for one the caller cannot see),
then the policy is checked (403); before 2.48 the driver's flat dict, from 2.48 the
standard body (cheptel/compute/views_diagnostics.py); 409 unless the server runs.
"""

from __future__ import annotations

from cheptel.compute import views_diagnostics
from cheptel.compute.api.servers import ONE, _server
from cheptel.compute.service import diagnostics
from cheptel.reconciler.servers import ServerConverger
from cheptel.web import Ctx, Route


def show(ctx: Ctx) -> dict:
    server = _server(ctx)
    ctx.enforce({"project_id": server.project_id})
    stats = diagnostics.read(ctx.deps.reconciler.converger(ServerConverger), server)
    if ctx.version.at_least("2.48"):
        return views_diagnostics.standard(server, stats, ctx.now)
    return views_diagnostics.legacy(stats)


ROUTES = [
    Route("GET", ONE + "/diagnostics", show, "compute:servers:diagnostics", deferred=True),
]
