"""Network quotas: Neutron's defaults, per-project overrides, usage and OverQuota (409)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest
from cheptel.network.errors import over_quota
from cheptel.network.models import (
    FloatingIP,
    Network,
    NetworkQuota,
    Port,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)

DEFAULTS: dict[str, int] = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
}
UNLIMITED = -1
MODELS = {"network": Network, "subnet": Subnet, "port": Port, "router": Router,
          "floatingip": FloatingIP, "security_group": SecurityGroup,
          "security_group_rule": SecurityGroupRule}


def limits(db: Session, project_id: str) -> dict[str, int]:
    values = dict(DEFAULTS)
    rows = db.scalars(select(NetworkQuota).where(NetworkQuota.project_id == project_id))
    values.update({row.resource: row.limit for row in rows if row.resource in DEFAULTS})
    return values


def used(db: Session, project_id: str, resource: str) -> int:
    model = MODELS[resource]
    return db.scalar(select(func.count()).select_from(model)
                     .where(model.project_id == project_id)) or 0  # type: ignore[attr-defined]


def usage(db: Session, project_id: str) -> dict[str, int]:
    return {resource: used(db, project_id, resource) for resource in DEFAULTS}


def details(db: Session, project_id: str) -> dict[str, dict[str, int]]:
    current = usage(db, project_id)
    return {r: {"limit": limit, "used": current[r], "reserved": 0}
            for r, limit in limits(db, project_id).items()}


def check(db: Session, project_id: str, resource: str, wanted: int = 1) -> None:
    """Raise Neutron's OverQuota if `wanted` more of `resource` do not fit."""
    limit = limits(db, project_id)[resource]
    if limit != UNLIMITED and used(db, project_id, resource) + wanted > limit:
        raise over_quota([resource])


def set_limits(db: Session, project_id: str, changes: dict[str, int],
               force: bool = False) -> dict[str, int]:
    """Neutron refuses a limit below current usage unless forced (as since 2025.1)."""
    if not force:
        for resource, limit in changes.items():
            in_use = used(db, project_id, resource)
            if limit != UNLIMITED and in_use > limit:
                raise BadRequest(f"Quota limit {limit} for {resource} must be greater than "
                                 f"or equal to already used {in_use}")
    for resource, limit in changes.items():
        row = db.get(NetworkQuota, (project_id, resource))
        if row is None:
            db.add(NetworkQuota(project_id=project_id, resource=resource, limit=limit))
        else:
            row.limit = limit
    db.flush()
    return limits(db, project_id)


def reset(db: Session, project_id: str) -> None:
    for row in db.scalars(select(NetworkQuota).where(NetworkQuota.project_id == project_id)):
        db.delete(row)
    db.flush()


def overridden(db: Session) -> dict[str, dict[str, int]]:
    """Every project with a limit of its own: {project_id: limits}."""
    projects = sorted(set(db.scalars(select(NetworkQuota.project_id))))
    return {p: limits(db, p) for p in projects}
