"""Compute quotas: defaults, per-project overrides, usage, and Nova's over-quota error.

Limits are layered as in Nova's DbQuotaDriver: the built-in defaults, then the "default"
quota class (PUT /os-quota-class-sets/default), then the project's own overrides. A quota
class's rows live in the same table as a project's, under the key CLASS_PREFIX + name.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.compute.models import (
    KeyPair,
    QuotaLimit,
    Server,
    ServerGroup,
    ServerGroupMember,
    UserQuotaLimit,
)
from cheptel.errors import BadRequest, Forbidden

DEFAULTS: dict[str, int] = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "key_pairs": 100,
    "metadata_items": 128,
    "server_groups": 10,
    "server_group_members": 10,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
}
# nova-network quotas Nova still shows (unlimited) before 2.36 (2.50 for quota classes)
LEGACY: dict[str, int] = {
    "fixed_ips": -1,
    "floating_ips": -1,
    "security_groups": -1,
    "security_group_rules": -1,
}
UNLIMITED = -1
CLASS_PREFIX = "quota-class:"
DEFAULT_CLASS = "default"


def _layered(db: Session, *keys: str) -> dict[str, int]:
    """The built-in values, then the rows of each key in turn (one query)."""
    rows = db.execute(select(QuotaLimit.project_id, QuotaLimit.resource, QuotaLimit.limit)
                      .where(QuotaLimit.project_id.in_(keys)))
    found: dict[str, dict[str, int]] = {}
    for key, resource, limit in rows:
        found.setdefault(key, {})[resource] = limit
    values = {**DEFAULTS, **LEGACY}
    for key in keys:
        values.update(found.get(key, {}))
    return values


def class_limits(db: Session, name: str = DEFAULT_CLASS) -> dict[str, int]:
    """A quota class's values: the defaults with that class's overrides."""
    return _layered(db, CLASS_PREFIX + name)


def set_class_limits(db: Session, name: str, changes: dict[str, int]) -> dict[str, int]:
    if len(CLASS_PREFIX + name) > 64:
        raise BadRequest("Invalid input received: quota_class_name has more than "
                         f"{64 - len(CLASS_PREFIX)} characters.")
    set_limits(db, CLASS_PREFIX + name, changes)
    return class_limits(db, name)


def defaults(db: Session) -> dict[str, int]:
    return class_limits(db, DEFAULT_CLASS)


def limits(db: Session, project_id: str) -> dict[str, int]:
    return _layered(db, CLASS_PREFIX + DEFAULT_CLASS, project_id)


def user_limits(db: Session, project_id: str, user_id: str) -> dict[str, int]:
    """A user's limits in a project: the project's, with the user's own overrides."""
    return {**limits(db, project_id), **_user_overrides(db, project_id, user_id)}


def _user_overrides(db: Session, project_id: str, user_id: str) -> dict[str, int]:
    rows = db.execute(select(UserQuotaLimit.resource, UserQuotaLimit.limit).where(
        UserQuotaLimit.project_id == project_id, UserQuotaLimit.user_id == user_id))
    return dict(rows.tuples().all())


def set_user_limits(db: Session, project_id: str, user_id: str,
                    changes: dict[str, int]) -> dict[str, int]:
    for resource, limit in changes.items():
        row = db.get(UserQuotaLimit, (project_id, user_id, resource))
        if row is None:
            db.add(UserQuotaLimit(project_id=project_id, user_id=user_id, resource=resource,
                                  limit=limit))
        else:
            row.limit = limit
    db.flush()
    return user_limits(db, project_id, user_id)


def reset_user(db: Session, project_id: str, user_id: str) -> None:
    for row in db.scalars(select(UserQuotaLimit).where(UserQuotaLimit.project_id == project_id,
                                                       UserQuotaLimit.user_id == user_id)):
        db.delete(row)


def check_user_settable(db: Session, project_id: str, user_id: str,
                        changes: dict[str, int]) -> None:
    """Nova's bounds for a user's limit: at least what the user uses, at most the
    project's limit."""
    check_settable(db, project_id, changes, user_id, per_user=True)
    project = limits(db, project_id)
    for resource, limit in changes.items():
        maximum = project.get(resource, UNLIMITED)
        if maximum != UNLIMITED and (limit == UNLIMITED or limit > maximum):
            raise BadRequest(f"Quota limit {limit} for {resource} must be less than or equal "
                             f"to {maximum}.")


def set_limits(db: Session, project_id: str, changes: dict[str, int]) -> dict[str, int]:
    for resource, limit in changes.items():
        row = db.get(QuotaLimit, (project_id, resource))
        if row is None:
            db.add(QuotaLimit(project_id=project_id, resource=resource, limit=limit))
        else:
            row.limit = limit
    db.flush()
    return limits(db, project_id)


def reset(db: Session, project_id: str) -> None:
    """The project's overrides go, its users' too (Nova's quota_destroy_all_by_project)."""
    for row in db.scalars(select(QuotaLimit).where(QuotaLimit.project_id == project_id)):
        db.delete(row)
    for user_row in db.scalars(select(UserQuotaLimit)
                               .where(UserQuotaLimit.project_id == project_id)):
        db.delete(user_row)


def _server_flavors(db: Session, project_id: str,
                    user_id: str | None = None) -> list[tuple[str, dict]]:
    """(user, flavor) of the project's live servers (only the user's, if user_id)."""
    live = select(Server.user_id, Server.flavor).where(Server.project_id == project_id,
                                                      Server.deleted.is_(False))
    if user_id:
        live = live.where(Server.user_id == user_id)
    return [(user, flavor) for user, flavor in db.execute(live)]


def _used(flavors: list[dict]) -> dict[str, int]:
    return {"instances": len(flavors),
            "cores": sum(int(f.get("vcpus", 0)) for f in flavors),
            "ram": sum(int(f.get("ram", 0)) for f in flavors)}


def server_usage(db: Session, project_id: str, user_id: str | None = None) -> dict[str, int]:
    """What the project's live servers use (only the user's, if user_id)."""
    return _used([flavor for _, flavor in _server_flavors(db, project_id, user_id)])


def usage(db: Session, project_id: str, user_id: str | None = None,
          per_user: bool = False) -> dict[str, int]:
    """The project's usage (key pairs: the user's); with per_user, servers the user's."""
    used = dict.fromkeys(DEFAULTS, 0)
    used.update(server_usage(db, project_id, user_id if per_user else None))
    if user_id:
        used["key_pairs"] = db.scalar(
            select(func.count()).select_from(KeyPair).where(KeyPair.user_id == user_id)) or 0
    used["server_groups"] = db.scalar(
        select(func.count()).select_from(ServerGroup)
        .where(ServerGroup.project_id == project_id)) or 0
    used["server_group_members"] = db.scalar(
        select(func.count()).select_from(ServerGroupMember)
        .join(ServerGroup, ServerGroup.id == ServerGroupMember.group_id)
        .join(Server, Server.id == ServerGroupMember.server_id)
        .where(ServerGroup.project_id == project_id, Server.deleted.is_(False))) or 0
    return used


def detail(db: Session, project_id: str, user_id: str | None = None,
           per_user: bool = False) -> dict[str, dict]:
    """{resource: {limit, in_use, reserved}} as GET os-quota-sets/{p}/detail shows it;
    with per_user (?user_id=), the user's limits and usage."""
    used = usage(db, project_id, user_id, per_user)
    values = user_limits(db, project_id, user_id) if per_user and user_id else limits(
        db, project_id)
    return {r: {"limit": limit, "in_use": used.get(r, 0), "reserved": 0}
            for r, limit in values.items()}


def check_settable(db: Session, project_id: str, changes: dict[str, int],
                   user_id: str | None = None, per_user: bool = False) -> None:
    """Nova's minimum: a new limit may not be below what the project already uses."""
    used = usage(db, project_id, user_id, per_user)
    for resource, limit in changes.items():
        minimum = used.get(resource, 0)
        if limit != UNLIMITED and limit < minimum:
            raise BadRequest(f"Quota limit {limit} for {resource} must be greater than or "
                             f"equal to already used and reserved {minimum}.")


def fits(limit: int, used: int, wanted: int) -> bool:
    return limit == UNLIMITED or used + wanted <= limit


def how_many_servers_fit(db: Session, project_id: str, vcpus: int, ram: int,
                         min_count: int, max_count: int, user_id: str | None = None) -> int:
    """Nova's rule: as many as max_count fit (in the project, and in the user's own limits
    if it has some), else raise the over-quota 403 for min_count."""
    per = {"instances": 1, "cores": vcpus, "ram": ram}
    project = limits(db, project_id)
    servers = _server_flavors(db, project_id)
    scopes = [(project, _used([flavor for _, flavor in servers]))]
    if user_id:
        own = _user_overrides(db, project_id, user_id)
        if own:  # a user without limits of its own has the project's, checked above
            scopes.append(({**project, **own}, _used(
                [flavor for user, flavor in servers if user == user_id])))
    count = max_count  # the largest count every limit leaves room for, computed, not
    for lim, used in scopes:  # searched: max_count may be 2**64
        for r, each in per.items():
            if lim[r] != UNLIMITED and each > 0:
                count = min(count, max(lim[r] - used[r], 0) // each)
    if count >= min_count:
        return count
    lim, used = next((lim, used) for lim, used in scopes
                     if not all(fits(lim[r], used[r], per[r] * min_count) for r in per))
    over = [r for r in per if not fits(lim[r], used[r], per[r] * min_count)]
    detail = ", ".join(over)
    first = over[0]
    raise Forbidden(f"Quota exceeded for {detail}: Requested {per[first] * min_count}, but "
                    f"already used {used[first]} of {lim[first]} {first}")


def check_metadata(db: Session, project_id: str, count: int) -> None:
    limit = limits(db, project_id)["metadata_items"]
    if not fits(limit, 0, count):
        raise Forbidden(f"Quota exceeded for metadata_items: Requested {count}, but already "
                        f"used 0 of {limit} metadata_items")


def group_members(db: Session, group_id: str) -> int:
    return db.scalar(select(func.count()).select_from(ServerGroupMember)
                     .where(ServerGroupMember.group_id == group_id)) or 0
