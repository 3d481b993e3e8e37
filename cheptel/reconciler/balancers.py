"""Converging load balancers: one key per load balancer. Its tree in the database
becomes the balancer engine's spec (cheptel.backends.balancer); `ensure` makes HAProxy
serve it in the namespace holding the VIP (the network reconciler makes that namespace);
then the objects the write left PENDING_* are ACTIVE (PENDING_DELETE ones removed), or
ERROR with HAProxy's message: at once for a file it refuses; after a minute of tries for
a change it did not take in time (a reload on a loaded host), as Octavia's driver
retries its calls to an amphora. A delete stops the balancer and removes the VIP port and
the rows. The periodic scan re-drives whatever is PENDING_* (a restart leaves nothing
pending), restarts a balancer whose HAProxy died, removes those of load balancers that
are gone, and reads every running balancer's health into operating_status.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends import balancer as spec
from cheptel.backends.balancer import BalancerBusy, BalancerError, Health, ListenerStats
from cheptel.backends.plumbing import balancer_namespace
from cheptel.loadbalancer.models import (
    HealthMonitor,
    L7Policy,
    L7Rule,
    Listener,
    LoadBalancer,
    Member,
    Pool,
)
from cheptel.loadbalancer.service import stats
from cheptel.loadbalancer.service.common import (
    ACTIVE,
    ERROR,
    OFFLINE,
    ONLINE,
    PENDING,
    PENDING_DELETE,
)
from cheptel.loadbalancer.service.health import apply_health
from cheptel.network.models import Port
from cheptel.network.service import ports as port_service

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler

log = logging.getLogger("cheptel.reconciler.balancers")
VIP_WAIT = 60.0  # seconds a VIP's namespace may take before the load balancer is ERROR
# a change HAProxy did not take in time (BalancerBusy) is tried again every RETRY_EVERY
# seconds until RETRY_FOR seconds after it was asked, then the load balancer is ERROR
RETRY_FOR, RETRY_EVERY = 60.0, 1.0
HEALTH_EVERY = 1.0  # seconds between two reads of the running balancers' health
CHILDREN: tuple[Any, ...] = (L7Rule, L7Policy, Member, HealthMonitor, Listener, Pool)


def _live(rows: Any) -> list[Any]:
    return [r for r in rows if r.provisioning_status != PENDING_DELETE]


def build(db: Session, cloud: str, lb: LoadBalancer) -> spec.Balancer:
    """The engine's spec of a load balancer: what is not being deleted, enabled or not
    as the rows say (a disabled member is HAProxy's `disabled`)."""
    pools = _live(db.scalars(select(Pool).where(Pool.loadbalancer_id == lb.id)
                             .order_by(Pool.created_at, Pool.id)))
    pool_specs = []
    for pool in pools:
        members = _live(db.scalars(select(Member).where(Member.pool_id == pool.id)
                                   .order_by(Member.created_at, Member.id)))
        hm = db.scalar(select(HealthMonitor).where(HealthMonitor.pool_id == pool.id))
        monitor = None
        if hm is not None and hm.provisioning_status != PENDING_DELETE and hm.admin_state_up:
            monitor = spec.Monitor(
                type=hm.type, delay=hm.delay, timeout=hm.timeout,
                max_retries=hm.max_retries, max_retries_down=hm.max_retries_down,
                http_method=hm.http_method or "GET", url_path=hm.url_path or "/",
                expected_codes=hm.expected_codes or "200", http_version=hm.http_version,
                domain_name=hm.domain_name)
        sp = pool.session_persistence
        pool_specs.append(spec.Pool(
            id=pool.id, protocol=pool.protocol, algorithm=pool.lb_algorithm,
            members=tuple(spec.Member(
                id=m.id, address=m.address, port=m.protocol_port, weight=m.weight,
                enabled=m.admin_state_up, backup=m.backup, monitor_address=m.monitor_address,
                monitor_port=m.monitor_port) for m in members),
            monitor=monitor,
            persistence=spec.Persistence(sp["type"], sp.get("cookie_name"),
                                         sp.get("persistence_timeout")) if sp else None,
            enabled=pool.admin_state_up))
    live_pools = {p.id for p in pools}
    listeners = []
    for lis in _live(db.scalars(select(Listener).where(Listener.loadbalancer_id == lb.id)
                                .order_by(Listener.created_at, Listener.id))):
        policies = []
        for pol in _live(db.scalars(select(L7Policy).where(L7Policy.listener_id == lis.id)
                                    .order_by(L7Policy.position))):
            if not pol.admin_state_up:
                continue
            if pol.action == "REDIRECT_TO_POOL" and pol.redirect_pool_id not in live_pools:
                continue
            rules = tuple(spec.L7Rule(r.type, r.compare_type, r.value, r.key, r.invert)
                          for r in _live(db.scalars(select(L7Rule).where(
                              L7Rule.l7policy_id == pol.id).order_by(L7Rule.created_at)))
                          if r.admin_state_up)
            policies.append(spec.L7Policy(
                id=pol.id, action=pol.action, rules=rules,
                redirect_pool_id=pol.redirect_pool_id, redirect_url=pol.redirect_url,
                redirect_prefix=pol.redirect_prefix,
                redirect_http_code=pol.redirect_http_code))
        listeners.append(spec.Listener(
            id=lis.id, protocol=lis.protocol, port=lis.protocol_port,
            default_pool_id=lis.default_pool_id if lis.default_pool_id in live_pools
            else None,
            connection_limit=lis.connection_limit,
            timeout_client_data=lis.timeout_client_data,
            timeout_member_connect=lis.timeout_member_connect,
            timeout_member_data=lis.timeout_member_data,
            timeout_tcp_inspect=lis.timeout_tcp_inspect,
            insert_headers=tuple(sorted((lis.insert_headers or {}).items())),
            allowed_cidrs=tuple(lis.allowed_cidrs or ()), l7policies=tuple(policies),
            enabled=lis.admin_state_up))
    return spec.Balancer(id=lb.id, namespace=balancer_namespace(cloud, lb.id),
                         vip=lb.vip_address, listeners=tuple(listeners),
                         pools=tuple(pool_specs), enabled=lb.admin_state_up)


def settle(db: Session, lb: LoadBalancer, ok: bool, now: float, error: str = "") -> None:
    """After `ensure`: the pending objects ACTIVE (deleted ones removed), or ERROR."""
    for model in CHILDREN:
        for row in db.scalars(select(model).where(model.provisioning_status.in_(PENDING))
                              .where(_of(model, lb.id))):
            if row.provisioning_status == PENDING_DELETE and ok:
                _forget(db, row)
                db.delete(row)
            else:
                row.provisioning_status = ACTIVE if ok else ERROR
                row.updated_at = now
                if ok and isinstance(row, (HealthMonitor, L7Policy, L7Rule)):
                    # Octavia's worker marks these ONLINE (enabled) with ACTIVE, at once
                    row.operating_status = ONLINE if row.admin_state_up else OFFLINE
    db.flush()
    lb.provisioning_status = ACTIVE if ok else ERROR
    lb.error = error
    lb.updated_at = now


def _forget(db: Session, row: Any) -> None:
    """What refers to a row going away: a listener's default pool."""
    if isinstance(row, Pool):
        for lis in db.scalars(select(Listener).where(Listener.default_pool_id == row.id)):
            lis.default_pool_id = None


def _of(model: Any, lb_id: str) -> Any:
    """The rows of `model` under load balancer `lb_id`."""
    if model in (Listener, Pool):
        return model.loadbalancer_id == lb_id
    if model in (Member, HealthMonitor):
        return model.pool_id.in_(select(Pool.id).where(Pool.loadbalancer_id == lb_id))
    if model is L7Policy:
        return model.listener_id.in_(select(Listener.id).where(
            Listener.loadbalancer_id == lb_id))
    return model.l7policy_id.in_(select(L7Policy.id).where(L7Policy.listener_id.in_(
        select(Listener.id).where(Listener.loadbalancer_id == lb_id))))


class BalancerConverger:
    def __init__(self, deps: Deps, reconciler: Reconciler) -> None:
        self.deps = deps
        self.reconciler = reconciler
        self._watcher: threading.Thread | None = None
        # the counters each listener's HAProxy showed last (stats.accumulate's marks)
        self._seen: dict[str, dict[str, ListenerStats]] = {}
        self._seen_lock = threading.Lock()

    def scan(self, first: bool = False) -> list[str]:
        """Every load balancer but those in ERROR (a failover or a change of the user's
        brings those back, as Octavia's): a pending one is driven on, an ACTIVE one made
        again if its HAProxy is gone or its namespace was made anew (`ensure` of an
        unchanged spec costs 0.1 ms); the processes of balancers that are gone stop."""
        if self.reconciler.started and (self._watcher is None or
                                        not self._watcher.is_alive()):
            self._watcher = threading.Thread(target=self._watch, name="lb-health",
                                             daemon=True)
            self._watcher.start()
        rows = self._statuses()
        try:
            running = self.deps.balancers.running()
        except BalancerError as exc:
            log.warning("listing the balancers failed: %s", exc)
            running = set()
        for orphan in sorted(running - set(rows)):
            self._remove(orphan)
        return sorted(lb_id for lb_id, status in rows.items() if status != ERROR)

    def _statuses(self) -> dict[str, str]:
        with self.deps.sessions() as db:
            return dict(db.execute(select(LoadBalancer.id,
                                          LoadBalancer.provisioning_status)).tuples().all())

    def _watch(self) -> None:
        """Health into operating_status every HEALTH_EVERY seconds (a monitor checks
        every `delay` seconds: the periodic pass's 5 s would lag it)."""
        while not self.reconciler.sleep(HEALTH_EVERY):
            try:
                self.read_health(*(lb_id for lb_id, status in self._statuses().items()
                                   if status == ACTIVE))
            except Exception:  # never kills the watcher: the next round retries
                log.exception("reading the balancers' health failed")

    def _remove(self, lb_id: str) -> None:
        try:
            self.deps.balancers.remove(lb_id)
        except BalancerError as exc:
            log.warning("load balancer %s not removed yet: %s", lb_id, exc)

    def read_health(self, *lb_ids: str) -> None:
        """These balancers' health and counters, read from their HAProxy, then written in
        one transaction (one write a second for all of them, not one each)."""
        read: dict[str, Health | None] = {}
        for lb_id in lb_ids:
            try:
                read[lb_id] = self.deps.balancers.health(lb_id)
            except BalancerError as exc:
                log.info("load balancer %s: no health: %s", lb_id, exc)
        if not read:
            return
        with self.deps.sessions() as db, db.begin():
            for lb_id, health in read.items():
                lb = db.get(LoadBalancer, lb_id)
                if lb is None:
                    continue
                if health is not None:
                    with self._seen_lock:
                        stats.accumulate(db, lb_id, health.stats,
                                         self._seen.setdefault(lb_id, {}))
                if lb.provisioning_status not in PENDING:
                    apply_health(db, lb, health or Health())

    def converge(self, lb_id: str) -> bool:
        with self.deps.sessions() as db, db.begin():
            lb = db.get(LoadBalancer, lb_id)
            if lb is None:
                self._remove(lb_id)
                return False
            if lb.provisioning_status == PENDING_DELETE:
                deleted = self._delete(db, lb)
            else:
                deleted = None
        if deleted is not None:
            if deleted:
                self.reconciler.kick_network()  # its VIP namespace goes
            return False
        with self.deps.sessions() as db, db.begin():
            lb = db.get(LoadBalancer, lb_id)
            if lb is None or lb.provisioning_status == PENDING_DELETE:
                return lb is not None
            want = build(db, self.deps.cloud_id, lb)
            vip = db.get(Port, lb.vip_port_id)
            waited = self.deps.clock() - (lb.updated_at or lb.created_at)
            pending = lb.provisioning_status in PENDING
            if vip is None or vip.status != "ACTIVE":
                if waited < VIP_WAIT:
                    ready = False
                else:
                    settle(db, lb, False, self.deps.clock(),
                           "the VIP port's namespace was not made in time")
                    return False
            else:
                ready = True
        if not ready:  # the network reconciler makes the namespace: soon
            self.reconciler.kick_network()
            time.sleep(0.2)
            return True
        try:
            self.deps.balancers.ensure(want)
            ok, error = True, ""
        except BalancerBusy as exc:
            if not pending or waited < RETRY_FOR:
                log.info("load balancer %s: %s: tried again", lb_id, exc)
                # serving its last change: the next scan; a pending one: in a moment
                return pending and not self.reconciler.sleep(RETRY_EVERY)
            log.warning("load balancer %s: %s", lb_id, exc)
            ok, error = False, str(exc)
        except BalancerError as exc:
            log.warning("load balancer %s: %s", lb_id, exc)
            ok, error = False, str(exc)
        with self.deps.sessions() as db, db.begin():
            lb = db.get(LoadBalancer, lb_id)
            if lb is None or lb.provisioning_status == PENDING_DELETE:
                return lb is not None  # deleted meanwhile: again, to remove it
            if build(db, self.deps.cloud_id, lb) != want:
                return True  # written meanwhile: made again first
            if lb.provisioning_status in PENDING or not ok:
                settle(db, lb, ok, self.deps.clock(), error)
        if ok:
            self.read_health(lb_id)
        return False

    def _delete(self, db: Session, lb: LoadBalancer) -> bool:
        """Stopped, its VIP port released, its rows gone: True; False if HAProxy could
        not be stopped yet (the scan retries)."""
        try:
            self.deps.balancers.remove(lb.id)
        except BalancerError as exc:
            log.warning("load balancer %s: not stopped yet: %s", lb.id, exc)
            return False
        port = db.get(Port, lb.vip_port_id)
        if port is not None and port.device_id == f"lb-{lb.id}":
            port_service.release_port(db, port.id, now=self.deps.clock())
        db.delete(lb)  # its tree goes with it (ON DELETE CASCADE)
        db.flush()
        return True
