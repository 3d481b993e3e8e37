"""Converging the network dataplane: Docker bridge networks and one iptables ruleset.

The whole network intent of the cloud is read in one pass and turned into (1) a Docker
bridge network per Neutron network that has an IPv4 subnet, named `cheptel-net-<id>` on
the bridge the row names, and (2) the ruleset of cheptel.reconciler.rules, applied in one
iptables-restore. A pass is cheap at this scale, so every change (and the periodic pass,
and the start) simply runs it again: a restart of cheptel, of dockerd or of the host
rebuilds the same state from the database.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cheptel.backends.engine import LABEL_CLOUD, EngineError
from cheptel.backends.firewall import FirewallError, Ruleset, prefix_for
from cheptel.compute.models import Server
from cheptel.network.models import FloatingIP, Network, Port, Router, SecurityGroup
from cheptel.network.service import ports as port_service
from cheptel.network.service.common import compute_host_name
from cheptel.network.service.ipam import gateway_on_subnet
from cheptel.reconciler import WHOLE, rules

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.reconciler.network")
COMPUTE = "compute:"


def engine_network(cloud_id: str, network_id: str) -> str:
    """The engine's name for a network: clouds sharing an engine may reuse network ids."""
    return f"cheptel-{cloud_id[:8]}-{network_id}"


def bridge_for(cloud_id: str, network_id: str) -> str:
    """The Linux bridge of a network: unique on the host (15 characters at most)."""
    return "cb" + hashlib.sha256(f"{cloud_id}/{network_id}".encode()).hexdigest()[:13]


def network_of(cloud_id: str, engine_name: str) -> str | None:
    prefix = f"cheptel-{cloud_id[:8]}-"
    return engine_name[len(prefix):] if engine_name.startswith(prefix) else None


def container_of(port: Port, servers: Mapping[str, str]) -> str | None:
    """The container a port is wired to: its server's, when the port is a compute port of
    that server's own project (servers: live server id -> project id). A port naming
    another project's server is no NIC of it, whoever wrote the row."""
    if port.device_owner.startswith(COMPUTE) and port.device_id and (
            servers.get(port.device_id) == port.project_id):
        return f"cheptel-{port.device_id}"
    return None


def server_projects(db: Session) -> dict[str, str]:
    """Live server id -> its project (what container_of checks ports against)."""
    rows = db.execute(select(Server.id, Server.project_id).where(Server.deleted.is_(False)))
    return {server_id: project_id for server_id, project_id in rows}


def _ipv4(network: Network):  # type: ignore[no-untyped-def]
    return next((s for s in network.subnets if s.ip_version == 4), None)


class NetworkConverger:
    """The network service's converger (Service.converger): the whole dataplane at once,
    under the one key WHOLE."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._lock = threading.Lock()
        self._veths: dict[tuple[str, str], str] = {}  # (container, ip) -> host veth
        self._made: frozenset[str] = frozenset()  # ensured in the engine, not removed since
        self._built: tuple[rules.NetworkState, Ruleset] | None = None  # the last build
        self._hostname: str | None = None

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.deps.containers

    @property
    def hostname(self) -> str:
        """This compute host's name (asked of the engine once)."""
        if self._hostname is None:
            self._hostname = compute_host_name(self.engine)
        return self._hostname

    @property
    def prefix(self) -> str:
        return prefix_for(self.deps.cloud_id)

    def ensure_networks(self, network_ids: set[str]) -> None:
        """Make sure these networks exist in the engine (before a server attaches).

        Serialised with the periodic pass: two creates of one network race in the engine.
        A network this converger made and has not removed since is not waited for: a boot
        does not queue behind a whole pass (its ruleset) to learn what it already knows."""
        if network_ids <= self._made:
            return
        with self._lock, self.deps.sessions() as db:
            nets = db.scalars(select(Network).where(Network.id.in_(network_ids))
                              .options(selectinload(Network.subnets)))
            for net in nets:
                self._ensure(net)

    def _ensure(self, net: Network) -> None:
        subnet = _ipv4(net)
        if subnet is None:
            return
        self.engine.create_network(engine_network(self.deps.cloud_id, net.id),
                                   bridge_for(self.deps.cloud_id, net.id), subnet.cidr,
                                   gateway_on_subnet(subnet.cidr, subnet.gateway_ip),
                                   {LABEL_CLOUD: self.deps.cloud_id, "cheptel.network": net.id})
        self._made = self._made | {net.id}  # replaced, never changed: read without the lock

    def scan(self, first: bool) -> list[str]:
        """Every periodic pass rebuilds the dataplane (cheap at this scale)."""
        return [WHOLE]

    def converge(self, key: str = WHOLE) -> bool:
        """Build the whole dataplane (every key is the whole); never again at once."""
        with self._lock:
            with self.deps.sessions() as db:
                state, wanted = self._read(db)
            for net in wanted.values():
                try:
                    self._ensure(net)
                except EngineError as exc:
                    log.warning("network %s: %s", net.id, exc)
            present: set[str | None] = set()
            for name in self.engine.list_networks(self.deps.cloud_id):
                present.add(network_of(self.deps.cloud_id, name))
                if network_of(self.deps.cloud_id, name) not in wanted:
                    try:
                        self.engine.remove_network(name)
                    except EngineError as exc:  # still has endpoints: next pass
                        log.info("network %s not removed yet: %s", name, exc)
            self._made = self._made & present & set(wanted)  # one removed behind our back
            try:
                if state.nets:
                    self.deps.firewall.apply(self._ruleset(state))
                else:  # nothing left: not a rule, not a jump of this cloud's remains
                    self.deps.firewall.clear(self.prefix)
            except FirewallError as exc:
                log.error("applying the ruleset failed: %s", exc)
                return False
            self._write_status(state)
        return False

    def _ruleset(self, state: rules.NetworkState) -> Ruleset:
        """rules.build, again only when the state changed: its remote-group rules grow
        with members x members (a million lines for 1,000 ports in one group), seconds of
        CPU holding the GIL against the API at every periodic pass otherwise."""
        if self._built is None or self._built[0] != state:
            self._built = (state, rules.build(state, self.prefix))
        return self._built[1]

    def _write_status(self, state: rules.NetworkState) -> None:
        """Ports wired to a running container are ACTIVE and bound to this host (their
        binding:host_id, as Nova binds a server's ports to its compute host); floating
        IPs mapped are ACTIVE."""
        wired = {p.id for p in state.ports if p.veth}
        now = self.deps.clock()
        with self.deps.sessions() as db, db.begin():
            servers = server_projects(db)
            for port in db.scalars(select(Port)):
                if container_of(port, servers) is not None:
                    status = "ACTIVE" if port.id in wired else "DOWN"
                    if port.id in wired and port.binding_host_id != self.hostname:
                        port_service.bind(port, self.hostname, self.hostname)
                        port.updated_at = now
                elif port.device_owner.startswith("network:"):
                    status = "ACTIVE"
                else:
                    continue
                if port.status != status:
                    port.status, port.updated_at = status, now
            for fip in db.scalars(select(FloatingIP)):
                status = "ACTIVE" if fip.port_id else "DOWN"
                if fip.status != status:
                    fip.status, fip.updated_at = status, now

    def _veth(self, port: Port, ip: str, servers: Mapping[str, str]) -> str | None:
        """The port's host veth: the last one found, while it exists (until forget()).

        None while it is not found (the container is not running, or the lookup failed):
        the ruleset then drops whatever comes from that port (rules.py, S<network>)."""
        container = container_of(port, servers)
        if container is None:
            return None
        key = (container, ip)
        veth = self._veths.get(key)
        if veth is not None and not self.engine.interface_exists(veth):
            del self._veths[key]  # restarted, behind cheptel's back too: a new veth
            veth = None
        if veth is None:
            try:
                veth = self.engine.host_interface(container, ip)
            except Exception as exc:  # nsenter or ip failing or timing out: fail closed
                log.warning("port %s: its host interface was not found (%s): its traffic "
                            "is dropped until it is", port.id, exc)
                veth = None
            if veth:
                self._veths[key] = veth
        return veth

    def forget(self, server_id: str) -> None:
        """A server's container was removed or restarted: its veths will change."""
        for key in [k for k in self._veths if k[0] == f"cheptel-{server_id}"]:
            del self._veths[key]

    def _read(self, db: Session) -> tuple[rules.NetworkState, dict[str, Network]]:
        state = rules.NetworkState()
        nets = list(db.scalars(select(Network).options(selectinload(Network.subnets))))
        wanted = {}
        for net in nets:
            subnet = _ipv4(net)
            if subnet is not None:
                wanted[net.id] = net
                state.nets[net.id] = rules.Net(net.id, bridge_for(self.deps.cloud_id, net.id),
                                               subnet.cidr)
        group_projects: dict[str, str] = {}
        for group in db.scalars(select(SecurityGroup)):
            group_projects[group.id] = group.project_id
            state.groups[group.id] = [rules.SGRule(
                r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max,
                r.remote_ip_prefix, r.remote_group_id) for r in group.rules]
        for group_id, group_rules in state.groups.items():
            # a rule may only name a group of its own group's project as its remote
            state.groups[group_id] = [r for r in group_rules if r.remote_group_id is None
                                      or group_projects.get(r.remote_group_id)
                                      == group_projects[group_id]]
        servers = server_projects(db)
        router_list = list(db.scalars(select(Router)))
        router_projects = {r.id: r.project_id for r in router_list}
        ports = list(db.scalars(select(Port)))
        router_ifaces: dict[str, list[str]] = {}
        for port in ports:
            ips = [a.ip_address for a in sorted(port.fixed_ips, key=lambda a: a.position)
                   if ":" not in a.ip_address]
            if port.device_owner == "network:router_interface" and (
                    router_projects.get(port.device_id) == port.project_id):
                router_ifaces.setdefault(port.device_id, []).append(port.network_id)
            if container_of(port, servers) is None or not ips:
                continue
            # only groups of the port's own project filter it or count it as a member
            groups = tuple(b.security_group_id for b in port.sg_bindings
                           if group_projects.get(b.security_group_id) == port.project_id)
            for group_id in groups:
                state.members.setdefault(group_id, []).extend(ips)
            pairs = tuple((p["ip_address"], p.get("mac_address"))
                          for p in port.allowed_address_pairs or [])
            state.ports.append(rules.PortState(
                port.id, port.network_id, ips[0], port.mac_address,
                self._veth(port, ips[0], servers),
                groups, bool(port.port_security_enabled), pairs))
        for router in router_list:
            gw = router.gw_port
            gw_ip = next((a.ip_address for a in gw.fixed_ips), None) if gw else None
            state.routers.append(rules.RouterState(
                gw.network_id if gw else None, gw_ip, bool(router.enable_snat),
                tuple(router_ifaces.get(router.id, []))))
        for fip in db.scalars(select(FloatingIP).where(FloatingIP.port_id.is_not(None))):
            inner = db.get(Port, fip.port_id)
            # a floating IP maps only to an address of a port of its own project
            if inner is not None and fip.fixed_ip_address and (
                    inner.project_id == fip.project_id) and any(
                    a.ip_address == fip.fixed_ip_address for a in inner.fixed_ips):
                state.floating.append(rules.FloatingState(
                    fip.floating_ip_address, fip.fixed_ip_address, fip.floating_network_id,
                    inner.network_id))
        return state, wanted

    def clear(self) -> None:
        """Remove every rule of this cloud (used when the last network is gone, and tests)."""
        self.deps.firewall.clear(self.prefix)
