"""`cheptel chaos`: inject faults into one project's servers while probing them as a user
would, then report the availability the probe saw and how cheptel reacted.

The operator's tool (it runs on the host, beside `cheptel serve`; there is no API for
it, so no project can start it). Its safety rails: it touches only the running
containers of this data dir's cloud (by the cloud label) whose servers belong to the
project named (and to the server group, if one is named); at most one fault per
`--every` seconds (2 at least), none after `--duration`; Ctrl-C stops injecting, undoes
what it can (unpauses its paused victims, ends its network cuts) and still writes the
report; `--dry-run` prints the plan and touches nothing.

Faults: `pause` (docker pause: the reconciler unpauses it, the database wants it
running), `kill` and `stop` (the container ends: as Nova, cheptel records the server
SHUTOFF; only a self-healing group brings it back), `netcut` (every packet from or to
the server's fixed and floating IPs dropped for `--cut-for` seconds by a rule under this
cloud's own iptables prefix, which `cheptel teardown` removes too; then restored). The
probe opens an HTTP request to each target's floating IP on `--port` every 0.25 s (any
HTTP answer is up).

The report (printed, and saved as DATA_DIR/chaos/<time>.json): requests tried and
failed, availability, the longest outage per target, and per fault the time until
cheptel noticed it (the container back running, or the server's status changed) and
until the probe answered again; then what was left behind: servers not ACTIVE that
were, containers not running, stuck statuses.

`--pool` (cheptel.chaos_pool): the victims are the project's servers that are a load
balancer pool's members, the probe is the load balancer's VIP (through its floating IP),
and a fault is noticed when the member is ERROR in the pool, back when it is ONLINE."""

from __future__ import annotations

import ipaddress
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cheptel.backends.firewall import Firewall, prefix_for
from cheptel.chaos_pool import PoolTarget, member_status, pool_leftovers

FAULTS = ("pause", "kill", "stop", "netcut")
THROUGH_LB = "loadbalancer"  # the one probe's key in a pool's report
PROBE_EVERY = 0.25
MIN_EVERY = 2.0
CUT_FOR = 5.0  # a netcut's default length, seconds
MAX_CUT = 300.0


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
                "pool": None if self.pool is None else self.pool.as_dict()}

    def text(self) -> str:
        avail = "n/a" if self.availability is None else f"{self.availability:.2f}%"
        lines = [f"chaos on project {self.project}: {len(self.injections)} faults in "
                 f"{self.duration:.0f} s over {len(self.targets)} servers"
                 + (" (stopped early)" if self.stopped_early else ""),
                 f"requests   {self.tried} tried, {self.failed} failed: {avail} available"]
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


def _probe(address: str, port: int, timeout: float = 1.0) -> bool:
    """An HTTP request as a user's client sends it: any status line is an answer."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(f"GET / HTTP/1.0\r\nHost: {address}\r\n\r\n".encode())
            return s.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def targets(db: Session, project: str, group: str | None) -> tuple[str, list[Target]]:
    """The project's ACTIVE servers (of the group, if named), with their floating IPs."""
    from cheptel.compute.models import Server, ServerGroupMember
    from cheptel.compute.views import status_of
    from cheptel.identity.models import Project
    from cheptel.network.models import FloatingIP, Port

    found = db.scalar(select(Project).where((Project.id == project) | (Project.name == project)))
    if found is None:
        raise ValueError(f"no project {project!r}")
    q = select(Server).where(Server.project_id == found.id, Server.deleted.is_(False))
    if group:
        q = q.join(ServerGroupMember, ServerGroupMember.server_id == Server.id).where(
            ServerGroupMember.group_id == group)
    servers = [s for s in db.scalars(q.order_by(Server.created_at)) if status_of(s) == "ACTIVE"]
    fips = {str(device): str(address) for device, address in db.execute(
        select(Port.device_id, FloatingIP.floating_ip_address)
        .join(FloatingIP, FloatingIP.port_id == Port.id))}
    return found.id, [Target(s.id, s.name, fips.get(s.id)) for s in servers]


def cut_matches(db: Session, cloud_id: str, server_id: str) -> list[str]:
    """What a netcut of the server drops: whatever comes from its bridge ports, goes to
    its fixed addresses on their own bridges (another network may use the same ones),
    or from or to its floating IPs."""
    from cheptel.backends.plumbing import host_veth
    from cheptel.compute.models import Server
    from cheptel.network.models import FloatingIP, IPAllocation, Port
    from cheptel.reconciler.network import bridge_for

    project = db.scalar(select(Server.project_id).where(Server.id == server_id))
    matches: list[str] = []
    for port_id, network_id in db.execute(select(Port.id, Port.network_id).where(
            Port.device_id == server_id, Port.project_id == project)):
        fixed = [a for a in db.scalars(select(IPAllocation.ip_address).where(
            IPAllocation.port_id == port_id)) if ipaddress.ip_address(a).version == 4]
        if not fixed:  # IPv4 only: the dataplane's rules are
            continue
        bridge = bridge_for(cloud_id, network_id)
        matches.append(f"-m physdev --physdev-in {host_veth(cloud_id, port_id)}")
        matches += [f"-i {bridge} -d {ip}/32" for ip in fixed]
        for fip in db.scalars(select(FloatingIP.floating_ip_address).where(
                FloatingIP.port_id == port_id)):
            matches += [f"-d {fip}/32", f"-s {fip}/32"]
    return sorted(set(matches))


def cut_key(server_id: str) -> str:
    """A victim's key in its cut chain's name (12 hex digits of its id)."""
    return server_id.replace("-", "")[:12]


def plan(chosen: list[Target], faults: list[str], duration: float, every: float,
         seed: int | None) -> list[tuple[float, Target, str]]:
    rng = random.Random(seed)
    return [(at, rng.choice(chosen), rng.choice(faults))
            for at in [every * k for k in range(1, int(duration // every) + 1)]
            if at < duration] if chosen else []


class Chaos:
    def __init__(self, settings: Any, engine: Any, cloud_id: str, firewall: Firewall,
                 grace: float | None = None, cut_for: float = CUT_FOR) -> None:
        self.settings, self.engine, self.cloud_id = settings, engine, cloud_id
        self.firewall, self.cut_for = firewall, cut_for
        self.prefix = prefix_for(cloud_id)
        self.cuts: dict[str, threading.Timer] = {}  # victim -> the timer that ends its cut
        self._cuts_lock = threading.Lock()
        # how long each victim is watched for its recovery after its fault
        self.grace = max(30.0, 3 * settings.reconcile_interval) if grace is None else grace
        self.stop = threading.Event()
        # one database engine for the run: the watchers read statuses ten times a second
        self.db = create_engine(settings.db_url)

    def _container(self, server_id: str) -> str:
        """The server's container, if it is this cloud's (its label says so)."""
        name = f"cheptel-{server_id}"
        state = self.engine.inspect(name)
        if state is None or state.labels.get("cheptel.cloud") != self.cloud_id:
            raise ValueError(f"server {server_id}: no container of this cloud")
        return name

    def _inject(self, server_id: str, fault: str) -> None:
        name = self._container(server_id)
        if fault == "pause":
            self.engine.pause(name)
        elif fault == "netcut":
            self._cut(server_id)
        else:
            self.engine.stop(name, 0 if fault == "kill" else 10)

    def _cut(self, server_id: str) -> None:
        """Cut the server off for `cut_for` seconds, under this cloud's prefix only."""
        owner = self.firewall.owner(self.prefix)
        if owner not in (None, self.cloud_id):  # the prefix is another cloud's on this host
            raise ValueError(f"the iptables prefix {self.prefix} belongs to cloud {owner}")
        with Session(self.db) as db:
            found = cut_matches(db, self.cloud_id, server_id)
        if not found:
            raise ValueError(f"server {server_id}: no address to cut")
        with self._cuts_lock:
            if server_id in self.cuts:
                raise ValueError(f"server {server_id}: already cut off")
            self.firewall.cut_off(self.prefix, cut_key(server_id), found)
            timer = threading.Timer(self.cut_for, self._reconnect, (server_id,))
            timer.daemon = True
            self.cuts[server_id] = timer
            timer.start()

    def _reconnect(self, server_id: str) -> None:
        with self._cuts_lock:
            timer = self.cuts.pop(server_id, None)
            if timer is not None:
                timer.cancel()
                self.firewall.reconnect(self.prefix, cut_key(server_id))

    def reconnect_all(self) -> list[str]:
        """End every cut now (Ctrl-C, the run's end) and any a killed run left behind;
        the victims whose cut was still on."""
        with self._cuts_lock:
            ended = list(self.cuts)
            for timer in self.cuts.values():
                timer.cancel()
            self.cuts.clear()
            self.firewall.reconnect(self.prefix)
        return ended

    def _status(self, server_id: str) -> str:
        from cheptel.compute.models import Server
        from cheptel.compute.views import status_of

        with Session(self.db) as db:
            s = db.get(Server, server_id)
            return status_of(s) if s is not None else "DELETED"

    def _watch(self, injection: Injection, target: Target, start: float, port: int,
               member: str | None = None) -> None:
        """Until recovered (or the run ends and a grace passes): when cheptel noticed,
        when the probe answered again; a pool's member: when it was ERROR in the pool,
        then ONLINE again."""
        deadline = start + injection.at + self.grace + (
            self.cut_for if injection.fault == "netcut" else 0)
        while time.monotonic() < deadline and not self.stop.is_set():
            now = time.monotonic() - start
            if member is not None:
                with Session(self.db) as db:
                    status = member_status(db, member)
                if injection.detected_after is None and status == "ERROR":
                    injection.detected_after = round(now - injection.at, 3)
                elif injection.detected_after is not None and status == "ONLINE":
                    injection.recovered_after = round(now - injection.at, 3)
                    return
                time.sleep(0.1)
                continue
            # nothing in cheptel watches a server's network: a cut goes unnoticed
            if injection.detected_after is None and injection.fault != "netcut":
                state = self.engine.inspect(f"cheptel-{target.server_id}")
                status = self._status(target.server_id)
                if (injection.fault == "pause" and state is not None
                        and state.status == "running") or (
                        injection.fault != "pause" and status != "ACTIVE"):
                    injection.detected_after = round(now - injection.at, 3)
            if injection.recovered_after is None and target.address and _probe(
                    target.address, port, 0.5):
                injection.recovered_after = round(now - injection.at, 3)
            if injection.recovered_after is not None and injection.detected_after is not None:
                return
            time.sleep(0.1)

    def run(self, project: str, chosen: list[Target], schedule: list[tuple[float, Target, str]],
            duration: float, port: int, faults: list[str],
            say: Callable[[str], None] = lambda _: None,
            pool: PoolTarget | None = None) -> Report:
        """Inject the schedule while probing (each target's floating IP, or the pool's
        load balancer only); `say` hears each step as it happens."""
        report = Report(project, duration, faults, chosen, pool=pool)
        report.probes = {t.server_id: ProbeStats() for t in chosen if t.address}
        if pool is not None:
            report.probes = {THROUGH_LB: ProbeStats()}
        report.started = time.time()
        start = time.monotonic()
        watchers: list[threading.Thread] = []

        def prober() -> None:
            while not self.stop.is_set() and time.monotonic() - start < duration:
                if pool is not None:
                    report.probes[THROUGH_LB].record(time.monotonic() - start,
                                                     _probe(pool.address, port))
                for t in chosen:
                    if t.address:
                        report.probes[t.server_id].record(time.monotonic() - start,
                                                          _probe(t.address, port))
                time.sleep(PROBE_EVERY)

        probe = threading.Thread(target=prober, name="chaos-probe", daemon=True)
        if "netcut" in faults:  # a killed run's cuts end before this one starts
            self.firewall.reconnect(self.prefix)
        probe.start()
        paused: list[str] = []
        try:
            for at, target, fault in schedule:
                while time.monotonic() - start < at:
                    if self.stop.wait(0.05):
                        raise KeyboardInterrupt
                injection = Injection(round(time.monotonic() - start, 3), target.server_id,
                                      fault)
                try:
                    self._inject(target.server_id, fault)
                except Exception as exc:  # noqa: BLE001 - a victim already down: said, skipped
                    report.left.append(f"{fault} of {target.name} not injected: {exc}")
                    say(f"t+{injection.at:5.1f}s {fault} of {target.name}: not injected: {exc}")
                    continue
                say(f"t+{injection.at:5.1f}s {fault} {target.name}")
                if fault == "pause":
                    paused.append(target.server_id)
                report.injections.append(injection)
                member = None if pool is None else pool.members.get(target.server_id)
                w = threading.Thread(target=self._watch, daemon=True,
                                     args=(injection, target, start, port, member))
                w.start()
                watchers.append(w)
            say(f"faults done; probing until t+{duration:.0f}s, then watching the victims")
            while time.monotonic() - start < duration and not self.stop.wait(0.1):
                pass
        except KeyboardInterrupt:
            report.stopped_early = True
            self.stop.set()
        finally:
            if self.stop.is_set():  # no cut outlives an interrupted run
                report.left += [f"network of {sid} restored early (run stopped)"
                                for sid in self.reconnect_all()]
        probe.join()
        for w in watchers:
            w.join()
        report.left += [f"network of {sid} restored late (its watch ended first)"
                        for sid in self.reconnect_all()]
        for p in report.probes.values():
            p.close(time.monotonic() - start)
        for sid in paused:  # undo what the reconciler did not (Ctrl-C, a stopped serve)
            try:
                name = self._container(sid)
                state = self.engine.inspect(name)
                if state is not None and state.status == "paused":
                    self.engine.unpause(name)
                    report.left.append(f"unpaused {sid} (the reconciler had not)")
            except Exception:  # noqa: BLE001 - gone meanwhile: nothing to undo
                pass
        self._leftovers(report)
        self.db.dispose()
        return report

    def _leftovers(self, report: Report) -> None:
        from cheptel.status import counts

        for t in report.targets:
            status = self._status(t.server_id)
            state = self.engine.inspect(f"cheptel-{t.server_id}")
            if status != "ACTIVE":
                report.left.append(f"{t.name} is {status}")
            elif state is None or state.status != "running":
                report.left.append(f"{t.name} is ACTIVE but its container is "
                                   f"{state.status if state else 'gone'}")
        with Session(self.db) as db:
            _, stuck = counts(db, time.time() + 1e9)  # any transitional status now
        report.left += [f"in transition: {s.split(' since ')[0]}" for s in stuck]
        if report.pool is not None:
            with Session(self.db) as db:
                report.left += pool_leftovers(db, report.pool)


def save(report: Report, data_dir: Path) -> Path:
    where = data_dir / "chaos"
    where.mkdir(parents=True, exist_ok=True)
    path = where / time.strftime("%Y%m%dT%H%M%S.json", time.gmtime())
    path.write_text(json.dumps(report.as_dict(), indent=1))
    return path
