"""In-memory twin of the host's network plumbing (cheptel.backends.plumbing), over the
fake engine's containers: a namespace lives while its container runs with the same pid
(a restart gives a new pid: a new, empty namespace, and the old veths are gone).

Tests may make any operation fail (`fail`), or the process "die" right after one took
effect (`crash_after`), as the fake engine's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cheptel.backends.plumbing import (
    Bridge,
    Nic,
    PlumbingError,
    RouterNamespace,
    parse_balancer_namespace,
    parse_router_namespace,
)

if TYPE_CHECKING:
    from cheptel.backends.fake import FakeEngine


class FakePlumbing:
    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine
        self.links: dict[str, Bridge] = {}  # the host's bridges by name
        self.namespaces: dict[int, dict[str, tuple[str, Nic]]] = {}  # pid -> MAC -> NIC
        self.veths: dict[str, int] = {}  # host end -> the pid of its namespace
        self.namespaces_of_routers: dict[str, RouterNamespace] = {}  # routers' and VIPs'
        self.listening: set[str] = set()  # namespaces listen() was asked for
        self.calls: list[tuple[str, str]] = []
        self.failures: dict[str, list[str]] = {}
        self.crashes: set[str] = set()

    def crash_after(self, operation: str) -> None:
        self.crashes.add(operation)

    def _leave(self, operation: str) -> None:
        from cheptel.backends.fake import Crash

        if operation in self.crashes:
            self.crashes.discard(operation)
            raise Crash(operation)

    def fail(self, operation: str, message: str = "injected failure", times: int = 1) -> None:
        self.failures.setdefault(operation, []).extend([message] * times)

    def _enter(self, operation: str, name: str) -> None:
        self.calls.append((operation, name))
        pending = self.failures.get(operation)
        if pending:
            raise PlumbingError(pending.pop(0))

    def _alive(self, pid: int) -> bool:
        return pid > 0 and any(c.state.pid == pid for c in self.engine.containers.values())

    def ensure_bridge(self, bridge: Bridge) -> None:
        self._enter("ensure_bridge", bridge.name)
        self.links[bridge.name] = bridge

    def remove_bridge(self, name: str) -> None:
        self._enter("remove_bridge", name)
        self.links.pop(name, None)
        self._leave("remove_bridge")

    def bridges(self, cloud: str) -> dict[str, str]:
        return {name: b.network_id for name, b in self.links.items() if b.cloud == cloud}

    def interface_exists(self, name: str) -> bool:
        return name in self.links or self._alive(self.veths.get(name, 0)) or any(
            port.host_name == name for router in self.namespaces_of_routers.values()
            for port in router.ports)

    def ensure_router(self, router: RouterNamespace) -> None:
        self._enter("ensure_router", router.name)
        for port in router.ports:
            if port.bridge not in self.links:
                raise PlumbingError(f"router port {port.port_id}: no bridge {port.bridge}")
        self.namespaces_of_routers[router.name] = router
        self._leave("ensure_router")

    def remove_router(self, name: str) -> None:
        self._enter("remove_router", name)
        self.namespaces_of_routers.pop(name, None)
        self.listening.discard(name)
        self._leave("remove_router")

    def listen(self, namespace: str, address: str, port: int) -> None:
        """No real namespace to listen in: noted, served by nobody."""
        self._enter("listen", namespace)
        if namespace not in self.namespaces_of_routers:
            raise OSError(f"no namespace {namespace}")
        self.listening.add(namespace)

    def routers(self, cloud: str) -> dict[str, str]:
        found = {}
        for name in self.namespaces_of_routers:
            router = parse_router_namespace(name, cloud)
            if router is not None:
                found[name] = router
        return found

    def balancers(self, cloud: str) -> dict[str, str]:
        found = {}
        for name in self.namespaces_of_routers:
            balancer = parse_balancer_namespace(name, cloud)
            if balancer is not None:
                found[name] = balancer
        return found

    def plumb(self, pid: int, nics: Sequence[Nic]) -> dict[str, str]:
        self._enter("plumb", str(pid))
        if not self._alive(pid):
            raise PlumbingError(f"no network namespace for process {pid}")
        for nic in nics:
            if nic.bridge not in self.links:
                raise PlumbingError(f"port {nic.port_id}: no bridge {nic.bridge}")
        inside = self.namespaces.setdefault(pid, {})
        wanted = {nic.mac.lower(): nic for nic in nics}
        for mac in [m for m in inside if m not in wanted]:
            self.veths.pop(inside.pop(mac)[1].host_name, None)
        names = {}
        for mac, nic in wanted.items():
            taken = {name for name, _ in inside.values()}
            name = inside[mac][0] if mac in inside else next(
                f"eth{i}" for i in range(len(inside) + 1) if f"eth{i}" not in taken)
            inside[mac] = (name, nic)
            self.veths[nic.host_name] = pid
            names[nic.port_id] = name
        return names

    def interfaces(self, container: str) -> dict[str, Nic]:
        """What the container's namespace holds now: interface name -> NIC."""
        c = self.engine.containers.get(container)
        if c is None or not self._alive(c.state.pid):
            return {}
        return dict(self.namespaces.get(c.state.pid, {}).values())
