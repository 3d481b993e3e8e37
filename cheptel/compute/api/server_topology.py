"""GET /servers/{id}/topology (2.78): a server's NUMA topology.

A container has no guest NUMA topology (no pinning, no huge pages), as a Nova instance
whose numa_topology is None: {"nodes": [], "pagesize_kb": null}
(nova/api/openstack/compute/server_topology.py, _get_numa_topology). As Nova's controller,
the server is loaded first (404), then the policy checked against its project.
"""

from __future__ import annotations

from cheptel.compute.api.servers import ONE, _server
from cheptel.errors import NotFound
from cheptel.web import Ctx, Route


# compute:server:topology:index is PROJECT_READER_OR_ADMIN; host:index (ADMIN) only adds
# host cell details to nodes, and there are none
def index(ctx: Ctx) -> dict:
    if not ctx.version.at_least("2.78"):
        raise NotFound("The resource could not be found.")
    server = _server(ctx)
    ctx.enforce({"project_id": server.project_id})
    return {"nodes": [], "pagesize_kb": None}


ROUTES = [
    Route("GET", ONE + "/topology", index, "compute:server:topology:index", deferred=True),
]
