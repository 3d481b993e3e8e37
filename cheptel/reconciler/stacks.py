"""Orchestration's converger: one key per stack, driven by its engine
(cheptel.orchestration.service.engine) a step at a time.

The API records a stack's action and kicks its key; `converge` runs steps until one must
wait (a server not yet ACTIVE) and then asks to be run again after a short pause. The
scan returns every stack IN_PROGRESS: after a restart they resume where their rows say (a
step's call into another service and its resource row commit together), and a stack
past its timeout fails with the reason, so none stays IN_PROGRESS forever. Stacks deleted
more than an hour ago are forgotten there too, and a stack's events beyond Heat's 1000
(its oldest) are purged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from cheptel.orchestration.models import Stack
from cheptel.orchestration.service import engine, stacks

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler

KEEP_DELETED = 3600.0  # seconds a deleted stack is still shown by id


class StackConverger:
    def __init__(self, deps: Deps, reconciler: Reconciler,
                 pause: Callable[[float], None] = time.sleep, poll: float = 1.0) -> None:
        self.deps = deps
        self.pause, self.poll = pause, poll

    def scan(self, first: bool) -> Iterable[str]:
        with self.deps.sessions() as db, db.begin():
            stacks.purge(db, self.deps.clock() - KEEP_DELETED)
            stacks.trim_events(db)
            return list(db.scalars(select(Stack.id).where(Stack.status == "IN_PROGRESS")))

    def converge(self, key: str) -> bool:
        again = engine.converge(self.deps, key)
        if again:  # waiting on another service's work: look again in a moment
            self.pause(self.poll)
        return again
