"""A group's rolling update (or batched create), driven a batch at a time.

The group's update (or create) computes its batches (resources/rolling.py) and starts the
first: its nested stack updated (or made) to that batch's template. The engine then polls
the group's `ready`, which goes on here: once the nested stack is COMPLETE, the pause
(pause_time, by the injected clock: the stack is polled meanwhile, no worker sleeps),
then the next batch; after the last, the group's final template (its size, the
surplus members dropped). Each batch and pause is an event of the group's resource.

While a group rolls, a member the nested stack replaces (and a resource its member's own
nested stack replaces: a server whose user_data changed) is made before the old one is
deleted, as Heat replaces (engine.py `_set_aside`); the old one goes at the end of the
nested stack's update, after what depended on it (its pool member: drained first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources.base import Record
from cheptel.orchestration.resources.rolling import Batch, pauses_fit
from cheptel.orchestration.service import nested, stacks
from cheptel.orchestration.service.cloud import Cloud

STATE = "rolling"  # the group resource's data while it rolls
GROUPS = ("OS::Heat::ResourceGroup", "OS::Heat::AutoScalingGroup")

# (size, members given the new definition) -> the nested stack's template for that batch
BatchTemplate = Callable[[int, int], dict[str, Any]]
Final = Callable[[], bool]  # the group's final update, if any is needed: True if started


def _event(cloud: Cloud, r: Record, kind: str, action: str, why: str) -> None:
    ip = nested.in_process(cloud)
    assert r.stack is not None
    stacks.event(ip.db, r.stack, ip.deps.clock(), r.resource, kind, r.physical_id,
                 action, "IN_PROGRESS", why)


def forget(r: Record) -> None:
    """A new update of the group: what an earlier one left unfinished (it failed) no
    longer applies."""
    r.data = {k: v for k, v in r.data.items() if k not in (STATE, "resize_to")}


def begin(cloud: Cloud, r: Record, kind: str, action: str, batches: list[Batch],
          pause: float, template: BatchTemplate, final: Final) -> None:
    """Start a rolling update (action UPDATE) or batched create (CREATE): its first
    batch now (the nested stack made for a create); the others from `ready`."""
    assert r.stack is not None
    pauses_fit(len(batches), pause, r.stack.timeout_mins or stacks.DEFAULT_TIMEOUT_MINS)
    if not batches:
        final()
        return
    r.data = {**r.data, STATE: {"batches": [list(b) for b in batches], "next": 0,
                                "pause": pause, "after": None, "action": action}}
    _run(cloud, r, kind, template)


def _run(cloud: Cloud, r: Record, kind: str, template: BatchTemplate) -> None:
    state = dict(r.data[STATE])
    index = state["next"]
    size, new = state["batches"][index]
    tpl = template(size, new)
    if nested.child_of(cloud, r) is None:
        assert r.stack is not None
        nested.make_child(cloud, r.stack, r, tpl, {})
    else:
        nested.update_child(cloud, r, tpl, {})
    state["next"], state["after"] = index + 1, None
    r.data = {**r.data, STATE: state}
    what = "made" if state["action"] == "CREATE" else "given the new definition"
    _event(cloud, r, kind, state["action"],
           f"Batch {index + 1} of {len(state['batches'])}: {new} member(s) {what}, "
           f"{size} in the group")


def ready(cloud: Cloud, r: Record, kind: str, template: BatchTemplate,
          final: Final) -> bool:
    """The group's `ready`: its nested stack COMPLETE and no batch left."""
    if not nested.child_ready(cloud, r):
        return False
    state = r.data.get(STATE)
    if not state:
        return True
    if state["next"] < len(state["batches"]):
        pause = float(state["pause"])
        now = nested.in_process(cloud).deps.clock()
        if pause > 0:
            if state["after"] is None:
                r.data = {**r.data, STATE: {**state, "after": now + pause}}
                _event(cloud, r, kind, state["action"], f"Pausing {pause:g} s before "
                       f"batch {state['next'] + 1} of {len(state['batches'])}")
                return False
            if now < state["after"]:
                return False
        _run(cloud, r, kind, template)
        return False
    r.data = {k: v for k, v in r.data.items() if k != STATE}
    return not final()


def in_rolling_group(db: Session, stack: Stack) -> bool:
    """The stack is a rolling group's nested stack, or a member's nested stack in one:
    its replacements are made before the old resources are deleted."""
    s: Stack | None = stack
    for _ in range(2):
        if s is None or s.parent_id is None:
            return False
        row = db.scalar(select(StackResource).where(
            StackResource.stack_id == s.parent_id,
            StackResource.name == s.parent_resource))
        if row is None:
            return False
        if row.type in GROUPS:
            return row.physical_id == s.id and bool((row.data or {}).get(STATE))
        s = db.get(Stack, s.parent_id)
    return False
