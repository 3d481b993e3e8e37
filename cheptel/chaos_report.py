"""`cheptel chaos`'s report: the targets, each fault injected and how cheptel reacted,
what the probe saw, what was left behind; printed, and saved as JSON in DATA_DIR/chaos/."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cheptel.chaos_group import GroupTarget
    from cheptel.chaos_pool import PoolTarget

THROUGH_LB = "loadbalancer"  # the one probe's key in a pool's report


@dataclass
class Target:
    server_id: str
    name: str
    address: str | None  # its floating IP, probed; None: watched, not probed


@dataclass
class Injection:
    at: float  # seconds from the start
    server_id: str
    fault: str
    detected_after: float | None = None  # cheptel's reaction (container or status)
    recovered_after: float | None = None  # the probe answered again
    # a self-healing group's kill or stop: the group back at its size without the victim
    replaced_after: float | None = None


@dataclass
class ProbeStats:
    tried: int = 0
    failed: int = 0
    longest_outage: float = 0.0
    _down_since: float | None = None

    def record(self, t: float, ok: bool) -> None:
        self.tried += 1
        if ok:
            if self._down_since is not None:
                self.longest_outage = max(self.longest_outage, t - self._down_since)
            self._down_since = None
        else:
            self.failed += 1
            if self._down_since is None:
                self._down_since = t

    def close(self, t: float) -> None:
        if self._down_since is not None:
            self.longest_outage = max(self.longest_outage, t - self._down_since)


@dataclass
class Report:
    project: str
    duration: float
    faults: list[str]
    targets: list[Target]
    injections: list[Injection] = field(default_factory=list)
    probes: dict[str, ProbeStats] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)
    stopped_early: bool = False
    started: float = 0.0  # POSIX seconds: the probes ran from then for `duration`
    pool: PoolTarget | None = None  # the probe went through its load balancer
    group: GroupTarget | None = None  # the victims were this group's servers

    @property
    def tried(self) -> int:
        return sum(p.tried for p in self.probes.values())

    @property
    def failed(self) -> int:
        return sum(p.failed for p in self.probes.values())

    @property
    def availability(self) -> float | None:
        return None if not self.tried else 100.0 * (self.tried - self.failed) / self.tried

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.project, "started": self.started,
                "duration": self.duration, "faults": self.faults,
                "targets": [asdict(t) for t in self.targets],
                "requests": {"tried": self.tried, "failed": self.failed,
                             "availability": self.availability},
                "probes": {sid: {"tried": p.tried, "failed": p.failed,
                                 "longest_outage": round(p.longest_outage, 3)}
                           for sid, p in self.probes.items()},
                "injections": [asdict(i) for i in self.injections],
                "left": self.left, "stopped_early": self.stopped_early,
                "pool": None if self.pool is None else self.pool.as_dict(),
                "group": None if self.group is None else self.group.as_dict()}

    def text(self) -> str:
        avail = "n/a" if self.availability is None else f"{self.availability:.2f}%"
        lines = [f"chaos on project {self.project}: {len(self.injections)} faults in "
                 f"{self.duration:.0f} s over {len(self.targets)} servers"
                 + (" (stopped early)" if self.stopped_early else ""),
                 f"requests   {self.tried} tried, {self.failed} failed: {avail} available"]
        if self.group is not None:
            lines.append(f"  scaling group {self.group.stack}/{self.group.resource} "
                         f"({self.group.type}): its servers read again at each fault")
        lb = self.probes.get(THROUGH_LB)
        if self.pool is not None and lb is not None:
            lines.append(f"  through load balancer {self.pool.loadbalancer or '-'} "
                         f"({self.pool.address}:{self.pool.port}): {lb.failed}/{lb.tried} "
                         f"failed, longest outage {lb.longest_outage:.1f} s")
        for t in self.targets:
            p = self.probes.get(t.server_id)
            if p is not None:
                lines.append(f"  {t.name:<16} {t.address}: {p.failed}/{p.tried} failed, "
                             f"longest outage {p.longest_outage:.1f} s")
        for i in self.injections:
            name = next((t.name for t in self.targets if t.server_id == i.server_id), "?")
            seen = "never" if i.detected_after is None else f"{i.detected_after:.1f} s"
            back = "not recovered" if i.recovered_after is None else \
                f"{i.recovered_after:.1f} s"
            if i.fault == "dockerd":  # the whole engine, no victim
                lines.append(f"  t+{i.at:5.1f}s dockerd restarted: the engine answering "
                             f"again {seen}, the probe answering {back}")
                continue
            if self.group is not None and i.fault in ("kill", "stop"):
                new = "not replaced" if i.replaced_after is None else \
                    f"replaced {i.replaced_after:.1f} s"
                lines.append(f"  t+{i.at:5.1f}s {i.fault:<5} {name:<16} " + (
                    "server down" if self.pool is None else "member ERROR")
                    + f" {seen}, {new}")
                continue
            if self.pool is not None:  # the member's status in the pool, not a probe
                back = "not back" if i.recovered_after is None else \
                    f"ONLINE again {i.recovered_after:.1f} s"
                lines.append(f"  t+{i.at:5.1f}s {i.fault:<5} {name:<16} member ERROR "
                             f"{seen}, {back}")
                continue
            lines.append(f"  t+{i.at:5.1f}s {i.fault:<5} {name:<16} noticed {seen}, "
                         f"answering again {back}")
        lines.append("left behind: " + ("; ".join(self.left) if self.left else "nothing"))
        return "\n".join(lines)


def save(report: Report, data_dir: Path) -> Path:
    where = data_dir / "chaos"
    where.mkdir(parents=True, exist_ok=True)
    path = where / time.strftime("%Y%m%dT%H%M%S.json", time.gmtime())
    path.write_text(json.dumps(report.as_dict(), indent=1))
    return path
