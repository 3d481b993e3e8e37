"""In-memory twin of the container engine, for fast unit tests of compute and reconciler.

It keeps the contract of cheptel.backends.engine: names are unique, operations on a
missing container raise EngineError, remove is idempotent, limits are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cheptel.backends.engine import (
    LABEL_CLOUD,
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
    networks: dict[str, str] = field(default_factory=dict)  # network -> IPv4


class FakeEngine:
    def __init__(self) -> None:
        self.images: dict[str, ImageConfig] = {}
        self.containers: dict[str, FakeContainer] = {}
        self.volumes: dict[str, dict[str, bytes]] = {}
        self.networks: set[str] = set()
        self.network_labels: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, str]] = []
        self.remap: tuple[int, int] | None = None  # as a dockerd with userns-remap says
        self.boots: dict[str, int] = {}  # container -> starts: a restart makes new veths
        self.veths: dict[str, tuple[str, str]] = {}  # veth named -> (container, ip)

    def _get(self, name: str) -> FakeContainer:
        if name not in self.containers:
            raise EngineError(f"No such container: {name}")
        return self.containers[name]

    def _set(self, name: str, status: str, exit_code: int = 0) -> None:
        c = self._get(name)
        c.state = replace(c.state, status=status, exit_code=exit_code)

    def image_present(self, ref: str) -> bool:
        return ref in self.images

    def load_image(self, ref: str, path: Path, container_format: str) -> None:
        self.calls.append(("load_image", ref))
        self.images[ref] = ImageConfig(entrypoint=None, command=["/bin/sh"])

    def image_config(self, ref: str) -> ImageConfig:
        return self.images[ref]

    def remove_image(self, ref: str) -> None:
        self.images.pop(ref, None)

    def commit(self, name: str, ref: str) -> None:
        self._get(name)
        self.images[ref] = ImageConfig(entrypoint=None, command=["/bin/sh"])

    def save_image(self, ref: str, dest: Path) -> None:
        dest.write_bytes(f"fake image {ref}".encode())

    def create(self, spec: ContainerSpec) -> str:
        if spec.name in self.containers:
            raise AlreadyExists(spec.name)
        if spec.image not in self.images:
            raise EngineError(f"No such image: {spec.image}")
        self.calls.append(("create", spec.name))
        for net, _ip, _mac in spec.attachments:
            if net not in self.networks:
                raise EngineError(f"network {net} not found")
        self.containers[spec.name] = FakeContainer(
            spec=spec, state=ContainerState(name=spec.name, status="created",
                                            labels=dict(spec.labels), ip="10.0.0.2",
                                            mac="02:42:0a:00:00:02"))
        return f"id-{spec.name}"

    def start(self, name: str) -> None:
        self.calls.append(("start", name))
        self._set(name, "running")
        self.boots[name] = self.boots.get(name, 0) + 1

    def stop(self, name: str, timeout: int) -> None:
        self.calls.append(("stop", name))
        self._set(name, "exited", 137 if timeout == 0 else 0)

    def restart(self, name: str, timeout: int) -> None:
        self.calls.append(("restart", name))
        self._set(name, "running")
        self.boots[name] = self.boots.get(name, 0) + 1

    def pause(self, name: str) -> None:
        self._set(name, "paused")

    def unpause(self, name: str) -> None:
        self._set(name, "running")

    def remove(self, name: str) -> None:
        self.calls.append(("remove", name))
        self.containers.pop(name, None)

    def update_limits(self, name: str, memory_mb: int, vcpus: int) -> None:
        c = self._get(name)
        c.spec = replace(c.spec, memory_mb=memory_mb, vcpus=vcpus)

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
        return True

    def put_files(self, name: str, files: dict[str, tuple[bytes, int]]) -> None:
        self._get(name).files.update({k: v[0] for k, v in files.items()})

    def write_volume(self, volume: str, files: dict[str, bytes], labels: dict[str, str]) -> None:
        self.volumes.setdefault(volume, {}).update(files)

    def remove_volume(self, volume: str) -> None:
        self.volumes.pop(volume, None)

    def create_network(self, name: str, bridge: str, cidr: str, gateway: str | None,
                       labels: dict[str, str]) -> None:
        self.networks.add(name)
        self.network_labels[name] = dict(labels)

    def remove_network(self, name: str) -> None:
        self.networks.discard(name)
        self.network_labels.pop(name, None)

    def list_networks(self, cloud: str) -> list[str]:
        return [n for n, labels in self.network_labels.items()
                if labels.get(LABEL_CLOUD) == cloud]

    def connect(self, container: str, network: str, ip: str) -> str | None:
        self._get(container).networks[network] = ip
        return "02:42:00:00:00:01"

    def disconnect(self, container: str, network: str) -> None:
        c = self.containers.get(container)
        if c is not None:
            c.networks.pop(network, None)

    def networks_of(self, container: str) -> dict[str, str]:
        c = self.containers.get(container)
        if c is None:
            return {}
        attached = {net: ip for net, ip, _mac in c.spec.attachments}
        return {**attached, **c.networks}

    def host_interface(self, container: str, ip: str) -> str | None:
        if container not in self.containers:
            return None
        name = f"veth{abs(hash((container, ip, self.boots.get(container, 0)))) % 10**6}"
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
