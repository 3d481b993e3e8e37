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
- create of a missing image raises EngineError; containers have no network of the
  engine's: the host's plumbing (`plumbing`, cheptel.backends.fake_plumbing, the same
  host for every app built on this engine) wires them;
- a running (or paused) container has a pid, a new one at each start (a new network
  namespace: its veths are gone); a stopped one has none;
- list_managed, list_networks (the engine networks an older cheptel made, `network_labels`)
  and list_volumes return only what carries the cloud label; remove_network of a
  missing one does nothing.

Tests may also make any operation fail (`fail`), or make the process "die" right after an
operation took effect (`crash_after`, which raises Crash: not an Exception, so no handler
of the reconciler catches it, as nothing runs after a kill -9).
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
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
from cheptel.backends.fake_balancer import FakeBalancers
from cheptel.backends.fake_plumbing import FakePlumbing


@dataclass
class FakeContainer:
    spec: ContainerSpec
    state: ContainerState
    files: dict[str, bytes] = field(default_factory=dict)
    log: str = ""


class Crash(BaseException):  # noqa: N818 - the process died here: nothing catches it
    """Raised after an operation took effect, as if cheptel was killed at that point."""


class FakeConsole:
    """A terminal with a shell that echoes what is typed and runs `echo`: a line `echo X`
    answers X. Ends (recv b"") once closed."""

    def __init__(self, container: str) -> None:
        self.container = container
        self.out: queue.Queue[bytes] = queue.Queue()
        self.typed = b""
        self.closed = False
        self.out.put(b"/ # ")

    def recv(self, size: int) -> bytes:
        return self.out.get()[:size]

    def send(self, data: bytes) -> None:
        if self.closed:
            raise EngineError("the console ended")
        self.out.put(data)  # a terminal echoes
        self.typed += data
        while b"\r" in self.typed:
            line, self.typed = self.typed.split(b"\r", 1)
            answer = line[5:] + b"\r\n" if line.startswith(b"echo ") else b""
            self.out.put(b"\r\n" + answer + b"/ # ")

    def close(self) -> None:
        self.closed = True
        self.out.put(b"")


class FakeEvents:
    """An event stream of the fake engine: the names of containers that stopped running
    or went, as the engine changed them; `close` (or `end`, the engine going away) ends
    the iteration."""

    _END = ""

    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine
        self.queue: queue.Queue[str] = queue.Queue()

    def __iter__(self) -> Iterator[str]:
        while (name := self.queue.get()) != self._END:
            yield name

    def close(self) -> None:
        self.queue.put(self._END)
        if self in self.engine.watchers:
            self.engine.watchers.remove(self)


class FakeEngine:
    def __init__(self) -> None:
        self.images: dict[str, ImageConfig] = {}
        self.containers: dict[str, FakeContainer] = {}
        self.volumes: dict[str, dict[str, bytes]] = {}
        self.volume_labels: dict[str, dict[str, str]] = {}
        self.network_labels: dict[str, dict[str, str]] = {}  # an older cheptel's networks
        self.bound_roots: dict[str, str] = {}  # container -> the root bind_root bound
        self.calls: list[tuple[str, str]] = []
        self.remap: tuple[int, int] | None = None  # as a dockerd with userns-remap says
        self.live_restore = True  # as a dockerd --live-restore says
        self.boots: dict[str, int] = {}  # container -> starts: a restart makes new veths
        self._pids = 1000  # the last pid given to a started container
        self.consoles: list[FakeConsole] = []  # every console opened, in order
        self.failures: dict[str, list[str]] = {}  # operation -> messages, one a call
        self.crashes: set[str] = set()  # operations after which the process "dies"
        self.plumbing = FakePlumbing(self)  # the host's bridges and veths
        self.balancers = FakeBalancers()  # the host's HAProxy processes
        self.watchers: list[FakeEvents] = []  # the event streams handed out (`watch`)

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
        pid = c.state.pid
        if status == "running" and c.state.status != "paused":  # a (re)start: a new pid
            self._pids += 1
            pid = self._pids
        elif status not in ("running", "paused"):
            pid = 0
        before = c.state.status
        c.state = replace(c.state, status=status, exit_code=exit_code, pid=pid)
        if before == "running" and status != "running":  # died, stopped or paused
            self._event(name)

    def watch(self, cloud: str) -> FakeEvents:
        self._enter("watch")
        stream = FakeEvents(self)
        self.watchers.append(stream)
        self._leave("watch")
        return stream

    def _event(self, name: str) -> None:
        for stream in self.watchers:
            stream.queue.put(name)

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
        self.containers[spec.name] = FakeContainer(
            spec=spec, state=ContainerState(name=spec.name, status="created",
                                            labels=dict(spec.labels)))
        self._leave("create")
        return f"id-{spec.name}"

    def start(self, name: str) -> None:
        self._enter("start", name)
        if self._status(name) == "paused":
            raise EngineError("cannot start a paused container, try unpause instead")
        if self._status(name) != "running":
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
        if self.containers.pop(name, None) is not None:
            self._event(name)
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
        inside = self.plumbing.interfaces(name)
        nics = tuple(NicStats(name=ifname, mac=nic.mac, rx_bytes=100, rx_packets=1,
                              rx_errors=0, rx_dropped=0, tx_bytes=100, tx_packets=1,
                              tx_errors=0, tx_dropped=0)
                     for ifname, nic in sorted(inside.items()))
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

    def open_console(self, name: str) -> FakeConsole:
        if self._status(name) != "running":
            raise EngineError(f"Container {name} is not running")
        console = FakeConsole(name)
        self.consoles.append(console)
        return console

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

    def remove_network(self, name: str) -> None:
        self._enter("remove_network", name)
        self.network_labels.pop(name, None)
        self._leave("remove_network")

    def list_networks(self, cloud: str) -> list[str]:
        return [n for n, labels in self.network_labels.items()
                if labels.get(LABEL_CLOUD) == cloud]

    def host_info(self) -> dict[str, Any]:
        return {"hostname": "fake", "vcpus": 2, "memory_mb": 4096,
                "running": sum(c.state.status == "running" for c in self.containers.values()),
                "version": "fake", "live_restore": self.live_restore}

    def userns_remap(self) -> tuple[int, int] | None:
        return self.remap
