"""`cheptel chaos --pool`: a load balancer's pool as the target. The victims are the
project's ACTIVE servers whose fixed addresses are the pool's members; the probe is one
address, the one a user of the service reaches: the load balancer's VIP, through its
floating IP if it has one (the floating IP on the VIP port), on the port of the listener
whose default pool it is. So the report's availability is what the service's users saw
while its members were killed, and a fault is `noticed` when the member is seen ERROR in
the pool (its operating_status in the database, as the converger's health read wrote
it), and back when it is ONLINE again. The victims are read again at each injection
(PoolRun): the planned one if it is still an ACTIVE member, else one drawn among those
that are, so a member killed earlier (SHUTOFF) is not killed twice.

The safety rails of cheptel.chaos hold: the pool must be the named project's, and only
that project's servers are victims, whatever addresses the pool's members name (a member
is only an address: another project's server may hold it on its own network)."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from cheptel.chaos import Target


@dataclass
class PoolTarget:
    """What a user of the pool's service reaches, and the member behind each victim."""

    pool_id: str
    loadbalancer_id: str
    loadbalancer: str  # its name
    vip_address: str
    floating_ip: str | None
    port: int | None  # the listener's protocol_port (None: no listener's default pool)
    members: dict[str, str] = field(default_factory=dict)  # server id -> member id

    @property
    def address(self) -> str:
        """The probed address: the VIP's floating IP, or the VIP."""
        return self.floating_ip or self.vip_address

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "address": self.address}


def project_of(db: Session, project: str) -> str:
    from cheptel.identity.models import Project

    found = db.scalar(select(Project).where((Project.id == project) | (Project.name == project)))
    if found is None:
        raise ValueError(f"no project {project!r}")
    return str(found.id)


def pool_targets(db: Session, project: str, pool_id: str
                 ) -> tuple[str, list[Target], PoolTarget]:
    """The project's ACTIVE servers that are the pool's members (watched, not probed one by
    one), and the load balancer's address the probe uses."""
    from cheptel.chaos import Target
    from cheptel.compute.models import Server
    from cheptel.compute.views import status_of
    from cheptel.loadbalancer.models import Listener, LoadBalancer, Pool
    from cheptel.network.models import FloatingIP

    project_id = project_of(db, project)
    pool = db.get(Pool, pool_id)
    if pool is None or pool.project_id != project_id:  # another project's: as if none
        raise ValueError(f"no pool {pool_id} in project {project}")
    lb = db.get(LoadBalancer, pool.loadbalancer_id)
    if lb is None:
        raise ValueError(f"pool {pool_id}: no load balancer")
    port = db.scalar(select(Listener.protocol_port).where(Listener.default_pool_id == pool.id)
                     .order_by(Listener.created_at))
    fip = db.scalar(select(FloatingIP.floating_ip_address).where(
        FloatingIP.port_id == lb.vip_port_id))
    where = PoolTarget(pool.id, lb.id, lb.name, lb.vip_address,
                       None if fip is None else str(fip), port)
    chosen: list[Target] = []
    for sid, member in members_by_server(db, project_id, pool.id).items():
        server = db.get(Server, sid)
        if server is not None and status_of(server) == "ACTIVE":
            where.members[sid] = member
            chosen.append(Target(sid, server.name, None))
    return project_id, chosen, where


def members_by_server(db: Session, project_id: str, pool_id: str) -> dict[str, str]:
    """The project's servers (not deleted) whose fixed addresses are the pool's members
    (on the member's subnet, if it names one): server id -> member id, the oldest member
    first."""
    from cheptel.compute.models import Server
    from cheptel.loadbalancer.models import Member
    from cheptel.network.models import IPAllocation, Port

    found: dict[str, str] = {}
    for member in db.scalars(select(Member).where(Member.pool_id == pool_id)
                             .order_by(Member.created_at, Member.id)):
        q = (select(Server.id).join(Port, Port.device_id == Server.id)
             .join(IPAllocation, IPAllocation.port_id == Port.id)
             .where(IPAllocation.ip_address == member.address,
                    Port.project_id == project_id, Server.project_id == project_id,
                    Server.deleted.is_(False)))
        if member.subnet_id:  # the same address on another subnet is another server
            q = q.where(IPAllocation.subnet_id == member.subnet_id)
        for sid in db.scalars(q):
            found.setdefault(sid, member.id)
    return found


class PoolRun:
    """`--pool` alone: the victims read again at each injection, so a member killed
    earlier (SHUTOFF) is not killed twice, and a server that joined the pool since the
    plan may be one."""

    def __init__(self, db: Engine, project: str, where: PoolTarget,
                 seed: int | None = None) -> None:
        self.db, self.project, self.where = db, project, where
        self.rng = random.Random(seed)

    def pick(self, planned: Target | None) -> Target | None:
        """The planned victim if it is still an ACTIVE member, else one drawn among them."""
        with Session(self.db) as db:
            _, now, found = pool_targets(db, self.project, self.where.pool_id)
        self.where.members.update(found.members)
        if planned is not None and any(t.server_id == planned.server_id for t in now):
            return planned
        return self.rng.choice(now) if now else None


def member_status(db: Session, member_id: str) -> str:
    """The member's operating_status as the API shows it (DELETED: gone)."""
    from cheptel.loadbalancer.models import Member

    member = db.get(Member, member_id)
    return "DELETED" if member is None else member.operating_status


def pool_leftovers(db: Session, where: PoolTarget) -> list[str]:
    """The load balancer or pool not ACTIVE at the end (a change stuck or failed)."""
    from cheptel.loadbalancer.models import LoadBalancer, Pool

    left = []
    for kind, row in (("load balancer", db.get(LoadBalancer, where.loadbalancer_id)),
                      ("pool", db.get(Pool, where.pool_id))):
        status = "DELETED" if row is None else row.provisioning_status
        if status != "ACTIVE":
            left.append(f"{kind} {where.loadbalancer if kind != 'pool' else where.pool_id}"
                        f" is {status}")
    return left
