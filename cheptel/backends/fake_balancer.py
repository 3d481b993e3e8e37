"""The balancer engine's fake twin: keeps each balancer's spec in memory and answers
health from it (members UP when monitored, NO_CHECK otherwise, MAINT when disabled,
DRAIN at weight 0); tests mark members down (`down`) or make a spec fail (`refuse`)."""

from __future__ import annotations

from cheptel.backends.balancer import Balancer, BalancerError, Health, ListenerStats


class FakeBalancers:
    def __init__(self) -> None:
        self.specs: dict[str, Balancer] = {}
        self.down: set[str] = set()  # member ids HAProxy would find DOWN
        self.refuse: str | None = None  # the message `ensure` fails with, if set
        self.ensured = 0  # how many ensure() calls changed something

    def ensure(self, balancer: Balancer) -> None:
        if self.refuse is not None:
            raise BalancerError(self.refuse)
        if self.specs.get(balancer.id) != balancer:
            self.specs[balancer.id] = balancer
            self.ensured += 1

    def remove(self, balancer_id: str) -> None:
        self.specs.pop(balancer_id, None)

    def running(self) -> set[str]:
        return set(self.specs)

    def health(self, balancer_id: str) -> Health | None:
        spec = self.specs.get(balancer_id)
        if spec is None:
            return None
        health = Health()
        for lis in spec.listeners:
            if spec.enabled and lis.enabled:
                health.listeners[lis.id] = "OPEN"
                health.stats[lis.id] = ListenerStats()
        for pool in spec.pools:
            states = []
            for m in pool.members:
                state = ("MAINT" if not m.enabled else "DOWN" if m.id in self.down
                         else "DRAIN" if m.weight == 0
                         else "UP" if pool.monitor is not None else "NO_CHECK")
                health.members[m.id] = state
                states.append(state)
            health.pools[pool.id] = "DOWN" if states and all(
                s in ("DOWN", "MAINT") for s in states) else "UP"
        return health
