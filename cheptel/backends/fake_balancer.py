"""In-memory twin of the load balancers' engine (cheptel.backends.balancer): it keeps the
specs it was given and answers `health` from them, as HAProxy would with every member
UP, unless a test said otherwise (`member_status`, `listener_status`, `pool_status`).

Tests may make the next `ensure` fail as HAProxy refusing the file (`refuse`) or not
answering in time (`stall`): the balancer keeps its previous spec, as the real one keeps
serving its previous file."""

from __future__ import annotations

from cheptel.backends.balancer import (
    Balancer,
    BalancerBusy,
    BalancerError,
    Health,
    ListenerStats,
)


class FakeBalancers:
    def __init__(self) -> None:
        self.balancers: dict[str, Balancer] = {}  # id -> the spec it runs
        self.member_status: dict[str, str] = {}  # member id -> UP, DOWN, ... (a test's)
        self.listener_status: dict[str, str] = {}
        self.pool_status: dict[str, str] = {}
        self.stats: dict[str, ListenerStats] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, balancer id)
        self.reloads: dict[str, int] = {}  # id -> changes applied since it started
        self._refusals: list[str] = []

    def refuse(self, message: str = "[ALERT] config : injected refusal",
               times: int = 1) -> None:
        self._refusals.extend([message] * times)

    def stall(self, times: int = 1) -> None:
        """The next `times` changes time out, as a reload under a loaded host may."""
        self._refusals.extend([""] * times)

    def ensure(self, balancer: Balancer) -> None:
        self.calls.append(("ensure", balancer.id))
        if self.balancers.get(balancer.id) == balancer:
            return
        if self._refusals:
            message = self._refusals.pop(0)
            if not message:
                raise BalancerBusy("HAProxy did not reload")
            raise BalancerError(f"HAProxy refused the configuration: {message}")
        if balancer.id in self.balancers:
            self.reloads[balancer.id] = self.reloads.get(balancer.id, 0) + 1
        self.balancers[balancer.id] = balancer

    def remove(self, balancer_id: str) -> None:
        self.calls.append(("remove", balancer_id))
        self.balancers.pop(balancer_id, None)
        self.reloads.pop(balancer_id, None)

    def running(self) -> set[str]:
        return set(self.balancers)

    def health(self, balancer_id: str) -> Health | None:
        balancer = self.balancers.get(balancer_id)
        if balancer is None:
            return None
        health = Health()
        if not balancer.enabled:
            return health
        pools = {pool.id: pool for pool in balancer.pools if pool.enabled}
        used: set[str] = set()
        for listener in balancer.listeners:
            if not listener.enabled:
                continue
            health.listeners[listener.id] = self.listener_status.get(listener.id, "OPEN")
            health.stats[listener.id] = self.stats.get(listener.id, ListenerStats())
            used.update(p for p in [listener.default_pool_id, *(
                policy.redirect_pool_id for policy in listener.l7policies)]
                if p is not None and p in pools)
        for pool_id in sorted(used):
            pool = pools[pool_id]
            checked = pool.monitor is not None and pool.monitor.enabled
            for member in pool.members:
                status = ("MAINT" if not member.enabled else "DRAIN" if member.weight == 0
                          else "UP" if checked else "NO_CHECK")
                if member.enabled:
                    status = self.member_status.get(member.id, status)
                health.members.setdefault(member.id, status)
            serving = any(health.members[m.id] in ("UP", "DRAIN", "NO_CHECK")
                          for m in pool.members)
            health.pools[pool_id] = self.pool_status.get(pool_id,
                                                         "UP" if serving else "DOWN")
        return health
