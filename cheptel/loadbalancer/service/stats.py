"""Statistics, as Octavia keeps them: HAProxy's counters (`show stat`, read by the
converger's watcher) summed into each listener's row over its reloads and restarts (a
new worker counts from 0); active_connections is what runs now. A load balancer's are
the sum of its listeners'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.balancer import ListenerStats
from cheptel.loadbalancer.models import Listener, LoadBalancer

if TYPE_CHECKING:
    from cheptel.app import Deps

FIELDS = ("bytes_in", "bytes_out", "active_connections", "total_connections",
          "request_errors")
SUMMED = ("bytes_in", "bytes_out", "total_connections", "request_errors")


def accumulate(db: Session, lb_id: str, live: dict[str, ListenerStats],
               seen: dict[str, ListenerStats]) -> None:
    """Add to each listener's row what its counters moved since `seen` (the last read,
    kept by the caller): a counter lower than last time was reset (a reload), all of it
    is new. A listener not seen before (a start of cheptel) only sets its mark."""
    for lis in db.scalars(select(Listener).where(Listener.loadbalancer_id == lb_id)):
        now, before = live.get(lis.id), seen.get(lis.id)
        if now is None:
            continue
        seen[lis.id] = now
        if before is None:
            continue
        moved = {f: (getattr(now, f) - getattr(before, f)
                     if getattr(now, f) >= getattr(before, f) else getattr(now, f))
                 for f in SUMMED}
        if any(moved.values()):
            total = dict(lis.stats or {})
            lis.stats = {f: int(total.get(f, 0)) + moved[f] for f in SUMMED}


def _live(deps: Deps, lb_id: str) -> dict[str, ListenerStats]:
    health = deps.balancers.health(lb_id)
    return dict(health.stats) if health is not None else {}


def _doc(rows: list[Listener], live: dict[str, ListenerStats]) -> dict[str, Any]:
    doc = {f: sum(int((r.stats or {}).get(f, 0)) for r in rows) for f in SUMMED}
    doc["active_connections"] = sum(live[r.id].active_connections for r in rows
                                    if r.id in live)
    return {f: doc[f] for f in FIELDS}


def of_loadbalancer(db: Session, deps: Deps, lb: LoadBalancer) -> dict[str, Any]:
    rows = list(db.scalars(select(Listener).where(Listener.loadbalancer_id == lb.id)))
    return _doc(rows, _live(deps, lb.id))


def of_listener(deps: Deps, lis: Listener) -> dict[str, Any]:
    return _doc([lis], _live(deps, lis.loadbalancer_id))
