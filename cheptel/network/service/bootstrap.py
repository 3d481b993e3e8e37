"""First start, as DevStack leaves a cloud: an external network `public` (admin's), and
for the demo project a network `private` with a router `router1` to `public`.

Runs once (a cloud_meta marker): what an operator deletes afterwards stays deleted.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.cloud import CloudMeta
from cheptel.identity.models import Project
from cheptel.network.service import networks, routers, subnets
from cheptel.network.service.common import SYSTEM

if TYPE_CHECKING:
    from cheptel.app import Deps

MARKER = "network_bootstrap"
PRIVATE_CIDR = "10.0.0.0/24"


def _fixed(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cheptel:network:{name}"))


def _project(db: Session, name: str) -> str | None:
    return db.scalar(select(Project.id).where(Project.name == name,
                                              Project.domain_id == "default"))


def bootstrap(db: Session, now: float, public_cidr: str,
              private_cidr: str = PRIVATE_CIDR) -> list[str]:
    """Idempotent; returns notes for the operator."""
    if db.get(CloudMeta, MARKER) is not None:
        return []
    cidr = str(ipaddress.IPv4Network(public_cidr))  # a bad setting stops the start here
    admin, demo = _project(db, "admin"), _project(db, "demo")
    if admin is None:
        return ["no admin project: the network bootstrap is skipped"]
    public = networks.create(db, now, admin, {
        "name": "public", "router:external": True, "provider:network_type": "flat",
        "provider:physical_network": "public"}, network_id=_fixed("public"))
    subnets.create(db, now, public, admin, {"name": "public-subnet", "ip_version": 4,
                                            "cidr": cidr, "enable_dhcp": False},
                   subnet_id=_fixed("public-subnet"))
    notes = [f"created the external network public ({cidr})"]
    if demo is not None:
        private = networks.create(db, now, demo, {"name": "private"},
                                  network_id=_fixed("private"))
        subnet = subnets.create(db, now, private, demo, {
            "name": "private-subnet", "ip_version": 4, "cidr": private_cidr},
            subnet_id=_fixed("private-subnet"))
        router = routers.create(db, now, demo, {
            "name": "router1", "external_gateway_info": {"network_id": public.id}})
        routers.add_interface(db, now, SYSTEM, router, subnet.id, None)
        notes.append(f"created the demo network private ({private_cidr}) and router1")
    db.add(CloudMeta(key=MARKER, value="done"))
    db.flush()
    return notes


def on_start(db: Session, deps: Deps) -> list[str]:
    """The network service's bootstrap (every start; does its work once)."""
    settings = deps.settings
    return bootstrap(db, deps.clock(), settings.public_cidr, settings.private_cidr)
