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
cloud's own iptables prefix, which `cheptel teardown` removes too; then restored);
`dockerd`, only when asked by name (it shakes the whole host): the container engine
restarted (cheptel.backends.dockerd; refused unless it runs with live restore, so the
containers keep running), noticed when it answers again. The
probe opens an HTTP request to each target's floating IP on `--port` every 0.25 s (any
HTTP answer is up).

The report (printed, and saved as DATA_DIR/chaos/<time>.json): requests tried and
failed, availability, the longest outage per target, and per fault the time until
cheptel noticed it (the container back running, or the server's status changed) and
until the probe answered again; then what was left behind: servers not ACTIVE that
were, containers not running, stuck statuses.

`--pool` (cheptel.chaos_pool): the victims are the project's servers that are a load
balancer pool's members, the probe is the load balancer's VIP (through its floating IP),
and a fault is noticed when the member is ERROR in the pool, back when it is ONLINE.
`--scaling-group STACK/RESOURCE` (cheptel.chaos_group): the victims are a Heat group's
servers, drawn at each injection, and a kill or stop is watched until the group has
replaced its victim. In both, the victims are read again at each injection (cheptel
.chaos_report holds the report)."""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cheptel.backends.firewall import Firewall, prefix_for
from cheptel.chaos_pool import PoolTarget, member_status, pool_leftovers
from cheptel.chaos_report import THROUGH_LB, Injection, ProbeStats, Report, Target, save

if TYPE_CHECKING:
    from cheptel.chaos_group import GroupRun

__all__ = ["THROUGH_LB", "Injection", "ProbeStats", "Report", "Target", "save"]
FAULTS = ("pause", "kill", "stop", "netcut", "dockerd")  # dockerd: only when named
ENGINE = Target("", "the container engine", None)  # a dockerd fault's "victim"
Pick = Callable[[Target | None], Target | None]  # the victim at injection time
PROBE_EVERY = 0.25
MIN_EVERY = 2.0
CUT_FOR = 5.0  # a netcut's default length, seconds
MAX_CUT = 300.0


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
    from cheptel.reconciler.wiring import bridge_for

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
         seed: int | None, later: bool = False) -> list[tuple[float, Target | None, str]]:
    """When, what and on whom; `later`: the victims drawn at injection time (None here)."""
    rng = random.Random(seed)
    out: list[tuple[float, Target | None, str]] = []
    for at in [every * k for k in range(1, int(duration // every) + 1)]:
        if at < duration and chosen:
            victim = None if later else rng.choice(chosen)
            fault = rng.choice(faults)
            out.append((at, ENGINE if fault == "dockerd" else victim, fault))
    return out


class Chaos:
    def __init__(self, settings: Any, engine: Any, cloud_id: str, firewall: Firewall,
                 grace: float | None = None, cut_for: float = CUT_FOR,
                 restart_engine: Callable[[], object] | None = None) -> None:
        from cheptel.backends import dockerd

        self.settings, self.engine, self.cloud_id = settings, engine, cloud_id
        self.restart_engine = restart_engine or dockerd.restart
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
        if fault == "dockerd":
            if not self.engine.host_info().get("live_restore"):
                raise ValueError("the engine runs without live restore: its restart would "
                                 "stop every container")
            self.restart_engine()
            return
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

    def _watch_engine(self, injection: Injection, start: float, port: int,
                      addresses: list[str]) -> None:
        """A dockerd restart: when the engine answered again, then every probed address
        (the VIP; the ACTIVE targets' floating IPs) at once."""
        deadline = start + injection.at + self.grace
        while time.monotonic() < deadline and not self.stop.is_set():
            now = round(time.monotonic() - start - injection.at, 3)
            if injection.detected_after is None:
                try:
                    self.engine.host_info()
                    injection.detected_after = now
                except Exception:  # noqa: BLE001 - not answering yet, whatever the error
                    pass
            if injection.recovered_after is None and all(
                    _probe(a, port, 0.5) for a in addresses):
                injection.recovered_after = now
            if injection.recovered_after is not None and injection.detected_after is not None:
                return
            self.stop.wait(0.1)

    def _victim(self, planned: Target | None, fault: str, pick: Pick | None
                ) -> Target | None:
        if fault == "dockerd":
            return ENGINE
        return planned if pick is None else pick(planned)

    def _watcher(self, injection: Injection, target: Target, start: float, port: int,
                 pool: PoolTarget | None, group: GroupRun | None,
                 chosen: list[Target]) -> threading.Thread:
        if injection.fault == "dockerd":
            addresses = [pool.address] if pool is not None else [
                t.address for t in (chosen if group is None else group.members(True))
                if t.address and self._status(t.server_id) == "ACTIVE"]
            args: tuple[Any, ...] = (self._watch_engine, injection, start, port, addresses)
        elif group is not None and injection.fault in ("kill", "stop"):
            args = (group.watch, self, injection, start)
        else:
            member = None if pool is None else pool.members.get(target.server_id)
            args = (self._watch, injection, target, start, port, member)
        w = threading.Thread(target=args[0], args=args[1:], daemon=True)
        w.start()
        return w

    def run(self, project: str, chosen: list[Target],
            schedule: list[tuple[float, Target | None, str]],
            duration: float, port: int, faults: list[str],
            say: Callable[[str], None] = lambda _: None,
            pool: PoolTarget | None = None, pick: Pick | None = None,
            group: GroupRun | None = None) -> Report:
        """Inject the schedule while probing (each target's floating IP, or the pool's
        load balancer only); `say` hears each step as it happens. `pick` draws each
        victim when it is injected (the victims read again); `group`: a scaling group's
        run (its members probed as they change, its kills watched until replaced)."""
        report = Report(project, duration, faults, list(chosen), pool=pool,
                        group=None if group is None else group.where)
        report.probes = {t.server_id: ProbeStats() for t in chosen if t.address}
        if pool is not None:
            report.probes = {THROUGH_LB: ProbeStats()}
        report.started = time.time()
        start = time.monotonic()
        watchers: list[threading.Thread] = []

        def known(t: Target) -> None:
            if all(t.server_id != k.server_id for k in report.targets):
                report.targets.append(t)

        def prober() -> None:
            probed, read = [t for t in chosen if t.address], time.monotonic()
            while not self.stop.is_set() and time.monotonic() - start < duration:
                if pool is not None:
                    report.probes[THROUGH_LB].record(time.monotonic() - start,
                                                     _probe(pool.address, port))
                elif group is not None and time.monotonic() - read > 1:
                    probed, read = [t for t in group.members() if t.address], time.monotonic()
                for t in probed if pool is None else []:
                    known(t)
                    report.probes.setdefault(t.server_id, ProbeStats()).record(
                        time.monotonic() - start, _probe(str(t.address), port))
                time.sleep(PROBE_EVERY)

        probe = threading.Thread(target=prober, name="chaos-probe", daemon=True)
        if "netcut" in faults:  # a killed run's cuts end before this one starts
            self.firewall.reconnect(self.prefix)
        probe.start()
        paused: list[str] = []
        try:
            for at, planned, fault in schedule:
                while time.monotonic() - start < at:
                    if self.stop.wait(0.05):
                        raise KeyboardInterrupt
                try:
                    target = self._victim(planned, fault, pick)
                except Exception as exc:  # noqa: BLE001 - the database busy: said, skipped
                    target, why = None, f"victims not read: {exc}"
                else:
                    why = "no ACTIVE victim"
                if target is None:
                    report.left.append(f"{fault} at t+{at:.0f}s not injected: {why}")
                    say(f"t+{at:5.1f}s {fault}: not injected: {why}")
                    continue
                if target is not ENGINE:
                    known(target)
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
                watchers.append(self._watcher(injection, target, start, port, pool, group,
                                              chosen))
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
        self._leftovers(report, group)
        self.db.dispose()
        return report

    def _leftovers(self, report: Report, group: GroupRun | None = None) -> None:
        """Servers not ACTIVE or not running (a group's: its members now; its killed
        victims are gone, replaced), anything in transition, a pool not ACTIVE."""
        from cheptel.status import counts

        for t in report.targets if group is None else group.members():
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
        if group is not None:
            report.left += group.leftovers()


