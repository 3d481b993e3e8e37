"""The network (Neutron v2.0) route table, gathered from one table per concept.

Each module below holds its handlers and ends with its ROUTES (method, path under
/network, handler, policy; the policies are in cheptel.network.policies); this file
concatenates them, and holds the hooks the service declares (request ids, the dataplane
wake-up).
Route policies check the role (reader reads, member writes, in the token's project);
which resources a caller sees, and which attributes only an admin or a network's owner
may set, is decided below the route (a resource of another project is a 404).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from starlette.requests import Request

from cheptel.network.api import (
    agents,
    floatingips,
    networks,
    ports,
    quotas,
    routers,
    security_groups,
    service_providers,
    subnetpools,
    subnets,
    tags,
    versions,
)
from cheptel.web import Route

if TYPE_CHECKING:
    from cheptel.app import Deps

ROUTES: list[Route] = [
    *versions.ROUTES,
    *networks.ROUTES,
    *subnets.ROUTES,
    *subnetpools.ROUTES,
    *ports.ROUTES,
    *routers.ROUTES,
    *floatingips.ROUTES,
    *security_groups.ROUTES,
    *quotas.ROUTES,
    *tags.ROUTES,
    *agents.ROUTES,
    *service_providers.ROUTES,
]


def request_id(request: Request) -> tuple[None, dict[str, str]]:
    """Every answer carries a request id, as Neutron's oslo middleware adds it."""
    return None, {"X-Openstack-Request-Id": f"req-{uuid.uuid4()}"}


def wake_dataplane(deps: Deps) -> None:
    """Every committed network change rebuilds the dataplane (within the second)."""
    deps.reconciler.kick_network()
