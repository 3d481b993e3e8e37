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
from cheptel.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    Router,
    SecurityGroup,
    SecurityGroupRule,
)
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


def container_of(device_owner: str, device_id: str, project_id: str,
                 servers: Mapping[str, str]) -> str | None:
    """The container a port (its device_owner, device_id and project_id columns) is wired
    to: its server's, when the port is a compute port of that server's own project
    (servers: live server id -> project id). A port naming another project's server is no
    NIC of it, whoever wrote the row."""
    if device_owner.startswith(COMPUTE) and device_id and (
            servers.get(device_id) == project_id):
        return f"cheptel-{device_id}"
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
            # one listing, then only what it lacks is made (a create asks the engine
            # about its network first: two calls per network at every pass otherwise)
            listed: dict[str | None, str] = {
                network_of(self.deps.cloud_id, name): name
                for name in self.engine.list_networks(self.deps.cloud_id)}
            made: set[str] = set()
            for net in wanted.values():
                if net.id in listed:
                    continue
                try:
                    self._ensure(net)
                    made.add(net.id)
                except EngineError as exc:
                    log.warning("network %s: %s", net.id, exc)
            for net_id, name in listed.items():
                if net_id not in wanted:
                    try:
                        self.engine.remove_network(name)
                    except EngineError as exc:  # still has endpoints: next pass
                        log.info("network %s not removed yet: %s", name, exc)
            # what the engine listed or this pass made (one removed behind our back is not)
            self._made = frozenset({n for n in listed if n in wanted} | made)
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
        IPs mapped are ACTIVE.

        Read as plain columns, again here (the API may have changed a port since _read);
        only the rows whose status or binding must change are loaded and written: a
        periodic pass over an unchanged cloud writes nothing."""
        wired = {p.id for p in state.ports if p.veth}
        now = self.deps.clock()
        with self.deps.sessions() as db, db.begin():
            servers = server_projects(db)
            for row in db.execute(select(Port.id, Port.device_owner, Port.device_id,
                                         Port.project_id, Port.status,
                                         Port.binding_host_id)):
                port_id, owner, device, project, current, host = row
                bind = False
                if container_of(owner, device, project, servers) is not None:
                    status = "ACTIVE" if port_id in wired else "DOWN"
                    bind = port_id in wired and host != self.hostname
                elif owner.startswith("network:"):
                    status = "ACTIVE"
                else:
                    continue
                if current == status and not bind:
                    continue
                port = db.get(Port, port_id)
                if port is None:
                    continue
                if bind:
                    port_service.bind(port, self.hostname, self.hostname)
                    port.updated_at = now
                if port.status != status:
                    port.status, port.updated_at = status, now
            fips = db.execute(select(FloatingIP.id, FloatingIP.port_id, FloatingIP.status))
            for fip_id, port_id, current in fips:
                status = "ACTIVE" if port_id else "DOWN"
                if current != status:
                    fip = db.get(FloatingIP, fip_id)
                    if fip is not None:
                        fip.status, fip.updated_at = status, now

    def _veth(self, port_id: str, container: str, ip: str) -> str | None:
        """The port's host veth: the last one found, while it exists (until forget()).

        None while it is not found (the container is not running, or the lookup failed):
        the ruleset then drops whatever comes from that port (rules.py, S<network>)."""
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
                            "is dropped until it is", port_id, exc)
                veth = None
            if veth:
                self._veths[key] = veth
        return veth

    def forget(self, server_id: str) -> None:
        """A server's container was removed or restarted: its veths will change."""
        for key in [k for k in self._veths if k[0] == f"cheptel-{server_id}"]:
            del self._veths[key]

    def _read(self, db: Session) -> tuple[rules.NetworkState, dict[str, Network]]:
        """The network intent, as plain columns: a periodic pass over 1,000 ports builds
        no ORM object per port (that alone held the GIL for most of a second)."""
        state = rules.NetworkState()
        nets = list(db.scalars(select(Network).options(selectinload(Network.subnets))))
        wanted = {}
        for net in nets:
            subnet = _ipv4(net)
            if subnet is not None:
                wanted[net.id] = net
                state.nets[net.id] = rules.Net(net.id, bridge_for(self.deps.cloud_id, net.id),
                                               subnet.cidr)
        group_projects: dict[str, str] = dict(
            db.execute(select(SecurityGroup.id, SecurityGroup.project_id)).tuples().all())
        for group_id in group_projects:
            state.groups[group_id] = []
        sgr = SecurityGroupRule
        for gid, *fields in db.execute(select(
                sgr.security_group_id, sgr.direction, sgr.ethertype, sgr.protocol,
                sgr.port_range_min, sgr.port_range_max, sgr.remote_ip_prefix,
                sgr.remote_group_id).order_by(sgr.created_at)):
            remote = fields[-1]
            # a rule may only name a group of its own group's project as its remote
            if gid in state.groups and (remote is None or group_projects.get(remote)
                                        == group_projects[gid]):
                state.groups[gid].append(rules.SGRule(*fields))
        servers = server_projects(db)
        fixed: dict[str, list[tuple[int, str]]] = {}
        for port_id, ip, position in db.execute(select(
                IPAllocation.port_id, IPAllocation.ip_address, IPAllocation.position)):
            fixed.setdefault(port_id, []).append((position, ip))
        addresses = {port_id: [ip for _, ip in sorted(ips)] for port_id, ips in fixed.items()}
        bindings: dict[str, list[str]] = {}
        for port_id, group_id in db.execute(select(PortSecurityGroup.port_id,
                                                   PortSecurityGroup.security_group_id)):
            bindings.setdefault(port_id, []).append(group_id)
        router_list = db.execute(select(Router.id, Router.project_id, Router.gw_port_id,
                                        Router.enable_snat)).tuples().all()
        router_projects = {r[0]: r[1] for r in router_list}
        router_ifaces: dict[str, list[str]] = {}
        port_rows: dict[str, tuple[str, str]] = {}  # id -> (network, project)
        for (port_id, network_id, owner, device, project, mac, secured,
             pairs) in db.execute(select(
                Port.id, Port.network_id, Port.device_owner, Port.device_id,
                Port.project_id, Port.mac_address, Port.port_security_enabled,
                Port.allowed_address_pairs)):
            port_rows[port_id] = (network_id, project)
            if owner == "network:router_interface" and (
                    router_projects.get(device) == project):
                router_ifaces.setdefault(device, []).append(network_id)
            container = container_of(owner, device, project, servers)
            ips = [ip for ip in addresses.get(port_id, []) if ":" not in ip]
            if container is None or not ips:
                continue
            # only groups of the port's own project filter it or count it as a member
            groups = tuple(g for g in bindings.get(port_id, [])
                           if group_projects.get(g) == project)
            for group_id in groups:
                state.members.setdefault(group_id, []).extend(ips)
            state.ports.append(rules.PortState(
                port_id, network_id, ips[0], mac, self._veth(port_id, container, ips[0]),
                groups, bool(secured),
                tuple((p["ip_address"], p.get("mac_address")) for p in pairs or [])))
        for router_id, _, gw_port_id, snat in router_list:
            gw = port_rows.get(gw_port_id) if gw_port_id else None
            gw_ips = addresses.get(gw_port_id or "", [])
            state.routers.append(rules.RouterState(
                gw[0] if gw else None, gw_ips[0] if gw and gw_ips else None, bool(snat),
                tuple(router_ifaces.get(router_id, []))))
        for address, fixed_ip, external, port_id, project in db.execute(select(
                FloatingIP.floating_ip_address, FloatingIP.fixed_ip_address,
                FloatingIP.floating_network_id, FloatingIP.port_id,
                FloatingIP.project_id).where(FloatingIP.port_id.is_not(None))):
            inner = port_rows.get(port_id)
            # a floating IP maps only to an address of a port of its own project
            if inner is not None and fixed_ip and inner[1] == project and (
                    fixed_ip in addresses.get(port_id, [])):
                state.floating.append(rules.FloatingState(address, fixed_ip, external,
                                                          inner[0]))
        return state, wanted

    def clear(self) -> None:
        """Remove every rule of this cloud (used when the last network is gone, and tests)."""
        self.deps.firewall.clear(self.prefix)
