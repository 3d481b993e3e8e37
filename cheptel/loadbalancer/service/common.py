"""Octavia's state machine, shared by every object of a load balancer's tree.

A write to a load balancer or any object under it first moves the load balancer from
ACTIVE to PENDING_UPDATE in one conditional UPDATE (Octavia's
test_and_set_provisioning_status; atomic on SQLite and PostgreSQL alike): a concurrent
write, or one while the balancer is PENDING_*, gets the 409 instead. The objects the
write touches are marked PENDING_CREATE/UPDATE/DELETE in the same transaction; the
reconciler (cheptel.reconciler.balancers) makes HAProxy match, then sets them ACTIVE
(PENDING_DELETE ones are removed) or ERROR.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict
from cheptel.loadbalancer.faults import immutable, missing
from cheptel.loadbalancer.models import Listener, LoadBalancer

ACTIVE, ERROR = "ACTIVE", "ERROR"
PENDING_CREATE, PENDING_UPDATE, PENDING_DELETE = (
    "PENDING_CREATE", "PENDING_UPDATE", "PENDING_DELETE")
PENDING = (PENDING_CREATE, PENDING_UPDATE, PENDING_DELETE)
ONLINE, OFFLINE, NO_MONITOR = "ONLINE", "OFFLINE", "NO_MONITOR"
# the names Octavia's messages give the objects (data_models.<X>._name())
NAMES = {"lb_loadbalancers": "Load Balancer", "lb_listeners": "Listener",
         "lb_pools": "Pool", "lb_members": "Member", "lb_healthmonitors": "Health Monitor",
         "lb_l7policies": "L7 Policy", "lb_l7rules": "L7 Rule"}

T = TypeVar("T")


def new_id() -> str:
    return str(uuid.uuid4())


def get(db: Session, model: type[T], obj_id: str) -> T:
    """The object, whatever its project (the route's policy decides: Octavia's 403)."""
    row = db.get(model, obj_id) if _uuidish(obj_id) else None
    if row is None:
        raise missing(NAMES[model.__tablename__], obj_id)  # type: ignore[attr-defined]
    return row


def _uuidish(value: str) -> bool:
    return 0 < len(value) <= 64


def validation(detail: str) -> BadRequest:
    return BadRequest(f"Validation failure: {detail}")


def lock(db: Session, lb: LoadBalancer, now: float, *, status: str = PENDING_UPDATE,
         resource: tuple[str, str] | None = None) -> None:
    """Move the load balancer from ACTIVE (or ERROR, for its own delete) to `status`, or
    refuse: Octavia's 409 ImmutableObject naming `resource` (the object written) for a
    child's write, LBPendingStateError for the load balancer's own."""
    allowed = (ACTIVE, ERROR) if status == PENDING_DELETE and resource is None else (ACTIVE,)
    done = db.execute(update(LoadBalancer).where(
        LoadBalancer.id == lb.id, LoadBalancer.provisioning_status.in_(allowed)).values(
        provisioning_status=status, updated_at=now).execution_options(
        synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.refresh(lb)
        if resource is not None:
            raise immutable(*resource)
        raise Conflict(f"Invalid state {lb.provisioning_status} of loadbalancer resource "
                       f"{lb.id}")
    db.refresh(lb)


def pend_listeners(db: Session, listener_ids: list[str], now: float) -> None:
    """The listeners a child's write reaches are PENDING_UPDATE with their balancer."""
    for lid in listener_ids:
        lis = db.get(Listener, lid)
        if lis is not None and lis.provisioning_status not in PENDING:
            lis.provisioning_status, lis.updated_at = PENDING_UPDATE, now


def pend(row: Any, status: str, now: float) -> None:
    row.provisioning_status = status
    row.updated_at = now


def apply(row: Any, values: dict[str, Any], names: tuple[str, ...]) -> None:
    """Set the fields an update names: a null name or description is "" (Octavia's),
    tags are kept once each, in their order."""
    for name in names:
        if name in values:
            value = values[name]
            if value is None and name in ("name", "description"):
                value = ""
            elif name == "tags":
                value = tags(values)
            setattr(row, name, value)


def tags(values: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(values.get("tags") or []))


def no_pending(row: Any, resource: str) -> None:
    if row.provisioning_status in PENDING:
        raise immutable(resource, row.id)


def stamp(now: float) -> dict[str, Any]:
    return {"created_at": now, "updated_at": None}
