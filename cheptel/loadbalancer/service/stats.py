"""Statistics, read from the running HAProxy (`show stat`): a load balancer's are the
sum of its listeners'. A balancer that does not run counts zero."""

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


def _doc(rows: list[ListenerStats]) -> dict[str, Any]:
    return {f: sum(getattr(r, f) for r in rows) for f in FIELDS}


def _live(deps: Deps, lb_id: str) -> dict[str, ListenerStats]:
    health = deps.balancers.health(lb_id)
    return dict(health.stats) if health is not None else {}


def of_loadbalancer(db: Session, deps: Deps, lb: LoadBalancer) -> dict[str, Any]:
    live = _live(deps, lb.id)
    ids = db.scalars(select(Listener.id).where(Listener.loadbalancer_id == lb.id))
    return _doc([live[i] for i in ids if i in live])


def of_listener(deps: Deps, lis: Listener) -> dict[str, Any]:
    live = _live(deps, lis.loadbalancer_id)
    return _doc([live[lis.id]] if lis.id in live else [])
