"""Cattle: a group's members heal without a stack update (issue 13, item 4).

Heat replaces an unhealthy member only when something (Aodh + Zaqar + Mistral) marks it
unhealthy and then updates the stack. Here the stack reconciler's periodic scan looks at
every group's members: a member whose server is gone, in ERROR or SHUTOFF behind the
stack's back (its container killed or removed: compute's own scan, which runs first in
the same pass, has recorded that), whose load balancer pool member fails its health
monitor (ERROR, once MEMBER_GRACE seconds old: the container runs but its service does
not answer), or that was marked unhealthy (PATCH …/resources/<name>
{"mark_unhealthy": true}), is set CHECK_FAILED with the reason, and the group's nested
stack starts an UPDATE: its engine replaces what failed (deleted, then made again under
the same name), so the group keeps its size. Reads go through Nova's routes as the
stack's owner, as every other step of the engine does.

A nested stack whose last heal (or update) failed is retried later, not at every pass:
5 s after a first failure, doubling with each one since it was last COMPLETE, 5 minutes
at most (a member that cannot be made, e.g. its image deleted, must not churn); its
members whose making failed are replaced then, so a group gets back to its size after a
transient failure too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import CheptelError, NotFound
from cheptel.orchestration.errors import ResourceFailure
from cheptel.orchestration.models import Stack, StackEvent, StackResource
from cheptel.orchestration.resources.groups import GROUP_TYPES
from cheptel.orchestration.service import stacks
from cheptel.orchestration.service.cloud import Cloud, InProcess
from cheptel.orchestration.service.nested import Kinds, kinds_of

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.orchestration")

RETRY_FIRST, RETRY_MAX = 5.0, 300.0  # a failed heal's backoff: doubled each time
MEMBER_GRACE = 60.0  # seconds after a pool member is made before its health counts
SICK = ("ERROR", "SHUTOFF", "DELETED", "SOFT_DELETED")
MARKED = "state changed by resource_mark_unhealthy api"  # Heat's default reason


def _server(cloud: Cloud, server_id: str) -> str | None:
    """Why a member's server is unhealthy, or None."""
    try:
        server = cloud.call("compute", "GET", f"/v2.1/servers/{server_id}")["server"]
    except NotFound:
        return f"The server {server_id} is gone."
    status = server.get("status")
    if status in SICK:
        return f"The server {server_id} is {status}."
    return None


def _pool_member(cloud: Cloud, row: StackResource, now: float) -> str | None:
    """Why a pool member is unhealthy: its load balancer's health monitor says ERROR
    (it failed the monitor's checks max_retries_down times in a row), once it has been
    made MEMBER_GRACE seconds ago (the server's service may still be starting)."""
    made = row.updated_at or row.created_at
    pool = (row.data or {}).get("pool")
    if not pool or now - made < MEMBER_GRACE:
        return None
    try:
        member = cloud.call("load-balancer", "GET",
                            f"/v2/lbaas/pools/{pool}/members/{row.physical_id}")["member"]
    except NotFound:
        return f"The pool member {row.physical_id} is gone."
    if member.get("operating_status") == "ERROR":
        return (f"The pool member {row.physical_id} fails its load balancer's health "
                "checks (ERROR).")
    return None


def unhealthy(cloud: Cloud, db: Session, kinds: Kinds, row: StackResource,
              depth: int = 0, now: float = 0.0) -> str | None:
    """Why a made resource is unhealthy: marked so, its server failed or gone, or (a
    nested template's stack) one of its own resources is; None if it is well."""
    if row.action == "CHECK" and row.status == "FAILED":
        return row.status_reason or MARKED
    if row.status == "FAILED":  # its making failed (retried after the backoff)
        return row.status_reason or f"{row.action} failed"
    if row.status != "COMPLETE" or not row.physical_id:
        return None
    if row.type == "OS::Nova::Server":
        return _server(cloud, row.physical_id)
    if row.type == "OS::Octavia::PoolMember":
        return _pool_member(cloud, row, now)
    if row.type in TYPES_WITHOUT_HEALTH or depth >= 5:
        return None
    child = db.get(Stack, row.physical_id) if len(row.physical_id) <= 36 else None
    if child is None or child.parent_id != row.stack_id:
        return None
    if child.action == "DELETE":
        return f"The nested stack {child.id} is deleted."
    inner = kinds_of(child)
    for r in stacks.resources_of(db, child):
        why = unhealthy(cloud, db, inner, r, depth + 1, now)
        if why is not None:
            return f"{r.name}: {why}"
    return None


# types whose health is not read (their own document or nothing outside the stack)
TYPES_WITHOUT_HEALTH = frozenset({
    "OS::Heat::RandomString", "OS::Heat::Value", "OS::Heat::None",
    "OS::Heat::ScalingPolicy"})


def backoff(db: Session, child: Stack) -> float:
    """How long after its last failed action a nested stack is healed again:
    RETRY_FIRST, doubled for each failure since it was last COMPLETE, RETRY_MAX at most
    (a member that died during a heal is replaced again in seconds; one that cannot be
    made, e.g. its image deleted, does not churn)."""
    failures = 0
    for status in db.scalars(
            select(StackEvent.status).where(StackEvent.stack_id == child.id,
                                            StackEvent.resource_type == "OS::Heat::Stack",
                                            StackEvent.status != "IN_PROGRESS")
            .order_by(StackEvent.seq.desc()).limit(16)):
        if status != "FAILED":
            break
        failures += 1
    return float(min(RETRY_MAX, RETRY_FIRST * 2 ** max(failures - 1, 0)))


def group_children(db: Session, now: float) -> list[Stack]:
    """The nested stacks of groups that are settled (or failed long enough ago)."""
    q = (select(Stack).join(StackResource, StackResource.physical_id == Stack.id)
         .where(StackResource.type.in_(GROUP_TYPES), StackResource.action != "DELETE",
                Stack.parent_id == StackResource.stack_id,
                # a suspended group is left as it is: its RESUME resumes what it holds
                Stack.action.not_in(("DELETE", "SUSPEND")),
                Stack.status != "IN_PROGRESS"))
    out = []
    for child in db.scalars(q):
        if child.status == "FAILED" and child.action in ("CREATE", "UPDATE") \
                and now - child.action_started < backoff(db, child):
            continue  # a heal (or an update) that failed: not again at every pass
        parent = db.get(Stack, child.parent_id) if child.parent_id else None
        if parent is None or parent.action in ("DELETE", "ROLLBACK"):
            continue
        out.append(child)
    return out


def heal(db: Session, deps: Deps, child: Stack, now: float) -> bool:
    """Mark a group's unhealthy members CHECK_FAILED and start the UPDATE that replaces
    them; True if it did."""
    from cheptel.orchestration.service.engine import owner

    try:
        cloud = InProcess(deps, db, owner(db, child))
    except ResourceFailure:
        return False  # its owner lost the project: nothing may be made for it
    kinds = kinds_of(child)
    sick = 0
    for row in stacks.resources_of(db, child):
        try:
            why = unhealthy(cloud, db, kinds, row, now=now)
        except CheptelError as exc:  # a read refused: leave it, say why
            log.info("stack %s: %s: health not read: %s", child.id, row.name, exc)
            continue
        if why is None:
            continue
        sick += 1
        if not (row.action == "CHECK" and row.status == "FAILED"):
            row.action, row.status, row.status_reason = "CHECK", "FAILED", why
            row.updated_at = now
            stacks.event(db, child, now, row.name, row.type, row.physical_id, "CHECK",
                         "FAILED", why)
    if not sick:
        return False
    log.info("stack %s: replacing %d unhealthy member(s)", child.id, sick)
    stacks.start(db, child, now, "UPDATE")
    return True


def scan(deps: Deps) -> list[str]:
    """The group nested stacks the scan started healing (their keys to converge)."""
    now = deps.clock()
    healing = []
    with deps.sessions() as db, db.begin():
        for child in group_children(db, now):
            if heal(db, deps, child, now):
                healing.append(child.id)
    return healing


def is_group_member_stack(db: Session, stack: Stack) -> bool:
    """A group's nested stack (its members are healed at once when marked)."""
    if stack.parent_id is None or stack.parent_resource is None:
        return False
    row = db.scalar(select(StackResource).where(
        StackResource.stack_id == stack.parent_id,
        StackResource.name == stack.parent_resource))
    return row is not None and row.type in GROUP_TYPES and row.physical_id == stack.id


def mark(db: Session, now: float, stack: Stack, row: StackResource, body: object) -> bool:
    """PATCH …/resources/<name>: {"mark_unhealthy": bool, "resource_status_reason": str}
    (Heat's checks and messages); True if a group's member was marked, its nested stack's
    UPDATE started (the caller kicks it)."""
    from cheptel.errors import BadRequest
    from cheptel.orchestration.errors import ActionInProgress

    if not isinstance(body, dict):
        raise BadRequest("The request body must be a map.")
    invalid = set(body) - {"mark_unhealthy", "resource_status_reason"}
    if invalid:
        raise BadRequest(f"Invalid keys in resource mark unhealthy {sorted(invalid)}")
    if "mark_unhealthy" not in body:
        raise BadRequest("Missing mandatory (mark_unhealthy) key from mark unhealthy "
                         "request")
    flag = body["mark_unhealthy"]
    if isinstance(flag, str) and flag.lower() in ("true", "false"):
        flag = flag.lower() == "true"
    if not isinstance(flag, bool):
        raise BadRequest(f"Unrecognized value \"{str(flag)[:40]}\" for \"mark_unhealthy\", "
                         "acceptable values are: true, false")
    reason = body.get("resource_status_reason") or MARKED
    if not isinstance(reason, str):
        raise BadRequest("resource_status_reason must be a string.")
    if row.status == "IN_PROGRESS" or stack.action == "DELETE":
        raise ActionInProgress(stack.name, f"{row.action} of {row.name}")
    if flag:
        if row.status == "INIT":
            raise BadRequest(f"Resource {row.name} is not made yet.")
        row.action, row.status, row.status_reason = "CHECK", "FAILED", reason[:1024]
    elif row.action == "CHECK" and row.status == "FAILED":
        row.status, row.status_reason = "COMPLETE", reason[:1024]
    else:
        return False
    row.updated_at = now
    stacks.event(db, stack, now, row.name, row.type, row.physical_id, row.action,
                 row.status, row.status_reason)
    if flag and stack.status != "IN_PROGRESS" and is_group_member_stack(db, stack):
        stacks.start(db, stack, now, "UPDATE")
        return True
    return False
