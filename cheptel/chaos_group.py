"""`cheptel chaos --scaling-group STACK/RESOURCE`: a self-healing group as the target.

The victims are the servers of the group's CURRENT members (an OS::Heat::AutoScalingGroup
or ResourceGroup of a stack of the named project; a member is a server, or a nested
template holding servers), read again at each injection: the group replaces a killed
server by a new one with a new id, so the plan names only the faults and their times,
and the victim is drawn at random among the group's ACTIVE servers when it is injected.

A kill or stop is `noticed` when the victim's server is seen SHUTOFF, ERROR or gone (with
`--pool`: when its member is seen ERROR in the pool, or gone), and `replaced` when the
group again holds its size of ACTIVE servers without the victim (with `--pool`: and each
server made since the fault has an ONLINE member in the pool). A pause or a netcut is
watched as in the other modes (nothing replaces a paused server).

Without `--pool`, the probe is each current member's floating IP (re-read every second,
so a replacement's new address is probed once it is there); with it, the load balancer's
VIP only (cheptel.chaos_pool). Another project's stack is refused as unknown, and so is a
resource that is not a group."""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cheptel.chaos_pool import PoolTarget, member_status, members_by_server, project_of

if TYPE_CHECKING:
    from cheptel.chaos import Chaos, Injection, Target
    from cheptel.compute.models import Server

SERVER = "OS::Nova::Server"
NESTING = 5  # how deep a member's nested templates are searched for servers
GRACE = 120.0  # a kill's default watch: the replacement is a new server, booted


@dataclass
class GroupTarget:
    stack_id: str
    stack: str  # its name
    resource: str
    type: str  # OS::Heat::AutoScalingGroup or OS::Heat::ResourceGroup

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_group(db: Session, project: str, ref: str) -> tuple[str, GroupTarget]:
    """The project's id and the group STACK/RESOURCE names (a stack's name or id)."""
    from cheptel.orchestration.models import Stack, StackResource
    from cheptel.orchestration.resources.groups import GROUP_TYPES
    from cheptel.orchestration.service.stacks import in_project

    name, _, resource = ref.partition("/")
    if not name or not resource or "/" in resource:
        raise ValueError("--scaling-group takes STACK/RESOURCE")
    project_id = project_of(db, project)
    stack = db.get(Stack, name)
    if stack is None or stack.project_id != project_id or (
            stack.action, stack.status) == ("DELETE", "COMPLETE"):
        stack = next((s for s in in_project(db, project_id) if s.name == name), None)
    if stack is None:  # another project's: as if none
        raise ValueError(f"no stack {name} in project {project}")
    row = db.scalar(select(StackResource).where(StackResource.stack_id == stack.id,
                                                StackResource.name == resource))
    if row is None:
        raise ValueError(f"stack {name} has no resource {resource}")
    if row.type not in GROUP_TYPES:
        raise ValueError(f"{name}/{resource} is an {row.type}, not an "
                         f"{' or '.join(GROUP_TYPES)}")
    if not row.physical_id:
        raise ValueError(f"{name}/{resource} is not made ({row.action} {row.status})")
    return project_id, GroupTarget(stack.id, stack.name, resource, row.type)


def _servers_under(db: Session, row: Any, depth: int = 0) -> list[str]:
    """The servers a member's resource is, or holds through its nested stacks."""
    from cheptel.orchestration.models import Stack
    from cheptel.orchestration.service.stacks import resources_of

    if not row.physical_id or row.action == "DELETE":
        return []
    if row.type == SERVER:
        return [row.physical_id]
    child = db.get(Stack, row.physical_id) if len(row.physical_id) <= 36 else None
    if depth >= NESTING or child is None or child.parent_id != row.stack_id \
            or child.action == "DELETE":
        return []
    return [s for r in resources_of(db, child) for s in _servers_under(db, r, depth + 1)]


def members(db: Session, project_id: str, where: GroupTarget) -> tuple[int, list[Server]]:
    """The group's size (its members' count now) and its members' servers, in order."""
    from cheptel.compute.models import Server
    from cheptel.orchestration.models import Stack, StackResource
    from cheptel.orchestration.service.stacks import resources_of

    row = db.scalar(select(StackResource).where(StackResource.stack_id == where.stack_id,
                                                StackResource.name == where.resource))
    child = None if row is None or not row.physical_id else db.get(Stack, row.physical_id)
    if child is None or child.action == "DELETE":
        return 0, []
    names = list((child.template or {}).get("resources") or {})
    rows = {r.name: r for r in resources_of(db, child)}
    found: list[Server] = []
    for name in names:
        for sid in _servers_under(db, rows[name]) if name in rows else []:
            server = db.get(Server, sid)
            if server is not None and server.project_id == project_id \
                    and not server.deleted and server not in found:
                found.append(server)
    return len(names), found


def _targets(db: Session, servers: list[Server]) -> list[Target]:
    from cheptel.chaos import Target
    from cheptel.network.models import FloatingIP, Port

    fips = {str(device): str(address) for device, address in db.execute(
        select(Port.device_id, FloatingIP.floating_ip_address)
        .join(FloatingIP, FloatingIP.port_id == Port.id)
        .where(Port.device_id.in_([s.id for s in servers])))}
    return [Target(s.id, s.name, fips.get(s.id)) for s in servers]


class GroupRun:
    """The group's servers as a run reads them: at each injection, each second for the
    probe, and while a fault's replacement is watched."""

    def __init__(self, db: Engine, project_id: str, where: GroupTarget,
                 pool: PoolTarget | None, seed: int | None = None) -> None:
        self.db, self.project_id, self.where, self.pool = db, project_id, where, pool
        self.rng = random.Random(seed)
        # at each pick, before its fault: the group's servers and their pool members
        self.before: dict[str, tuple[set[str], dict[str, str]]] = {}

    def members(self, active: bool = False) -> list[Target]:
        """The group's servers now (ACTIVE ones only: the possible victims)."""
        from cheptel.compute.views import status_of

        with Session(self.db) as db:
            _, servers = members(db, self.project_id, self.where)
            return _targets(db, [s for s in servers
                                 if not active or status_of(s) == "ACTIVE"])

    def pick(self, planned: Target | None) -> Target | None:
        """A victim drawn among the group's ACTIVE servers now (None: there is none)."""
        from cheptel.compute.views import status_of

        with Session(self.db) as db:
            _, servers = members(db, self.project_id, self.where)
            now = _targets(db, [s for s in servers if status_of(s) == "ACTIVE"])
            found = {} if self.pool is None else members_by_server(
                db, self.project_id, self.pool.pool_id)
        if self.pool is not None:  # a new server's member, for a pause's watch
            self.pool.members.update(found)
        victim = self.rng.choice(now) if now else None
        if victim is not None:
            self.before[victim.server_id] = ({s.id for s in servers}, found)
        return victim

    def noticed(self, db: Session, victim: str, member: str | None) -> bool:
        from cheptel.compute.models import Server
        from cheptel.compute.views import status_of

        if member is not None:  # behind the pool: its member's health
            return member_status(db, member) in ("ERROR", "DELETED")
        server = db.get(Server, victim)
        return server is None or status_of(server) in ("SHUTOFF", "ERROR", "DELETED")

    def replaced(self, db: Session, victim: str, before: set[str]) -> bool:
        """The group at its size of ACTIVE servers without the victim (and, behind a
        pool, each server made since the fault ONLINE in it)."""
        from cheptel.compute.views import status_of

        size, servers = members(db, self.project_id, self.where)
        if any(s.id == victim for s in servers):
            return False
        active = [s.id for s in servers if status_of(s) == "ACTIVE"]
        if len(active) < size or not size:
            return False
        if self.pool is None:
            return True
        by_server = members_by_server(db, self.project_id, self.pool.pool_id)
        return all(sid in by_server and member_status(db, by_server[sid]) == "ONLINE"
                   for sid in active if sid not in before)

    def watch(self, chaos: Chaos, injection: Injection, start: float) -> None:
        """A kill or stop: until noticed and replaced (or the grace after it passes)."""
        before, by_server = self.before.get(injection.server_id, (set(), {}))
        member = by_server.get(injection.server_id)
        deadline = start + injection.at + chaos.grace
        while time.monotonic() < deadline and not chaos.stop.is_set():
            now = time.monotonic() - start
            with Session(chaos.db) as db:
                if injection.detected_after is None and self.noticed(
                        db, injection.server_id, member):
                    injection.detected_after = round(now - injection.at, 3)
                if injection.replaced_after is None and self.replaced(
                        db, injection.server_id, before):
                    injection.replaced_after = round(now - injection.at, 3)
            if injection.detected_after is not None and injection.replaced_after is not None:
                return
            chaos.stop.wait(0.1)

    def leftovers(self) -> list[str]:
        """The group short of its size of ACTIVE servers at the end."""
        from cheptel.compute.views import status_of

        with Session(self.db) as db:
            size, servers = members(db, self.project_id, self.where)
            active = sum(status_of(s) == "ACTIVE" for s in servers)
        if active >= size:
            return []
        return [f"group {self.where.stack}/{self.where.resource}: {active} of {size} "
                "servers ACTIVE"]
