"""Front-end QoS: block I/O limits of one container on one block device, in the kernel's
cgroup throttle (what Docker's --device-read-bps and friends write at create time; a
volume attached later needs them written then, and again after each start of the
container, whose cgroup is new).

cgroup v1: blkio.throttle.{read,write}_{bps,iops}_device ("MAJ:MIN value", 0 removes);
cgroup v2: io.max ("MAJ:MIN rbps=.. wbps=.. riops=.. wiops=..", "max" for none). The
container's cgroup is read from /proc/<pid>/cgroup of its first process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_FILES = {"read_bps": "blkio.throttle.read_bps_device",
            "write_bps": "blkio.throttle.write_bps_device",
            "read_iops": "blkio.throttle.read_iops_device",
            "write_iops": "blkio.throttle.write_iops_device"}
V2_KEYS = {"read_bps": "rbps", "write_bps": "wbps", "read_iops": "riops",
           "write_iops": "wiops"}


class ThrottleError(Exception):
    pass


@dataclass(frozen=True)
class IoLimits:
    """Bytes and operations per second; 0 is no limit."""

    read_bps: int = 0
    write_bps: int = 0
    read_iops: int = 0
    write_iops: int = 0

    @classmethod
    def from_specs(cls, specs: dict[str, Any]) -> IoLimits:
        """Nova's front-end keys (read/write/total _bytes_sec and _iops_sec): a total
        bounds each direction when that direction has no key of its own."""
        def value(key: str) -> int:
            try:
                return max(0, int(str(specs.get(key, 0) or 0)))
            except ValueError:
                return 0  # a value no hypervisor could apply: no limit, as libvirt ignores
        return cls(read_bps=value("read_bytes_sec") or value("total_bytes_sec"),
                   write_bps=value("write_bytes_sec") or value("total_bytes_sec"),
                   read_iops=value("read_iops_sec") or value("total_iops_sec"),
                   write_iops=value("write_iops_sec") or value("total_iops_sec"))


class IoThrottle(Protocol):
    def get(self, pid: int, device: str) -> IoLimits: ...
    def set(self, pid: int, device: str, limits: IoLimits) -> None: ...


def _dev(device: str) -> str:
    try:
        rdev = os.stat(device).st_rdev
    except OSError as exc:
        raise ThrottleError(f"{device}: {exc.strerror}") from exc
    return f"{os.major(rdev)}:{os.minor(rdev)}"


class CgroupIoThrottle:
    def __init__(self, root: Path = CGROUP_ROOT, proc: Path = Path("/proc")) -> None:
        self.root, self.proc = root, proc

    def _cgroup(self, pid: int) -> tuple[Path, bool]:
        """The container's cgroup directory, and whether it is cgroup v2's."""
        try:
            lines = (self.proc / str(pid) / "cgroup").read_text().splitlines()
        except OSError as exc:
            raise ThrottleError(f"process {pid}: {exc.strerror}") from exc
        unified = None
        for line in lines:
            _, controllers, path = line.split(":", 2)
            if "blkio" in controllers.split(","):
                return self.root / "blkio" / path.lstrip("/"), False
            if controllers == "":
                unified = path
        if unified is None:
            raise ThrottleError(f"process {pid} has no blkio or unified cgroup")
        return self.root / unified.lstrip("/"), True

    def get(self, pid: int, device: str) -> IoLimits:
        where, v2 = self._cgroup(pid)
        dev = _dev(device)
        found: dict[str, int] = {}
        try:
            if v2:
                for line in (where / "io.max").read_text().splitlines():
                    if line.startswith(dev + " "):
                        pairs = dict(p.split("=", 1) for p in line.split()[1:])
                        found = {k: 0 if pairs.get(v, "max") == "max" else int(pairs[v])
                                 for k, v in V2_KEYS.items()}
            else:
                for key, name in V1_FILES.items():
                    for line in (where / name).read_text().splitlines():
                        if line.startswith(dev + " "):
                            found[key] = int(line.split()[1])
        except (OSError, ValueError) as exc:
            raise ThrottleError(f"cannot read the limits of {where}: {exc}") from exc
        return IoLimits(**found)

    def set(self, pid: int, device: str, limits: IoLimits) -> None:
        where, v2 = self._cgroup(pid)
        dev = _dev(device)
        try:
            if v2:
                pairs = " ".join(f"{v}={getattr(limits, k) or 'max'}"
                                 for k, v in V2_KEYS.items())
                (where / "io.max").write_text(f"{dev} {pairs}\n")
            else:
                for key, name in V1_FILES.items():
                    (where / name).write_text(f"{dev} {getattr(limits, key)}\n")
        except OSError as exc:
            raise ThrottleError(f"cannot limit {device} in {where}: {exc.strerror}") from exc


class FakeIoThrottle:
    """The limits by (process, device), as the kernel would hold them."""

    def __init__(self) -> None:
        self.limits: dict[tuple[int, str], IoLimits] = {}
        self.writes = 0

    def get(self, pid: int, device: str) -> IoLimits:
        if pid <= 0:
            raise ThrottleError(f"process {pid}: No such process")
        return self.limits.get((pid, device), IoLimits())

    def set(self, pid: int, device: str, limits: IoLimits) -> None:
        self.get(pid, device)
        self.writes += 1
        if limits == IoLimits():
            self.limits.pop((pid, device), None)
        else:
            self.limits[(pid, device)] = limits
