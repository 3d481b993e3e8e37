"""The container engine interface the compute reconciler drives.

A real implementation (cheptel.backends.docker) talks to the Docker Engine; the fake
(cheptel.backends.fake) keeps containers in memory for fast unit tests. Both must:
- be idempotent where the reconciler may repeat itself (remove of a missing container,
  create of an existing name raises AlreadyExists);
- never give a tenant container privileges, the Docker socket or a host path beyond its
  own: the spec has no field for them but `volume_dir` (the server's own directory of
  attached volumes, bound read-only at /mnt/volumes with `rslave` propagation, so that
  volumes the host mounts there later appear inside), and implementations add
  no-new-privileges and keep the default seccomp profile;
- cap what a container may take of the host beyond memory, CPU and processes: its log
  (the console: a size a file, a number of files, newest kept), its open files and
  processes (ulimits), and give it a cgroup namespace of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

LABEL_SERVER = "cheptel.server"
LABEL_PROJECT = "cheptel.project"
LABEL_MANAGED = "cheptel.managed"
LABEL_CLOUD = "cheptel.cloud"  # which cloud owns it: several may share one engine
VOLUMES_PATH = "/mnt/volumes"  # where a server sees its attached volumes (one per device)


class EngineError(Exception):
    """The engine refused or failed; the message is safe to show as a server fault."""


class AlreadyExists(EngineError):
    pass


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    hostname: str
    labels: dict[str, str]
    memory_mb: int
    vcpus: int
    pids_limit: int = 1024
    entrypoint: list[str] | None = None
    command: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    volumes_ro: dict[str, str] = field(default_factory=dict)  # volume name -> mount path
    volume_dir: str | None = None  # the host directory seen at VOLUMES_PATH (see above)
    log_max_bytes: int = 1024 * 1024  # the console log: one file's size, then a new one
    log_max_files: int = 3  # files kept (the oldest goes): the log takes at most both
    nofile: tuple[int, int] = (1024, 4096)  # open files, (soft, hard)
    nproc: tuple[int, int] = (4096, 4096)  # processes of one user, (soft, hard)



class EventStream(Protocol):
    """The engine's events for one cloud's containers, as they happen: iterating blocks
    until the next and yields the container's name (one that died, was paused or went);
    it ends when the engine goes away or `close` is called (from any thread)."""

    def __iter__(self) -> Iterator[str]: ...
    def close(self) -> None: ...


class ConsoleStream(Protocol):
    """A terminal in a running container (the serial console's far end): bytes both
    ways, `recv` blocking until some arrive (b"" once it ended)."""

    def recv(self, size: int) -> bytes: ...
    def send(self, data: bytes) -> None: ...
    def close(self) -> None: ...

@dataclass(frozen=True)
class ContainerState:
    """What the engine says about one container."""

    name: str
    status: str  # created | running | paused | restarting | exited | dead
    exit_code: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    ip: str | None = None
    mac: str | None = None
    error: str = ""
    pid: int = 0  # its init process on the host while it runs (its network namespace)


@dataclass(frozen=True)
class NicStats:
    """One interface of a container, as counted inside it (the guest's view)."""

    name: str  # eth0, eth1, ...
    mac: str | None
    rx_bytes: int | None = None
    rx_packets: int | None = None
    rx_errors: int | None = None
    rx_dropped: int | None = None
    tx_bytes: int | None = None
    tx_packets: int | None = None
    tx_errors: int | None = None
    tx_dropped: int | None = None


@dataclass(frozen=True)
class ContainerStats:
    """One reading of a container's usage (what diagnostics show); None: not reported.

    CPU times are nanoseconds, memory and I/O bytes. `cpu_per_cpu` is the time spent on
    each host CPU when the engine accounts it (cgroup v1), else empty: only the total."""

    status: str  # as ContainerState.status
    started_at: float | None  # POSIX seconds of the last start
    platform: str | None  # the engine's OS type, e.g. "linux"
    memory_limit: int | None = None
    memory_used: int | None = None  # the working set: usage less inactive page cache
    cpu_total: int | None = None
    cpu_per_cpu: tuple[int, ...] = ()
    disk_read_bytes: int | None = None
    disk_read_ops: int | None = None
    disk_write_bytes: int | None = None
    disk_write_ops: int | None = None
    nics: tuple[NicStats, ...] = ()


@dataclass(frozen=True)
class ImageConfig:
    entrypoint: list[str] | None
    command: list[str] | None


class Engine(Protocol):
    # images
    def image_present(self, ref: str) -> bool: ...
    def load_image(self, ref: str, path: Path, container_format: str) -> None: ...
    def image_config(self, ref: str) -> ImageConfig: ...
    def remove_image(self, ref: str) -> None: ...
    # the tags (repository:tag) of one repository
    def list_images(self, repository: str) -> list[str]: ...
    def commit(self, name: str, ref: str) -> None: ...
    def save_image(self, ref: str, dest: Path) -> None: ...
    # the image's root filesystem unpacked into dest (a volume made from the image)
    def export_rootfs(self, ref: str, dest: Path) -> None: ...
    # containers
    def create(self, spec: ContainerSpec) -> str: ...
    def start(self, name: str) -> None: ...
    def stop(self, name: str, timeout: int) -> None: ...
    def restart(self, name: str, timeout: int) -> None: ...
    def pause(self, name: str) -> None: ...
    def unpause(self, name: str) -> None: ...
    def remove(self, name: str) -> None: ...
    def update_limits(self, name: str, memory_mb: int, vcpus: int) -> None: ...
    def inspect(self, name: str) -> ContainerState | None: ...
    # one reading of its usage, no second sample waited for; None: no such container
    def stats(self, name: str) -> ContainerStats | None: ...
    def list_managed(self, cloud: str) -> list[ContainerState]: ...
    def watch(self, cloud: str) -> EventStream: ...
    def logs(self, name: str, tail: int | None) -> str: ...
    # a shell on a terminal in the running container (its serial console)
    def open_console(self, name: str) -> ConsoleStream: ...
    def path_exists(self, name: str, path: str) -> bool: ...
    def put_files(self, name: str, files: dict[str, tuple[bytes, int]]) -> None: ...
    # boot from volume: the running container's /proc, /dev, /sys (and /openstack, the
    # config drive) bound into `root` (a path inside it), where its init waits to chroot
    def bind_root(self, name: str, root: str) -> None: ...
    # volumes (config drives)
    def write_volume(
        self, volume: str, files: dict[str, bytes], labels: dict[str, str]
    ) -> None: ...
    def remove_volume(self, volume: str) -> None: ...
    # the volumes that carry the cloud label (what `cheptel teardown` removes)
    def list_volumes(self, cloud: str) -> list[str]: ...
    # the engine's own networks carrying the cloud label: only those a cheptel before
    # issue 17 made (containers now run with network mode `none`, wired by
    # cheptel.backends.plumbing); what teardown and the network pass remove
    def list_networks(self, cloud: str) -> list[str]: ...
    def remove_network(self, name: str) -> None: ...
    # host facts: hostname, vcpus, memory_mb, running, version, live_restore (whether
    # the containers outlive a restart of the engine)
    def host_info(self) -> dict[str, Any]: ...
    # the host (uid, gid) a container's root is, when the engine remaps user namespaces
    def userns_remap(self) -> tuple[int, int] | None: ...
