"""A project's load-balancer quotas (Octavia's quotas): a row per project whose limits
were set, each limit None for the deployment's default; -1 is unlimited.

check() is what every create calls before it adds an object: the project's objects of
that kind still standing (not DELETED) plus the new ones must fit the limit, or
Octavia's QuotaException, a 403 "Quota has been met for resources: <Resource>"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Forbidden, NotFound
from cheptel.loadbalancer import models
from cheptel.loadbalancer.models import Quota

UNLIMITED = -1
MAX_QUOTA = 2000000000
# the Quota columns, in Octavia's order; every one defaults to -1 (octavia.conf's
# [quotas] default_*_quota)
KINDS = ("load_balancer", "listener", "pool", "health_monitor", "member", "l7policy",
         "l7rule")
DEFAULTS: dict[str, int] = dict.fromkeys(KINDS, UNLIMITED)
# the API's names (and the policy table's) for the two columns spelled otherwise
ALIASES = {"loadbalancer": "load_balancer", "healthmonitor": "health_monitor"}
_TABLES: dict[str, Any] = {
    "load_balancer": models.LoadBalancer, "listener": models.Listener,
    "pool": models.Pool, "health_monitor": models.HealthMonitor,
    "member": models.Member, "l7policy": models.L7Policy, "l7rule": models.L7Rule,
}
# octavia.common.data_models' class names, as QuotaException words them
RESOURCES = {"load_balancer": "Load Balancer", "listener": "Listener", "pool": "Pool",
             "health_monitor": "Health Monitor", "member": "Member",
             "l7policy": "L7 Policy", "l7rule": "L7 Rule"}


def row(db: Session, project_id: str) -> Quota | None:
    return db.get(Quota, project_id)


def rows(db: Session, project_id: str | None = None) -> list[Quota]:
    """The projects whose quotas were set (all of them when project_id is None)."""
    query = select(Quota).order_by(Quota.project_id)
    if project_id is not None:
        query = query.where(Quota.project_id == project_id)
    return list(db.scalars(query))


def limits(db: Session, project_id: str, lock: bool = False) -> dict[str, int]:
    """The project's limits in force: its own where set, the defaults elsewhere.
    `lock`: hold the project's row until the transaction ends (a check and its create
    are then alone, as Octavia's with_for_update on the quota row)."""
    found = db.get(Quota, project_id, with_for_update=lock)
    if found is None:
        return dict(DEFAULTS)
    return {k: DEFAULTS[k] if getattr(found, k) is None else int(getattr(found, k))
            for k in KINDS}


def update(db: Session, project_id: str, values: dict[str, int | None]) -> None:
    """Set the given limits (keys among KINDS; None: back to the default)."""
    found = row(db, project_id)
    if found is None:
        found = Quota(project_id=project_id)
        db.add(found)
    for key, value in values.items():
        setattr(found, key, value)
    db.flush()


def reset(db: Session, project_id: str) -> None:
    """Every limit back to the default; the row stays (Octavia lists it, all nulls)."""
    found = row(db, project_id)
    if found is None:
        raise NotFound(f"Quotas {project_id} not found.")
    for key in KINDS:
        setattr(found, key, None)
    db.flush()


def in_use(db: Session, project_id: str, kind: str) -> int:
    table = _TABLES[kind]
    return int(db.scalar(select(func.count()).select_from(table).where(
        table.project_id == project_id, table.provisioning_status != "DELETED")) or 0)


def check(db: Session, project_id: str, kind: str, adding: int = 1) -> None:
    """Refuse `adding` more objects of `kind` ("load_balancer" or "loadbalancer",
    "listener", "pool", "health_monitor" or "healthmonitor", "member", "l7policy",
    "l7rule") to the project past its limit: Octavia's 403 QuotaException."""
    kind = ALIASES.get(kind, kind)
    if kind not in _TABLES:
        raise ValueError(f"no quota for {kind}")
    if not project_id:
        raise BadRequest("Missing project ID in request where one is required.")
    limit = limits(db, project_id, lock=True)[kind]
    if limit == UNLIMITED:
        return
    if in_use(db, project_id, kind) + adding > limit:
        raise Forbidden(f"Quota has been met for resources: {RESOURCES[kind]}")
