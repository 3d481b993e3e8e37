"""In-memory twin of the container engine, for fast unit tests of compute and reconciler.

It keeps the contract of cheptel.backends.engine, which a real engine must also keep (the
reconciler relies on each point; tests/unit/test_reconciler_*.py drive it over this twin):
- container names are unique: create of an existing name raises AlreadyExists (a crash
  between create and ACTIVE is recovered from by removing and creating again);
- operations on a missing container raise EngineError; remove, remove_volume, disconnect
  and remove_image of something missing do nothing (the reconciler repeats itself);
- the state machine of a container: created -start-> running -stop-> exited -start->
  running; running -pause-> paused -unpause-> running. start and restart of a paused
  container, pause of one that is not running and unpause of one that is not paused
  raise EngineError (Docker's 409s); start of a running one and stop of a stopped one do
  nothing; stop and remove work in any state;
- create attaches the spec's first attachment with its IPv4 address and MAC (the others
  before start, as `connect`); a missing image or network raises EngineError;
- create_network of an existing name does nothing; remove_network of a network with a
  container still attached raises EngineError (the next pass retries), of a missing one
  does nothing; list_managed, list_networks and list_volumes return only what carries the
  cloud label;
- host_interface names the host side of an interface only while the container runs
  (a stopped container has no veth).

Tests may also make any operation fail (`fail`), or make the process "die" right after an
operation took effect (`crash_after`, which raises Crash: not an Exception, so no handler
of the reconciler catches it, as nothing runs after a kill -9).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cheptel.backends.engine import (
    LABEL_CLOUD,
    VOLUMES_PATH,
    AlreadyExists,
    ContainerSpec,
    ContainerState,
    ContainerStats,
    EngineError,
    ImageConfig,
    NicStats,
)


@dataclass
class FakeContainer:
    spec: ContainerSpec
    state: ContainerState
    files: dict[str, bytes] = field(default_factory=dict)
    log: str = ""
    networks: dict[str, str] = field(default_factory=dict)  # attached: network -> IPv4


class Crash(BaseException):  # noqa: N818 - the process died here: nothing catches it
    """Raised after an operation took effect, as if cheptel was killed at that point."""


@dataclass(frozen=True)
class FakeNetwork:
    bridge: str
    cidr: str
    gateway: str | None
    labels: dict[str, str]


class FakeEngine:
    def __init__(self) -> None:
        self.images: dict[str, ImageConfig] = {}
        self.containers: dict[str, FakeContainer] = {}
        self.volumes: dict[str, dict[str, bytes]] = {}
        self.volume_labels: dict[str, dict[str, str]] = {}
        self.networks: set[str] = set()
        self.network_labels: dict[str, dict[str, str]] = {}
        self.network_specs: dict[str, FakeNetwork] = {}
        self.bound_roots: dict[str, str] = {}  # container -> the root bind_root bound
        self.calls: list[tuple[str, str]] = []
        self.remap: tuple[int, int] | None = None  # as a dockerd with userns-remap says
        self.boots: dict[str, int] = {}  # container -> starts: a restart makes new veths
        self.veths: dict[str, tuple[str, str]] = {}  # veth named -> (container, ip)
        self.last_pid = 1000  # each start runs a new first process (a new cgroup)
        self.failures: dict[str, list[str]] = {}  # operation -> messages, one a call
        self.crashes: set[str] = set()  # operations after which the process "dies"

    # -- what tests inject -----------------------------------------------------------------

    def fail(self, operation: str, message: str = "injected failure", times: int = 1) -> None:
        """The next `times` calls of `operation` (a method name) raise EngineError."""
        self.failures.setdefault(operation, []).extend([message] * times)

    def crash_after(self, operation: str) -> None:
        """The next call of `operation` takes effect, then raises Crash."""
        self.crashes.add(operation)

    def _enter(self, operation: str, name: str = "") -> None:
        self.calls.append((operation, name))
        pending = self.failures.get(operation)
        if pending:
            raise EngineError(pending.pop(0))

    def _leave(self, operation: str) -> None:
        if operation in self.crashes:
            self.crashes.discard(operation)
            raise Crash(operation)

    def _get(self, name: str) -> FakeContainer:
        if name not in self.containers:
            raise EngineError(f"No such container: {name}")
        return self.containers[name]

    def _set(self, name: str, status: str, exit_code: int = 0) -> None:
        c = self._get(name)
        pid = c.state.pid if status in ("running", "paused") else 0
        if status in ("running", "paused") and not pid:
            self.last_pid += 1
            pid = self.last_pid
        c.state = replace(c.state, status=status, exit_code=exit_code, pid=pid)

    def _status(self, name: str) -> str:
        return self._get(name).state.status

    def image_present(self, ref: str) -> bool:
        return ref in self.images

    def load_image(self, ref: str, path: Path, container_format: str) -> None:
        self._enter("load_image", ref)
        self.images[ref] = ImageConfig(entrypoint=None, command=["/bin/sh"])

    def image_config(self, ref: str) -> ImageConfig:
        return self.images[ref]

    def remove_image(self, ref: str) -> None:
        self.images.pop(ref, None)

    def list_images(self, repository: str) -> list[str]:
        return [ref for ref in self.images if ref.startswith(repository + ":")]

    def commit(self, name: str, ref: str) -> None:
        self._enter("commit", name)
        self._get(name)
        self.images[ref] = ImageConfig(entrypoint=None, command=["/bin/sh"])

    def save_image(self, ref: str, dest: Path) -> None:
        dest.write_bytes(f"fake image {ref}".encode())

    def bind_root(self, name: str, root: str) -> None:
        self._enter("bind_root", name)
        c = self._get(name)
        if c.state.status != "running":
            raise EngineError(f"{name} is not running: its root volume cannot be bound")
        self.bound_roots[name] = root

    def export_rootfs(self, ref: str, dest: Path) -> None:
        self._enter("export_rootfs", ref)
        if ref not in self.images:
            raise EngineError(f"No such image: {ref}")
        (dest / "etc").mkdir(parents=True, exist_ok=True)
        (dest / "etc" / "image").write_text(ref)

    def create(self, spec: ContainerSpec) -> str:
        self._enter("create", spec.name)
        if spec.name in self.containers:
            raise AlreadyExists(spec.name)
        if spec.image not in self.images:
            raise EngineError(f"No such image: {spec.image}")
        for net, _ip, _mac in spec.attachments:
            if net not in self.networks:
                raise EngineError(f"network {net} not found")
        first = spec.attachments[0] if spec.attachments else None
        self.containers[spec.name] = FakeContainer(
            spec=spec, state=ContainerState(
                name=spec.name, status="created", labels=dict(spec.labels),
                ip=first[1] if first else None,
                mac=(first[2] or _engine_mac(spec.name, first[1])) if first else None),
            networks={net: ip for net, ip, _mac in spec.attachments})
        self._leave("create")
        return f"id-{spec.name}"

    def start(self, name: str) -> None:
        self._enter("start", name)
        if self._status(name) == "paused":
            raise EngineError("cannot start a paused container, try unpause instead")
        self._set(name, "running")
        self.boots[name] = self.boots.get(name, 0) + 1
        self.bound_roots.pop(name, None)  # a new start: a new mount namespace
        self._leave("start")

    def stop(self, name: str, timeout: int) -> None:
        self._enter("stop", name)
        if self._status(name) not in ("exited", "created", "dead"):
            self._set(name, "exited", 137 if timeout == 0 else 0)
        self.bound_roots.pop(name, None)  # its mount namespace went with its processes
        self._leave("stop")

    def restart(self, name: str, timeout: int) -> None:
        self._enter("restart", name)
        if self._status(name) == "paused":
            raise EngineError("cannot restart a paused container")
        self._set(name, "exited")
        self._set(name, "running")
        self.boots[name] = self.boots.get(name, 0) + 1
        self.bound_roots.pop(name, None)  # a new start: a new mount namespace
        self._leave("restart")

    def pause(self, name: str) -> None:
        self._enter("pause", name)
        if self._status(name) != "running":
            raise EngineError(f"Container {name} is not running")
        self._set(name, "paused")
        self._leave("pause")

    def unpause(self, name: str) -> None:
        self._enter("unpause", name)
        if self._status(name) != "paused":
            raise EngineError(f"Container {name} is not paused")
        self._set(name, "running")
        self._leave("unpause")

    def remove(self, name: str) -> None:
        self._enter("remove", name)
        self.containers.pop(name, None)
        self._leave("remove")

    def update_limits(self, name: str, memory_mb: int, vcpus: int) -> None:
        self._enter("update_limits", name)
        c = self._get(name)
        c.spec = replace(c.spec, memory_mb=memory_mb, vcpus=vcpus)
        self._leave("update_limits")

    def inspect(self, name: str) -> ContainerState | None:
        c = self.containers.get(name)
        return c.state if c else None

    def stats(self, name: str) -> ContainerStats | None:
        """The limits the spec set, a running container's made-up usage: each interface
        (eth0, eth1, ... in attachment order) has moved one packet each way."""
        c = self.containers.get(name)
        if c is None:
            return None
        running = c.state.status == "running"
        nets = list(self.networks_of(name))
        nics = tuple(NicStats(name=f"eth{i}", mac=c.state.mac, rx_bytes=100, rx_packets=1,
                              rx_errors=0, rx_dropped=0, tx_bytes=100, tx_packets=1,
                              tx_errors=0, tx_dropped=0) for i in range(len(nets)))
        return ContainerStats(
            status=c.state.status, started_at=0.0 if running else None, platform="linux",
            memory_limit=c.spec.memory_mb * 1024 * 1024,
            memory_used=1024 * 1024 if running else 0, cpu_total=1_000_000 if running else 0,
            cpu_per_cpu=(1_000_000,) if running else (0,), disk_read_bytes=0,
            disk_read_ops=0, disk_write_bytes=0, disk_write_ops=0,
            nics=nics if running else ())

    def list_managed(self, cloud: str) -> list[ContainerState]:
        return [c.state for c in self.containers.values()
                if c.state.labels.get(LABEL_CLOUD) == cloud]

    def logs(self, name: str, tail: int | None) -> str:
        lines = self._get(name).log.splitlines(keepends=True)
        return "".join(lines if tail is None else lines[-tail:] if tail else [])

    def path_exists(self, name: str, path: str) -> bool:
        if path == VOLUMES_PATH:  # the bind of the server's volume directory
            return self._get(name).spec.volume_dir is not None
        return True

    def put_files(self, name: str, files: dict[str, tuple[bytes, int]]) -> None:
        self._get(name).files.update({k: v[0] for k, v in files.items()})

    def write_volume(self, volume: str, files: dict[str, bytes], labels: dict[str, str]) -> None:
        self._enter("write_volume", volume)
        self.volumes.setdefault(volume, {}).update(files)
        self.volume_labels.setdefault(volume, dict(labels))  # a volume's labels never change

    def remove_volume(self, volume: str) -> None:
        self._enter("remove_volume", volume)
        self.volumes.pop(volume, None)
        self.volume_labels.pop(volume, None)
        self._leave("remove_volume")

    def list_volumes(self, cloud: str) -> list[str]:
        return [v for v, labels in self.volume_labels.items()
                if labels.get(LABEL_CLOUD) == cloud]

    def create_network(self, name: str, bridge: str, cidr: str, gateway: str | None,
                       labels: dict[str, str]) -> None:
        self._enter("create_network", name)
        if name in self.networks:
            return
        self.networks.add(name)
        self.network_labels[name] = dict(labels)
        self.network_specs[name] = FakeNetwork(bridge, cidr, gateway, dict(labels))

    def remove_network(self, name: str) -> None:
        self._enter("remove_network", name)
        users = [c for c in self.containers if name in self.networks_of(c)]
        if users:
            raise EngineError(f"network {name} has active endpoints ({', '.join(users)})")
        self.networks.discard(name)
        self.network_labels.pop(name, None)
        self.network_specs.pop(name, None)
        self._leave("remove_network")

    def list_networks(self, cloud: str) -> list[str]:
        return [n for n, labels in self.network_labels.items()
                if labels.get(LABEL_CLOUD) == cloud]

    def connect(self, container: str, network: str, ip: str) -> str | None:
        self._enter("connect", container)
        if network not in self.networks:
            raise EngineError(f"network {network} not found")
        self._get(container).networks[network] = ip
        return _engine_mac(container, ip)

    def disconnect(self, container: str, network: str) -> None:
        self._enter("disconnect", container)
        c = self.containers.get(container)
        if c is not None:
            c.networks.pop(network, None)

    def networks_of(self, container: str) -> dict[str, str]:
        c = self.containers.get(container)
        return dict(c.networks) if c is not None else {}

    def host_interface(self, container: str, ip: str) -> str | None:
        c = self.containers.get(container)
        if c is None or c.state.status not in ("running", "paused"):
            return None
        boots = self.boots.get(container, 0)  # a restart makes new veths
        name = "veth" + hashlib.sha256(f"{container}/{ip}/{boots}".encode()).hexdigest()[:8]
        self.veths[name] = (container, ip)
        return name

    def interface_exists(self, name: str) -> bool:
        """One lookup (not a walk over every container: a network pass asks it per port)."""
        container, ip = self.veths.get(name, ("", ""))
        return (container in self.containers and ip in self.networks_of(container).values()
                and self.host_interface(container, ip) == name)

    def host_info(self) -> dict[str, Any]:
        return {"hostname": "fake", "vcpus": 2, "memory_mb": 4096,
                "running": sum(c.state.status == "running" for c in self.containers.values()),
                "version": "fake"}

    def userns_remap(self) -> tuple[int, int] | None:
        return self.remap


def _engine_mac(container: str, ip: str) -> str:
    """What the engine picks when the spec names no MAC: stable for a container and IP."""
    digest = hashlib.sha256(f"{container}/{ip}".encode()).hexdigest()
    return "02:42:" + ":".join(digest[i:i + 2] for i in range(0, 8, 2))
