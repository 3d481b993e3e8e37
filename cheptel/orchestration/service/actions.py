"""The stack actions that walk the made resources without changing the template: CHECK
(each resource still there, a server ACTIVE: Heat's handle_check), SUSPEND (servers
suspended, dependents first) and RESUME (servers resumed, dependencies first). Each
resource takes the action once per generation: started, polled, then COMPLETE; a failure
makes the resource and the stack <ACTION>_FAILED (a later update replaces a resource
whose check failed, as Heat does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cheptel.errors import NotFound
from cheptel.orchestration.errors import ActionInProgress, InvalidTemplate, ResourceFailure
from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources.base import Poll, Record, ResourceType
from cheptel.orchestration.service.cloud import Cloud
from cheptel.orchestration.service.resolver import record

if TYPE_CHECKING:
    from cheptel.orchestration.service.engine import Run, Step

WALKS = ("CHECK", "SUSPEND", "RESUME")
# the body's action -> the stack's action
BODIES = {"check": "CHECK", "suspend": "SUSPEND", "resume": "RESUME"}


def allowed(stack: Stack, action: str) -> None:
    """What Heat refuses: anything during an action, a resume of a stack not suspended."""
    if stack.status == "IN_PROGRESS":
        raise ActionInProgress(stack.name, stack.action)
    if stack.action == "DELETE":
        raise InvalidTemplate(f"Stack {stack.name} is deleted.")
    if action == "RESUME" and stack.action != "SUSPEND":
        raise InvalidTemplate(f"Stack {stack.name} is not suspended: it cannot be resumed.")


def _nothing(cloud: Cloud, r: Record) -> None:
    return None


def _still_there(kind: ResourceType) -> Poll:
    """CHECK of a type without its own: its document can still be read."""
    def poll(cloud: Cloud, r: Record) -> bool:
        try:
            kind.show(cloud, r)
        except NotFound:
            raise ResourceFailure(f"The resource {r.physical_id} no longer exists.") from None
        return True
    return poll


def walk(run: Run, ordered: list[StackResource]) -> Step:
    """One step of CHECK, SUSPEND or RESUME over the resources in the given order."""
    from cheptel.orchestration.service.engine import WAIT, Step

    action, generation = run.stack.action, run.stack.generation
    for row in ordered:
        if row.action == action and row.generation == generation \
                and row.status == "COMPLETE":
            continue
        run.current = row.name
        kind = run.kinds.of_row(row.type)
        rec = record(row, run.stack)
        start, poll = kind.actions.get(action, (None, None))
        if action == "CHECK" and start is None:
            start, poll = _nothing, _still_there(kind)
        if row.action == action and row.status == "IN_PROGRESS" \
                and row.generation == generation:
            if poll is not None and not poll(run.cloud, rec):
                return Step(WAIT)
            run.set(row, action, "COMPLETE", "state changed")
            return Step(None)
        row.generation = generation
        if start is not None:
            start(run.cloud, rec)
        run.set(row, action, "IN_PROGRESS", "state changed")
        return Step(None)
    run.current = None
    return run.finish("COMPLETE", f"Stack {action} completed successfully")
