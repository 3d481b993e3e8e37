"""os-floating-ip-pools (a proxy API, gone from 2.36): Neutron's external networks.

As nova/api/openstack/compute/floating_ip_pools.py: each network with router:external
true, by its name (its id when it has none); any authenticated caller (RULE_ANY).
"""

from __future__ import annotations

from sqlalchemy import select

from cheptel.compute.api.params import version
from cheptel.errors import NotFound
from cheptel.network.models import Network
from cheptel.web import Ctx, Route

MAX_PROXY = "2.36"  # the proxy APIs answer 404 from this microversion on


def index(ctx: Ctx) -> dict:
    if version(ctx).at_least(MAX_PROXY):
        raise NotFound("The resource could not be found.")
    nets = ctx.db.scalars(select(Network).where(Network.external.is_(True))
                          .order_by(Network.created_at, Network.id))
    return {"floating_ip_pools": [{"name": n.name or n.id} for n in nets]}


ROUTES = [
    Route("GET", "/v2.1/os-floating-ip-pools", index, "compute:os-floating-ip-pools"),
]
