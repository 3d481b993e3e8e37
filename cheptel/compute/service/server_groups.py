"""Server groups: affinity policies recorded per group, checked when a server joins.

With one compute host, affinity and the soft policies always hold; anti-affinity allows
`max_server_per_host` (default 1) live members, so a further member cannot be placed:
check_member_fits raises NoValidHost, which the servers code turns into an ERROR server
("No valid host was found"), as Nova's scheduler does.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.compute.models import Server, ServerGroup, ServerGroupMember
from cheptel.compute.service import quotas
from cheptel.errors import BadRequest, CheptelError, Forbidden, NotFound

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


class NoValidHost(CheptelError):
    """The group's policy cannot be met on the available hosts (a build failure)."""

    code = 500
    title = "No valid host"
    MESSAGE = "No valid host was found. There are not enough hosts available."

    def __init__(self, message: str = MESSAGE):
        super().__init__(message)


def get(db: Session, group_id: str) -> ServerGroup:
    group = db.get(ServerGroup, group_id)
    if group is None:
        raise NotFound(f"Instance group {group_id} could not be found.")
    return group


def list_groups(db: Session, project_id: str | None) -> list[ServerGroup]:
    """The groups of a project, or of every project when project_id is None."""
    query = select(ServerGroup).order_by(ServerGroup.created_at, ServerGroup.id)
    if project_id is not None:
        query = query.where(ServerGroup.project_id == project_id)
    return list(db.scalars(query))


def create(db: Session, now: float, *, project_id: str, user_id: str, name: str, policy: str,
           rules: dict | None = None) -> ServerGroup:
    rules = dict(rules or {})
    if policy != "anti-affinity" and rules:
        raise BadRequest("Only anti-affinity policy supports rules.")
    if "max_server_per_host" in rules:
        rules["max_server_per_host"] = int(rules["max_server_per_host"])
    used = db.scalar(select(func.count()).select_from(ServerGroup)
                     .where(ServerGroup.project_id == project_id)) or 0
    if not quotas.fits(quotas.limits(db, project_id)["server_groups"], used, 1):
        raise Forbidden("Quota exceeded, too many server groups.")
    group = ServerGroup(id=str(uuid.uuid4()), name=name, project_id=project_id,
                        user_id=user_id, policy=policy, rules=rules, created_at=now)
    db.add(group)
    db.flush()
    return group


def delete(db: Session, group: ServerGroup) -> None:
    db.execute(ServerGroupMember.__table__.delete()  # type: ignore[attr-defined]
               .where(ServerGroupMember.group_id == group.id))
    db.delete(group)
    db.flush()


def members_of(db: Session, group_ids: list[str]) -> dict[str, list[str]]:
    """The live (not deleted) member servers of each group, oldest first."""
    out: dict[str, list[str]] = {gid: [] for gid in group_ids}
    if group_ids:
        rows = db.execute(
            select(ServerGroupMember.group_id, ServerGroupMember.server_id)
            .join(Server, Server.id == ServerGroupMember.server_id)
            .where(ServerGroupMember.group_id.in_(group_ids), Server.deleted.is_(False))
            .order_by(Server.created_at))
        for group_id, server_id in rows:
            out[group_id].append(server_id)
    return out


def _placed_members(db: Session, group_id: str) -> int:
    """Live members that hold a place on a host (a failed build holds none)."""
    return db.scalar(
        select(func.count()).select_from(ServerGroupMember)
        .join(Server, Server.id == ServerGroupMember.server_id)
        .where(ServerGroupMember.group_id == group_id, Server.deleted.is_(False),
               Server.vm_state != "error")) or 0


def check_member_fits(db: Session, group_id: str, project_id: str | None, count: int = 1
                      ) -> ServerGroup:
    """May `count` new servers of `project_id` (None: the admin's, any project) join the
    group (scheduler hint `group`)?

    Raises BadRequest (no such group, or another project's: Nova's lookup filters by the
    caller's project, InstanceGroupNotFound is a 400 on boot), Forbidden
    (server_group_members quota: "Quota exceeded, too many servers in group") or
    NoValidHost (the policy cannot be met).
    """
    group = db.get(ServerGroup, group_id)
    if group is None or (project_id is not None and group.project_id != project_id):
        raise BadRequest(f"Instance group {group_id} could not be found.")
    live = len(members_of(db, [group_id])[group_id])
    limit = quotas.limits(db, group.project_id)["server_group_members"]
    if not quotas.fits(limit, live, count):
        raise Forbidden("Quota exceeded, too many servers in group")
    if group.policy == "anti-affinity":
        per_host = int((group.rules or {}).get("max_server_per_host", 1))
        if _placed_members(db, group_id) + count > per_host:  # one host: all share it
            raise NoValidHost()
    return group


def add_member(db: Session, group_id: str, server_id: str) -> None:
    if db.get(ServerGroupMember, (group_id, server_id)) is None:
        db.add(ServerGroupMember(group_id=group_id, server_id=server_id))
        db.flush()


def groups_of(db: Session, server_id: str) -> list[str]:
    """The groups a server belongs to (a server's `server_groups`, 2.71)."""
    return list(db.scalars(select(ServerGroupMember.group_id)
                           .where(ServerGroupMember.server_id == server_id)))
