"""Orchestration's converger: one key per stack, driven by its engine
(cheptel.orchestration.service.engine) a step at a time.

The API records a stack's action and kicks its key; `converge` runs steps until one must
wait (a server not yet ACTIVE) and then has its key kicked again POLL seconds later (a timer:
no worker of the reconciler sleeps meanwhile). The
scan returns every stack IN_PROGRESS: after a restart they resume where their rows say (a
step's call into another service and its resource row commit together), and a stack
past its timeout fails with the reason, so none stays IN_PROGRESS forever. Stacks deleted
more than an hour ago are forgotten there too, and a stack's events beyond Heat's 1000
(its oldest) are purged. The scan also heals the groups (service/healing.py): a member
whose server is gone or failed, or that was marked unhealthy, is replaced by an UPDATE of
its group's nested stack, whose key is returned with the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from cheptel.orchestration.models import Stack
from cheptel.orchestration.service import engine, healing, stacks

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler

log = logging.getLogger("cheptel.reconciler.stacks")

KEEP_DELETED = 3600.0  # seconds a deleted stack is still shown by id
# seconds before a stack waiting on another service's work looks again: a group's member
# is replaced in four waits (member and server deleted, server and member made)
POLL = 0.25


def _timer(delay: float, fn: Callable[[], None]) -> None:
    timer = threading.Timer(delay, fn)
    timer.daemon = True  # a stop never waits for it; the next start's scan resumes
    timer.start()


class StackConverger:
    def __init__(self, deps: Deps, reconciler: Reconciler,
                 later: Callable[[float, Callable[[], None]], None] = _timer,
                 poll: float = POLL) -> None:
        self.deps, self.reconciler = deps, reconciler
        self.later, self.poll = later, poll

    def scan(self, first: bool) -> Iterable[str]:
        with self.deps.sessions() as db, db.begin():
            stacks.purge(db, self.deps.clock() - KEEP_DELETED)
            stacks.trim_events(db)
            busy = list(db.scalars(select(Stack.id).where(Stack.status == "IN_PROGRESS")))
        try:
            healed = healing.scan(self.deps)
        except Exception:  # a bug must not stop the stacks under way from resuming
            log.exception("healing the groups failed")
            healed = []
        return busy + healed

    def converge(self, key: str) -> bool:
        if engine.converge(self.deps, key):
            # waiting on another service's work: look again in a moment, without holding
            # one of the reconciler's workers meanwhile
            self.later(self.poll, lambda: self.reconciler.schedule("orchestration", key))
        return False
