"""The load-balancer (Octavia v2) route table, gathered from one table per concept.

Every path is served under `/v2` and `/v2.0` alike (python-octaviaclient uses the
latter, openstacksdk the former)."""

from __future__ import annotations

from dataclasses import replace

from cheptel.loadbalancer.api import (
    amphorae,
    availability_zones,
    flavors,
    healthmonitors,
    l7,
    listeners,
    loadbalancers,
    pools,
    providers,
    quotas,
    versions,
)
from cheptel.web import Route

_V2: list[Route] = [*loadbalancers.ROUTES, *listeners.ROUTES, *pools.ROUTES,
                    *healthmonitors.ROUTES, *l7.ROUTES, *quotas.ROUTES, *flavors.ROUTES,
                    *availability_zones.ROUTES, *providers.ROUTES, *amphorae.ROUTES]
ROUTES: list[Route] = [*versions.ROUTES, *_V2,
                       *(replace(r, path="/v2.0" + r.path[len("/v2"):]) for r in _V2)]
