"""Server diagnostics (GET /servers/{id}/diagnostics): one reading of the server's
container, rendered by views_diagnostics.

Nova asks the server's compute host, which answers only for a running guest
(nova/compute/manager.py get_diagnostics): a server with no host yet is a 409 "not
ready", and any power state but running a 409 naming it. The power state is the engine's,
read now, as Nova's driver reads it: a missing container is "pending" (Nova's NOSTATE for
a guest the hypervisor does not know), a paused one "paused" or, for a suspended server
(cheptel suspends by pausing), "suspended", any other "shutdown".
"""

from __future__ import annotations

from typing import Any

from cheptel.backends.engine import ContainerStats, EngineError
from cheptel.compute import states
from cheptel.compute.models import Server
from cheptel.errors import Conflict, ServiceUnavailable


def power_state(server: Server, stats: ContainerStats | None) -> int:
    if stats is None:
        return states.NOSTATE
    if stats.status == "running":
        return states.RUNNING
    if stats.status == "paused":
        return states.SUSPENDED if server.vm_state == "suspended" else states.PAUSED
    return states.SHUTDOWN


def read(converger: Any, server: Server) -> ContainerStats:
    """The running server's container reading, or Nova's 409."""
    if not server.host:
        raise Conflict(f"Instance {server.id} is not ready")
    try:
        stats = converger.container_stats(server)
    except EngineError as exc:
        raise ServiceUnavailable(f"The compute host cannot be reached: {exc}") from None
    power = power_state(server, stats)
    if power != states.RUNNING or stats is None:
        raise Conflict(f"Cannot 'get_diagnostics' instance {server.id} while it is in "
                       f"power state {states.POWER_NAMES[power]}")
    return stats
