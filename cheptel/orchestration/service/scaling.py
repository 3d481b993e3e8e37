"""Signals: a ScalingPolicy's signal (its `signal_url` with a token, its `alarm_url`
without) resizes its AutoScalingGroup, as Heat's handle_signal does: within min_size and
max_size, not during either's cooldown (nor while the stack or the group's nested stack
is busy: no action, as Heat's NoActionRequired, and an event says why). The resize
updates the group's nested stack in the caller's transaction; the engine then makes or
deletes the members."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.orchestration.errors import ResourceFailure
from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources import groups
from cheptel.orchestration.resources.scaling import POLICY, new_capacity
from cheptel.orchestration.service import stacks
from cheptel.orchestration.service.cloud import InProcess
from cheptel.orchestration.service.resolver import record

if TYPE_CHECKING:
    from cheptel.app import Deps


def by_secret(db: Session, project_id: str, secret: str) -> tuple[Stack, StackResource]:
    """The policy whose alarm_url holds this secret (a 404 for any other)."""
    for row in db.scalars(select(StackResource).where(StackResource.type == POLICY)):
        mine = str((row.data or {}).get("secret") or "")
        if mine and secrets.compare_digest(mine.encode(), secret.encode()):
            stack = db.get(Stack, row.stack_id)
            if stack is not None and stack.project_id == project_id:
                return stack, row
    raise NotFound("The webhook could not be found.")


def _group(db: Session, stack: Stack, policy: StackResource) -> StackResource:
    ref = str(policy.properties.get("auto_scaling_group_id") or "")
    for row in stacks.resources_of(db, stack):
        if row.type == groups.ASG and ref in (row.physical_id, row.name):
            return row
    raise NotFound(f"Alarm {policy.name} could not find scaling group named \"{ref}\"")


def signal(deps: Deps, db: Session, stack: Stack, row: StackResource, details: Any,
           now: float) -> list[Callable[[], None]]:
    """Handle a signal to a stack's resource; the hooks to run once committed."""
    from cheptel.orchestration.service.engine import owner

    if row.type != POLICY:
        raise BadRequest("signal is not supported for resource.")
    if stack.action == "DELETE" or row.action in ("INIT", "DELETE", "SUSPEND") \
            or not row.physical_id:
        raise BadRequest(f"Cannot signal resource during {row.action}")
    group = _group(db, stack, row)
    state = details.get("current", details.get("state", "alarm")) \
        if isinstance(details, dict) else "alarm"
    p, g = row.properties, group.properties
    child = db.get(Stack, group.physical_id) if group.physical_id else None
    why = None
    if child is None or child.status == "IN_PROGRESS" or group.status != "COMPLETE" \
            or stack.status == "IN_PROGRESS":
        why = "the group is busy"
    elif now < float((row.data or {}).get("cooldown_end") or 0) or now < float(
            (group.data or {}).get("cooldown_end") or 0):
        why = "cooldown"
    if why is not None:
        stacks.event(db, stack, now, row.name, row.type, row.physical_id, "SIGNAL",
                     "COMPLETE", f"Signal: alarm state {state}: no scaling ({why})")
        return []
    current = len((group.data or {}).get("members") or [])
    size = new_capacity(current, float(p["scaling_adjustment"]), str(p["adjustment_type"]),
                        p.get("min_adjustment_step"), int(g["min_size"]),
                        int(g["max_size"]))
    cooldown = p.get("cooldown")
    cooldown = g.get("cooldown") if cooldown is None else cooldown
    row.data = {**(row.data or {}), "cooldown_end": now + float(cooldown or 0)}
    try:
        cloud = InProcess(deps, db, owner(db, stack))
    except ResourceFailure as exc:
        raise Conflict(str(exc)) from None
    if size != current:
        rec = record(group, stack)
        groups.resize(cloud, rec, {**g}, size)
        group.data = {**rec.data, "cooldown_end": now + float(g.get("cooldown") or 0)}
        group.updated_at = now
    stacks.event(db, stack, now, row.name, row.type, row.physical_id, "SIGNAL", "COMPLETE",
                 f"Signal: alarm state {state}: {group.name} from {current} to {size}")
    return cloud.after_commit
