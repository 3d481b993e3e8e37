"""The networks compute asks for: a network by id as the caller sees it, and
get-me-a-network (Nova's `networks: "auto"`, Neutron's auto-allocated topology).

auto_network: the project's only network (its own or a shared one) if it has exactly one; otherwise,
on first use, a network "auto_allocated_network" with an IPv4 subnet on a free /24 of
10.0.0.0/8 and a router "auto_allocated_router" to the external network (`public` first),
recorded so that later calls find the same network.
"""

from __future__ import annotations

import ipaddress
import time

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cheptel.network.errors import conflict, invalid_input
from cheptel.network.models import AutoAllocatedTopology, Network, Subnet
from cheptel.network.service import networks, routers, subnets
from cheptel.network.service.common import SYSTEM
from cheptel.policy import Creds

POOL = ipaddress.ip_network("10.0.0.0/8")
PREFIX = 24


def free_cidr(db: Session, pool: str | None = None) -> str:
    """The first /24 of the pool (10.0.0.0/8 by default) that overlaps no subnet of the
    cloud."""
    taken = [ipaddress.ip_network(c) for c in db.scalars(select(Subnet.cidr))]
    space = ipaddress.ip_network(pool) if pool else POOL
    for candidate in space.subnets(new_prefix=max(PREFIX, space.prefixlen)):
        if not any(candidate.overlaps(t) for t in taken):
            return str(candidate)
    raise invalid_input("No free /24 left in 10.0.0.0/8 for an automatic network")


def external_network(db: Session) -> Network | None:
    externals = list(db.scalars(select(Network).where(Network.external.is_(True))
                                .order_by(Network.created_at)))
    named = [n for n in externals if n.name == "public"]
    return next(iter(named or externals), None)


def _candidates(db: Session, project_id: str) -> list[Network]:
    return list(db.scalars(select(Network).where(
        Network.external.is_(False),
        or_(Network.project_id == project_id, Network.shared.is_(True)))))


def _build(db: Session, project_id: str, now: float, pool: str | None) -> Network:
    net = networks.create(db, now, project_id, {"name": "auto_allocated_network"})
    subnet = subnets.create(db, now, net, project_id, {
        "name": "auto_allocated_subnet_v4", "ip_version": 4, "cidr": free_cidr(db, pool)})
    external = external_network(db)
    router_id = None
    if external is not None:
        router = routers.create(db, now, project_id, {
            "name": "auto_allocated_router",
            "external_gateway_info": {"network_id": external.id}})
        routers.add_interface(db, now, SYSTEM, router, subnet.id, None)
        router_id = router.id
    db.add(AutoAllocatedTopology(project_id=project_id, network_id=net.id,
                                 router_id=router_id))
    db.flush()
    return net


def get_network_visible(db: Session, creds: Creds, network_id: str) -> Network:
    """The network if the caller may see it (own, shared or external), else NetworkNotFound."""
    return networks.get_visible(db, creds, network_id)


def auto_network(db: Session, project_id: str, *, now: float | None = None,
                 pool: str | None = None) -> Network:
    """Nova's `networks: "auto"`: the project's network, made on first use (see above)."""
    at = time.time() if now is None else now
    row = db.get(AutoAllocatedTopology, project_id)
    if row is not None:
        found = db.get(Network, row.network_id)
        assert found is not None
        return found
    candidates = _candidates(db, project_id)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise conflict("NetworkAmbiguous", "More than one possible network found. Specify "
                       "network ID(s) to select which one(s) to connect to.")
    try:
        with db.begin_nested():  # a concurrent first call makes its own and wins the key
            return _build(db, project_id, at, pool)
    except IntegrityError:
        return auto_network(db, project_id, now=at)
