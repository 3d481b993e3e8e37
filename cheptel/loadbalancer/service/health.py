"""What HAProxy says (cheptel.backends.balancer.Health) -> operating_status, as
Octavia's health manager maps `show stat` (design: loadbalancing-orchestration.md 1.7).
Only rows whose status changes are written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.balancer import Health
from cheptel.loadbalancer.models import (
    HealthMonitor,
    L7Policy,
    L7Rule,
    Listener,
    LoadBalancer,
    Member,
    Pool,
)
from cheptel.loadbalancer.service.common import NO_MONITOR, OFFLINE, ONLINE

DEGRADED, ERROR, DRAINING = "DEGRADED", "ERROR", "DRAINING"
MEMBER = {"UP": ONLINE, "DOWN": ERROR, "DRAIN": DRAINING, "MAINT": OFFLINE,
          "NO_CHECK": NO_MONITOR}
LISTENER = {"OPEN": ONLINE, "FULL": DEGRADED}


def _set(row: Any, status: str) -> None:
    if row.operating_status != status:
        row.operating_status = status


def apply_health(db: Session, lb: LoadBalancer, health: Health) -> None:
    serving = lb.admin_state_up
    listeners = list(db.scalars(select(Listener).where(Listener.loadbalancer_id == lb.id)))
    used: dict[str, bool] = {}  # pool id -> sent to by an enabled listener
    worst = ONLINE
    for lis in listeners:
        if not (serving and lis.admin_state_up):
            _set(lis, OFFLINE)
        else:
            status = LISTENER.get(health.listeners.get(lis.id, ""), ERROR)
            _set(lis, status)
            if status != ONLINE:
                worst = DEGRADED
        pools = [lis.default_pool_id] if lis.default_pool_id else []
        for pol in db.scalars(select(L7Policy).where(L7Policy.listener_id == lis.id)):
            _set(pol, ONLINE if pol.admin_state_up and serving else OFFLINE)
            for rule in db.scalars(select(L7Rule).where(L7Rule.l7policy_id == pol.id)):
                _set(rule, ONLINE if rule.admin_state_up and serving else OFFLINE)
            if pol.redirect_pool_id:
                pools.append(pol.redirect_pool_id)
        for pid in pools:
            used[pid] = used.get(pid, False) or (serving and lis.admin_state_up)
    for pool in db.scalars(select(Pool).where(Pool.loadbalancer_id == lb.id)):
        members = list(db.scalars(select(Member).where(Member.pool_id == pool.id)))
        hm = db.scalar(select(HealthMonitor).where(HealthMonitor.pool_id == pool.id))
        if hm is not None:
            # Octavia's worker: ONLINE when enabled (MarkHealthMonitorActiveInDB), what
            # its health manager never revisits
            _set(hm, ONLINE if hm.admin_state_up else OFFLINE)
        if not (used.get(pool.id) and pool.admin_state_up):
            _set(pool, OFFLINE)
            # a pool no listener sends to is not in HAProxy's configuration: Octavia's
            # health manager marks it OFFLINE and leaves its members be
            for m in members if used.get(pool.id) else []:
                _set(m, OFFLINE)
            continue
        statuses = []
        for m in members:
            # unreported: OFFLINE, unless it was never checked (Octavia's NO_MONITOR stays)
            missing = NO_MONITOR if m.operating_status == NO_MONITOR else OFFLINE
            status = OFFLINE if not m.admin_state_up else MEMBER.get(
                health.members.get(m.id, ""), missing)
            _set(m, status)
            statuses.append(status)
        up = [s for s in statuses if s in (ONLINE, NO_MONITOR, DRAINING)]
        if health.pools.get(pool.id) == "DOWN" and statuses and not up:
            status = ERROR
        elif ERROR in statuses:
            status = DEGRADED
        else:
            status = ONLINE
        _set(pool, status)
        if status != ONLINE:
            worst = DEGRADED
    _set(lb, OFFLINE if not serving else worst)
