"""`cheptel status`: one screen for the operator, and an exit code for monitoring.

Read from the data directory whether or not the cloud serves: whether a `cheptel
serve` holds it and answers, whether the container engine answers, the resources by
status (and those stuck in a transitional status: a server's task, a volume's
"-ing", a load balancer's PENDING_*), the reconciler's lag and repairs
(scraped from the serving process's /metrics with the admin account of the data dir's
clouds.yaml), and the disk the data directory's parts take. Unhealthy (exit 1): not
serving or not answering, the engine unreachable, the reconciler late, or anything
stuck."""

from __future__ import annotations

import fcntl
import json
import shutil
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cheptel.runlock import LOCK_NAME

STUCK_AFTER = 600.0  # seconds in a transitional status before it counts as stuck
PARTS = ("images", "volumes", "snapshots", "backups", "objects")


@dataclass
class Report:
    serving: bool = False
    answering: bool = False
    url: str = ""
    engine: str = ""  # the engine's version, or why it cannot be reached
    engine_up: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)
    lag: float | None = None  # seconds since the reconciler's last pass
    lag_limit: float = 30.0
    queue: int | None = None
    repairs: dict[str, int] = field(default_factory=dict)
    disk: dict[str, int] = field(default_factory=dict)  # bytes allocated per part
    free: int = 0

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.serving:
            found.append("no `cheptel serve` holds this data directory")
        elif not self.answering:
            found.append(f"the API at {self.url or '?'} does not answer")
        if not self.engine_up:
            found.append(f"the container engine: {self.engine}")
        if self.lag is not None and self.lag > self.lag_limit:
            found.append(f"the reconciler's last pass was {self.lag:.0f} s ago")
        found += [f"stuck: {s}" for s in self.stuck]
        return found

    def text(self) -> str:
        lines = [f"serving    {'yes' if self.serving else 'no'}"
                 + (f", answering at {self.url}" if self.answering else ""),
                 f"engine     {self.engine}"]
        if self.lag is not None:
            repairs = ", ".join(f"{k} {v}" for k, v in sorted(self.repairs.items()))
            lines.append(f"reconciler last pass {self.lag:.1f} s ago, queue {self.queue}, "
                         f"repairs since start: {repairs or 'none'}")
        for kind, by_status in self.counts.items():
            shown = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "none"
            lines.append(f"{kind:<10} {shown}")
        disk = ", ".join(f"{k} {_size(v)}" for k, v in self.disk.items() if v)
        lines.append(f"disk       {disk or 'empty'}; {_size(self.free)} free")
        problems = self.problems
        lines.append("healthy" if not problems else "UNHEALTHY: " + "; ".join(problems))
        return "\n".join(lines)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return str(n)


def _serving(data_dir: Path) -> bool:
    """Whether a serve holds the data dir's lock (a shared one: ours fails if so)."""
    path = data_dir / LOCK_NAME
    if not path.exists():
        return False
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def _allocated(path: Path) -> int:
    total = 0
    if path.is_file():
        return path.stat().st_blocks * 512
    for p in path.rglob("*") if path.is_dir() else ():
        try:
            if p.is_file() and not p.is_symlink():
                total += p.stat().st_blocks * 512
        except OSError:
            continue
    return total


def counts(db: Session, now: float) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Resources by status, and those stuck in a transitional status."""
    from cheptel.compute.models import Server
    from cheptel.compute.views import status_of
    from cheptel.image.models import Image
    from cheptel.loadbalancer.models import LoadBalancer
    from cheptel.network.models import FloatingIP, Port
    from cheptel.volume.models import Volume

    found: dict[str, dict[str, int]] = {}
    stuck: list[str] = []
    servers = list(db.scalars(select(Server).where(Server.deleted.is_(False))))
    found["servers"] = dict(Counter(status_of(s) for s in servers))
    stuck += [f"server {s.id} {s.vm_state}/{s.task_state} since {now - s.updated_at:.0f} s"
              for s in servers if s.task_state and now - s.updated_at > STUCK_AFTER]
    volumes = list(db.scalars(select(Volume)))
    found["volumes"] = dict(Counter(v.status for v in volumes))
    stuck += [f"volume {v.id} {v.status} since {now - (v.updated_at or v.created_at):.0f} s"
              for v in volumes if v.status in ("creating", "attaching", "detaching",
                                               "deleting", "extending", "downloading",
                                               "uploading", "backing-up", "restoring-backup")
              and now - (v.updated_at or v.created_at) > STUCK_AFTER]
    found["images"] = dict(Counter(db.scalars(select(Image.status))))
    found["ports"] = dict(Counter(db.scalars(select(Port.status))))
    found["floating"] = dict(Counter(db.scalars(select(FloatingIP.status))))
    balancers = list(db.scalars(select(LoadBalancer)))
    found["balancers"] = dict(Counter(b.provisioning_status for b in balancers))
    stuck += [f"load balancer {b.id} {b.provisioning_status} since "
              f"{now - (b.updated_at or b.created_at):.0f} s" for b in balancers
              if b.provisioning_status.startswith("PENDING_")
              and now - (b.updated_at or b.created_at) > STUCK_AFTER]
    return found, stuck


def _get(url: str, headers: dict[str, str], body: dict[str, Any] | None = None,
         timeout: float = 5.0) -> tuple[int, bytes, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - our own URL
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def scrape(clouds: Path) -> tuple[str, dict[str, list[tuple[dict[str, str], float]]]]:
    """The serving process's URL and its /metrics, as the data dir's admin reads them."""
    from prometheus_client.parser import text_string_to_metric_families

    admin = yaml.safe_load(clouds.read_text())["clouds"]["cheptel"]["auth"]
    auth_url = str(admin["auth_url"]).rstrip("/")
    base = auth_url.rsplit("/identity", 1)[0]
    code, _, headers = _get(f"{auth_url}/auth/tokens", {}, {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": admin["username"], "password": admin["password"],
            "domain": {"name": admin.get("user_domain_name", "Default")}}}},
        "scope": {"project": {"name": admin["project_name"], "domain": {
            "name": admin.get("project_domain_name", "Default")}}}}})
    token = headers.get("X-Subject-Token") or headers.get("x-subject-token")
    if code != 201 or not token:
        raise ConnectionError(f"the admin of {clouds} cannot log in ({code})")
    code, body, _ = _get(f"{base}/metrics", {"X-Auth-Token": token})
    if code != 200:
        raise ConnectionError(f"/metrics answered {code}")
    series: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            series.setdefault(s.name, []).append((s.labels, s.value))
    return base, series


def gather(settings: Any, engine: Any, now: float | None = None) -> Report:
    """The report of the cloud of `settings` (its data dir, database and engine)."""
    now = time.time() if now is None else now
    data_dir: Path = settings.data_dir
    report = Report(lag_limit=max(30.0, 3 * settings.reconcile_interval))
    report.serving = _serving(data_dir)
    try:
        info = engine.host_info()
        report.engine, report.engine_up = f"Docker {info.get('version', '?')} up", True
    except Exception as exc:  # noqa: BLE001 - any failure is "unreachable", said once
        report.engine = f"unreachable ({str(exc).splitlines()[0][:120] if str(exc) else exc})"
    db_engine = create_engine(settings.db_url)
    try:
        with Session(db_engine) as db:
            report.counts, report.stuck = counts(db, now)
    finally:
        db_engine.dispose()
    clouds = data_dir / "clouds.yaml"
    if report.serving and clouds.exists():
        try:
            report.url, series = scrape(clouds)
            report.answering = True
            last = [v for _, v in series.get("cheptel_reconcile_last_pass_timestamp_seconds", [])]
            report.lag = now - last[0] if last and last[0] > 0 else None
            report.queue = int(sum(v for _, v in series.get("cheptel_reconcile_queue_depth", [])))
            for labels, v in series.get("cheptel_reconcile_repairs_total", []):
                report.repairs[labels["service"]] = int(v)
        except (OSError, ConnectionError, KeyError, ValueError):
            report.answering = False
    for part in PARTS:
        report.disk[part] = _allocated(data_dir / part)
    report.disk["database"] = sum(_allocated(p) for p in data_dir.glob("cheptel.db*"))
    report.free = shutil.disk_usage(data_dir if data_dir.exists() else "/").free
    return report
