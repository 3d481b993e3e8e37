"""The engine: drives one stack's action (CREATE, UPDATE, DELETE) a step at a time.

Each step is one transaction: the resource's call into another service (through
service/cloud.py, as the stack's owner) and the resource row's new state commit together,
so a crash between steps leaves nothing made and unrecorded, and the next run (the
reconciler's scan after a restart) picks up where the rows say. A step that must wait (a
server not yet ACTIVE, not yet deleted) ends the run with `again`; the reconciler runs it
again. A stack past its timeout fails with the reason, never stays IN_PROGRESS.

CREATE and UPDATE walk the template's active resources, dependencies first: a resource
not made yet is made; one whose changed properties are all update_allowed is updated in
place through its service's update route (a nested stack is updated with every update,
as Heat does: its template or its members' may have changed); one with other changes
(or of another type) is replaced (deleted, then made again; in a group's rolling update
made first, the old one deleted at the end: service/rolling.py); then what the template
no longer holds is deleted, dependents first. DELETE deletes every resource, dependents
first, then marks the stack DELETE_COMPLETE (shown by id, gone from lists and names).
A create that fails with disable_rollback false then ROLLBACKs: its resources deleted as
a DELETE does, the stack ROLLBACK_COMPLETE; an update that fails so (or that `openstack
stack cancel` stops) ROLLBACKs too: updated back to the definition it replaced, as an
UPDATE walks (stacks.roll_back). Any action past the stack's timeout (60
minutes by default) fails with "<ACTION> timed out".
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from cheptel.errors import CheptelError, Conflict
from cheptel.identity.models import User
from cheptel.identity.service.roles import effective_roles
from cheptel.orchestration.errors import ResourceFailure
from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources.base import Record, ResourceType, reason
from cheptel.orchestration.service import actions, rolling, stacks
from cheptel.orchestration.service.cloud import InProcess
from cheptel.orchestration.service.nested import kinds_of
from cheptel.orchestration.service.resolver import Resolver, record
from cheptel.orchestration.template.functions import evaluate
from cheptel.orchestration.template.template import order
from cheptel.policy import Creds

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.orchestration")

WAIT, DONE = "wait", "done"
REPLACED = "~"  # a replaced resource's name while its replacement is made: <name>~<id>


def replaced_name(name: str) -> str:
    """The template's name of a resource, even of one set aside while it is replaced."""
    base, sep, tail = name.rpartition(REPLACED)
    return base if sep and len(tail) == 8 else name


@dataclass
class Step:
    """What one transaction did: WAIT (run again later), DONE (the action finished or
    there is nothing to do), or None (progress: take the next step now)."""

    outcome: str | None


def owner(db: Session, stack: Stack) -> Creds:
    """The stack owner's credentials now (roles as Keystone would scope them today)."""
    user = db.get(User, stack.user_id)
    roles = effective_roles(db, stack.user_id, "project", stack.project_id) \
        if user is not None and user.enabled else []
    if not roles:
        raise ResourceFailure("The stack's owner no longer has a role on its project.")
    return Creds(user_id=user.id if user else "", user_name=user.name if user else "",
                 user_domain_id=user.domain_id if user else "",
                 roles=frozenset(r.name for r in roles), project_id=stack.project_id,
                 project_domain_id=None, audit_id="heat-" + stack.id[:8])


def _save(row: StackResource, rec: Record) -> None:
    row.physical_id, row.data = rec.physical_id, dict(rec.data)


class Run:
    """One step of one stack, in one transaction."""

    def __init__(self, deps: Deps, db: Session, stack: Stack, now: float) -> None:
        self.deps, self.db, self.stack, self.now = deps, db, stack, now
        self.current: str | None = None  # the resource a failure is about
        self.cloud = InProcess(deps, db, owner(db, stack))
        self.rows = {r.name: r for r in stacks.resources_of(db, stack)}
        self.kinds = kinds_of(stack)

    # -- what a step records --------------------------------------------------------------

    def set(self, row: StackResource, action: str, status: str, why: str) -> None:
        row.action, row.status, row.status_reason = action, status, why
        row.updated_at = self.now
        stacks.event(self.db, self.stack, self.now, row.name, row.type, row.physical_id,
                     action, status, why)

    def finish(self, status: str, why: str) -> Step:
        """The action's end, unless the API started another meanwhile (a delete during a
        create): one conditional UPDATE, so the newer action is never overwritten."""
        stack = self.stack
        done = self.db.execute(
            update(Stack).where(Stack.id == stack.id, Stack.generation == stack.generation,
                                Stack.status == "IN_PROGRESS")
            .values(status=status, status_reason=why)
            .execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            return Step(None)  # the next step reads the new action
        self.db.expire(stack)
        stacks.stack_event(self.db, stack, self.now, why)
        return Step(DONE)

    # -- the template's view of the stack --------------------------------------------------

    def parsed(self) -> stacks.Parsed:
        s = self.stack
        parsed = stacks.check(s.template, s.parameters, s.environment, s.files, s.name, s.id,
                              s.project_id, parent=s)
        self.kinds = parsed.kinds
        Resolver(self.cloud, s, self.rows, parsed.kinds).bind(parsed.scope)
        return parsed

    # -- CREATE / UPDATE ------------------------------------------------------------------

    def make(self) -> Step:
        """One step of a CREATE or UPDATE. Independent resources proceed side by side: a
        resource is made as soon as its dependencies are done in this action, while
        others are still waiting (servers booting together); one step makes or finishes
        one resource, the step WAITs only when every open resource is waiting."""
        parsed = self.parsed()
        tpl = parsed.template
        active = set(parsed.active)
        done: set[str] = set()
        waiting = False
        for name in parsed.active:
            d = tpl.resources[name]
            kind = parsed.kinds[d["type"]]
            row = self.rows.get(name)
            self.current = name
            if row is not None and row.status == "IN_PROGRESS" and row.action in (
                    "CREATE", "UPDATE"):
                rec = self._record(row, d, parsed)
                ready = kind.ready(self.cloud, rec)
                if rec.data != row.data:  # a group's batch started, its pause begun
                    row.data = dict(rec.data)
                if ready:
                    self.set(row, row.action, "COMPLETE", "state changed")
                    return Step(None)
                waiting = True
                continue
            if row is not None and row.action == "DELETE":  # being replaced
                if self.kinds.of_row(row.type).gone(self.cloud, record(row, self.stack)):
                    return self._dropped(row)
                waiting = True
                continue
            if row is not None and row.status == "COMPLETE" \
                    and row.generation == self.stack.generation:
                done.add(name)  # made, or found unchanged, in this action
                continue
            if not tpl.depends(name) & active <= done:
                continue  # its dependencies are not done yet
            props = kind.check(name, evaluate(d.get("properties") or {}, parsed.scope))
            if row is None or row.status == "INIT":
                if row is not None and kind.blocked(self.cloud, props):
                    waiting = True
                    continue
                return self._create(kind, name, props, row, d, parsed)
            if row.type != kind.name or row.status == "FAILED":
                return self._replace(row)
            if row.properties != props or kind.nested:
                changed = kind.updatable(row.properties, props)
                if changed is None:
                    return self._replace(row)
                return self._update(kind, row, props, changed, d, parsed)
            row.generation = self.stack.generation  # unchanged: kept as it is
            return Step(None)
        self.current = None
        if waiting or done != active:
            return Step(WAIT)
        # what the template no longer holds (and what was replaced): dependents first
        gone = [r for r in self.rows.values() if r.name not in active]
        if gone:
            row = self._dependent_first(gone, tpl)
            self.current = row.name
            return self._remove(row)
        return self.finish("COMPLETE", f"Stack {self.stack.action} completed successfully")

    def _record(self, row: StackResource, d: dict[str, Any],
                parsed: stacks.Parsed) -> Record:
        rec = record(row, self.stack)
        policy = evaluate(d.get("update_policy"), parsed.scope)
        rec.policy = dict(policy) if isinstance(policy, dict) else {}
        return rec

    def _dependent_first(self, gone: list[StackResource], tpl: Any) -> StackResource:
        """The next of the rows the template no longer holds to delete: one no other of
        them depends on (a replaced pool member before its replaced server, by the
        template's graph of their names), the newest first."""
        def deps(r: StackResource) -> set[str]:
            name = replaced_name(r.name)
            return tpl.depends(name) if name in tpl.resources else set()
        names = {replaced_name(r.name) for r in gone}
        needed = {n for r in gone for n in deps(r) & names}
        free = [r for r in gone if replaced_name(r.name) not in needed] or gone
        return sorted(free, key=lambda r: r.created_at, reverse=True)[0]

    def _create(self, kind: ResourceType, name: str, props: dict[str, Any],
                row: StackResource | None, d: dict[str, Any],
                parsed: stacks.Parsed) -> Step:
        if row is None:  # recorded first, on its own: a failing create has a row to fail
            row = StackResource(id=str(uuid.uuid4()), stack_id=self.stack.id, name=name,
                                type=kind.name, physical_id="", action="INIT", status="INIT",
                                status_reason="", properties={}, data={},
                                created_at=self.now, updated_at=None,
                                generation=self.stack.generation)
            self.db.add(row)
            self.rows[name] = row
            return Step(None)
        rec = self._record(row, d, parsed)
        with _busy_waits(kind):
            kind.create(self.cloud, props, rec)  # an error: the caller fails the resource
        _save(row, rec)
        row.properties, row.generation = props, self.stack.generation
        # a resource made by an update (or its rollback) is a CREATE, as Heat's
        self.set(row, "CREATE", "IN_PROGRESS", "state changed")
        return Step(None)

    def _update(self, kind: ResourceType, row: StackResource, props: dict[str, Any],
                changed: dict[str, Any], d: dict[str, Any], parsed: stacks.Parsed) -> Step:
        """The properties Heat updates in place (update_allowed), through the service's
        own update route: the resource keeps its id."""
        assert kind.update is not None
        rec = self._record(row, d, parsed)
        with _busy_waits(kind):
            kind.update(self.cloud, changed, rec)
        _save(row, rec)
        row.properties, row.generation = props, self.stack.generation
        # done when its type says it is (a nested stack's update takes its own steps)
        self.set(row, "UPDATE", "IN_PROGRESS", "state changed")
        return Step(None)

    def _delete(self, kind: ResourceType, row: StackResource) -> None:
        """Start a resource's delete; what its type keeps of it (a delete's start time)
        is saved with the row."""
        rec = record(row, self.stack)
        with _busy_waits(kind):
            kind.delete(self.cloud, rec)
        row.data = dict(rec.data)

    def _replace(self, row: StackResource) -> Step:
        if row.status != "FAILED" and rolling.in_rolling_group(self.db, self.stack):
            return self._set_aside(row)
        kind = self.kinds.of_row(row.type)
        self._delete(kind, row)
        self.set(row, "DELETE", "IN_PROGRESS", "Replacing the resource")
        return Step(None)

    def _set_aside(self, row: StackResource) -> Step:
        """Create before delete, as Heat replaces (a group's member in a rolling update):
        the old resource is kept under another name, no longer the template's, while its
        replacement is made under its own; what depended on it follows the new one, and
        the old one is deleted at the end of the update, after its dependents (a replaced
        server after its replaced pool member: drained before it goes)."""
        old = row.name
        row.name = f"{old}{REPLACED}{row.id[:8]}"
        del self.rows[old]
        self.rows[row.name] = row
        self.db.flush()  # the name free before its replacement's row is added
        stacks.event(self.db, self.stack, self.now, old, row.type, row.physical_id,
                     "UPDATE", "IN_PROGRESS", f"Replacing the resource: the old one "
                     f"kept as {row.name} until its replacement is made")
        return Step(None)

    def _remove(self, row: StackResource) -> Step:
        kind = self.kinds.of_row(row.type)
        if row.action != "DELETE":
            self._delete(kind, row)
            self.set(row, "DELETE", "IN_PROGRESS", "state changed")
            return Step(None)
        return self._poll_gone(kind, row)

    def _poll_gone(self, kind: ResourceType, row: StackResource) -> Step:
        if not kind.gone(self.cloud, record(row, self.stack)):
            return Step(WAIT)
        return self._dropped(row)

    def _dropped(self, row: StackResource) -> Step:
        self.set(row, "DELETE", "COMPLETE", "state changed")
        self.db.delete(row)
        del self.rows[row.name]
        return Step(None)

    # -- DELETE ---------------------------------------------------------------------------

    def unmake(self) -> Step:
        rows = list(self.rows.values())
        if not rows:
            return self.finish("COMPLETE", f"Stack {self.stack.action} completed "
                               "successfully")
        row = self._next_to_delete(rows)
        self.current = row.name
        return self._remove(row)

    def _next_to_delete(self, rows: list[StackResource]) -> StackResource:
        """A resource nothing left depends on (the template's graph), newest first."""
        return self._ranked(rows)[-1]

    def _ranked(self, rows: list[StackResource]) -> list[StackResource]:
        """The rows, dependencies first by the template's graph (by age if the stored
        template no longer parses)."""
        by_name = {r.name: r for r in rows}
        try:
            parsed = self.parsed()
            deps = {n: (parsed.template.depends(n) & set(by_name)
                        if n in parsed.template.resources else set()) for n in by_name}
            return [by_name[n] for n in order(deps)]
        except CheptelError:
            return sorted(rows, key=lambda r: r.created_at)

    def step(self) -> Step:
        stack = self.stack
        if stack.status != "IN_PROGRESS":
            return Step(DONE)
        limit = (stack.timeout_mins or stacks.DEFAULT_TIMEOUT_MINS) * 60
        if self.now - stack.action_started > limit:
            return self.finish("FAILED", f"{stack.action} timed out")
        if stack.action in actions.WALKS:
            rows = self._in_order()
            return actions.walk(self, rows[::-1] if stack.action == "SUSPEND" else rows)
        return self.unmake() if _deletes_all(stack) else self.make()

    def _in_order(self) -> list[StackResource]:
        """The made resources, dependencies first (the template's graph)."""
        return self._ranked(list(self.rows.values()))


class Busy(Exception):
    """A type's call was refused for now (Octavia's 409 while its balancer is PENDING_*,
    another stack's member having just changed it): the step rolls back and the stack
    looks again a moment later, as Heat's Octavia resources retry on a conflict."""


@contextmanager
def _busy_waits(kind: ResourceType) -> Iterator[None]:
    try:
        yield
    except Conflict:
        if kind.conflict_waits:
            raise Busy() from None
        raise


def converge(deps: Deps, stack_id: str, steps: int = 50) -> bool:
    """Drive a stack up to `steps` steps; True: there is more to do (run again)."""
    for _ in range(steps):
        hooks: list[Callable[[], None]] = []
        generation = -1
        parent: str | None = None
        run: Run | None = None
        try:
            with deps.sessions() as db, db.begin():
                stack = db.get(Stack, stack_id)
                if stack is None:
                    return False
                generation, parent = stack.generation, stack.parent_id
                run = Run(deps, db, stack, deps.clock())
                outcome = run.step().outcome
                hooks = run.cloud.after_commit
        except Busy:
            return True  # rolled back: again in a moment
        except (CheptelError, ResourceFailure) as exc:
            return _fail(deps, stack_id, generation, exc, run.current if run else None)
        except Exception as exc:  # a bug: the stack fails with it, never spins until timeout
            log.exception("stack %s: a step failed unexpectedly", stack_id)
            return _fail(deps, stack_id, generation, exc, run.current if run else None)
        for hook in hooks:
            hook()
        if outcome == WAIT:
            return True
        if outcome == DONE:
            if parent is not None:  # the parent's resource waits on this nested stack
                deps.reconciler.schedule("orchestration", parent)
            return False
    return True


def _deletes_all(stack: Stack) -> bool:
    """A DELETE, or the ROLLBACK of a create (an update's walks back as an update)."""
    return stack.action == "DELETE" or (stack.action == "ROLLBACK"
                                        and not stack.update_rollback)


def _failed_action(stack: Stack, row: StackResource) -> str:
    """The action a failing resource failed in: its own (one an update makes fails its
    CREATE, as Heat's), else the stack's (a rollback's update back: UPDATE)."""
    if row.status == "INIT":
        return "CREATE"
    if row.status == "IN_PROGRESS" and row.action in ("CREATE", "UPDATE"):
        return row.action
    return "UPDATE" if stack.action == "ROLLBACK" else stack.action


def _fail(deps: Deps, stack_id: str, generation: int, exc: Exception,
          resource: str | None) -> bool:
    """The step's transaction rolled back: record the failure on the resource it was
    working on and on the stack, in a new one. A create or an update that may roll back
    (disable_rollback false) starts its ROLLBACK: True, run again."""
    if isinstance(exc, CheptelError):
        why = reason(exc)
    elif isinstance(exc, ResourceFailure):
        why = str(exc)
    else:
        why = f"{type(exc).__name__}: an internal error (logged)"
    with deps.sessions() as db, db.begin():
        stack = db.get(Stack, stack_id)
        if stack is None or stack.status != "IN_PROGRESS":
            return False
        if stack.generation != generation:  # failed at an action the API replaced since
            return True
        now = deps.clock()
        run_rows = stacks.resources_of(db, stack)
        busy = [r for r in run_rows if r.name == resource] or [
            r for r in run_rows if r.status in ("IN_PROGRESS", "INIT")]
        stack_reason = why
        deleting = _deletes_all(stack)
        if busy and not deleting:
            row = busy[0]
            action = _failed_action(stack, row)
            row.action, row.status, row.status_reason = action, "FAILED", why
            stacks.event(db, stack, now, row.name, row.type, row.physical_id, action,
                         "FAILED", why)
            stack_reason = f"Resource {action} failed: {why}"
        elif deleting:
            stack_reason = f"Resource DELETE failed: {why}"
        stack.status, stack.status_reason = "FAILED", stack_reason
        stacks.stack_event(db, stack, now, stack_reason)
        rollback = stacks.roll_back(db, stack, now)
    log.info("stack %s failed: %s", stack_id, why)
    return rollback
