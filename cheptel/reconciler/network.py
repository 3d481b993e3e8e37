"""Converging the network dataplane: bridges, veths and one iptables ruleset.

The whole network intent of the cloud is read in one pass and turned into (1) a Linux
bridge per Neutron network that has a subnet, IPv4 or IPv6 (wiring.bridge_for: named by the
cloud and the network, tagged with both), holding no host address but an external
network's IPv4 gateway (the host is the external network's upstream), (2) the wiring of
every running server's ports (cheptel.backends.plumbing: a veth per port, its container
end in the container's namespace with the port's MAC, first IPv4 address, IPv6
addresses, MTU and routes; the containers themselves have the engine's network mode
`none`), (3) a network namespace per router (cheptel.reconciler.routers: its
interfaces, gateway, routes and NAT) and per load balancer's VIP
(cheptel.reconciler.vips: its veth, as a port), and (4) the host's ruleset of
cheptel.reconciler.rules, applied in one iptables-restore and one ip6tables-restore. A
pass is cheap at this scale, so every change (and the periodic pass, and the start)
simply runs it again: a restart of cheptel, of dockerd, of a container or of the host
rebuilds the same state from the database (a container whose veths are gone is plumbed
again).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cheptel.backends.engine import EngineError
from cheptel.backends.firewall import FirewallError, Ruleset, prefix_for
from cheptel.backends.plumbing import (
    Bridge,
    Nic,
    PlumbingError,
    RouterNamespace,
    host_veth,
)
from cheptel.compute.metadata_service import MetadataService
from cheptel.compute.models import Server
from cheptel.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    SecurityGroup,
    SecurityGroupRule,
)
from cheptel.network.service import ports as port_service
from cheptel.network.service.common import compute_host_name
from cheptel.network.service.ipam import gateway_on_subnet
from cheptel.reconciler import WHOLE, routers, rules, vips
from cheptel.reconciler.wiring import (
    bridge_for,
    container_of,
    nic_of_row,
    nic_rows,
    server_projects,
)

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.reconciler.network")
def _ipv4(network: Network):  # type: ignore[no-untyped-def]
    return next((s for s in network.subnets if s.ip_version == 4), None)


def has_bridge(network: Network) -> bool:
    """A network with a subnet of either version has a bridge (an IPv6-only one too)."""
    return bool(network.subnets)


class NetworkConverger:
    """The network service's converger (Service.converger): the whole dataplane at once,
    under the one key WHOLE."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._lock = threading.Lock()
        self._wire_lock = threading.Lock()  # plumbing a container: a pass or a boot
        # container -> (pid, the NICs it was plumbed with): while its veths exist, done
        self._wired: dict[str, tuple[int, tuple[Nic, ...]]] = {}
        self._made: frozenset[str] = frozenset()  # bridges ensured, not removed since
        self._specs: dict[str, Bridge] = {}  # network -> the bridge last ensured
        self._built: tuple[rules.NetworkState, Ruleset] | None = None  # the last build
        self._routers: dict[str, RouterNamespace] = {}  # namespace -> as ensured
        self._vips: dict[str, RouterNamespace] = {}  # load balancers' namespaces, the same
        self.metadata = MetadataService(deps)  # 169.254.169.254 in every router namespace
        self._hostname: str | None = None
        self._legacy_checked = False

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.deps.containers

    @property
    def plumbing(self):  # type: ignore[no-untyped-def]
        return self.deps.plumbing

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
        """Make sure these networks' bridges exist (before a server is plumbed to them).

        A bridge this converger made and has not removed since is not waited for: a boot
        does not queue behind a whole pass (its ruleset) to learn what it already knows."""
        if network_ids <= self._made:
            return
        with self._lock, self.deps.sessions() as db:
            nets = db.scalars(select(Network).where(Network.id.in_(network_ids))
                              .options(selectinload(Network.subnets)))
            for net in nets:
                self._ensure(net)

    def _bridge(self, net: Network) -> Bridge | None:
        if not has_bridge(net):
            return None
        # only an external network's bridge holds an address on the host (its IPv4
        # gateway): a tenant network's gateway is its router's, in the router's namespace
        subnet = _ipv4(net)
        gateway = gateway_on_subnet(subnet.cidr, subnet.gateway_ip) if (
            net.external and subnet is not None) else None
        address = f"{gateway}/{subnet.cidr.split('/')[1]}" if gateway and subnet else None
        return Bridge(bridge_for(self.deps.cloud_id, net.id), self.deps.cloud_id, net.id,
                      address, net.mtu or 1500)

    def _ensure(self, net: Network) -> None:
        bridge = self._bridge(net)
        if bridge is None:
            return
        self.plumbing.ensure_bridge(bridge)
        self._specs[net.id] = bridge
        self._made = self._made | {net.id}  # replaced, never changed: read without the lock

    def scan(self, first: bool) -> list[str]:
        """Every periodic pass rebuilds the dataplane (cheap at this scale)."""
        return [WHOLE]

    def _remove_legacy(self) -> None:
        """The engine networks a cheptel before issue 17 made (its containers were wired
        by Docker): removed once, when no container uses them any more (else next pass)."""
        try:
            names = self.engine.list_networks(self.deps.cloud_id)
        except EngineError as exc:
            log.info("the engine's networks could not be listed: %s", exc)
            return
        left = False
        for name in names:
            try:
                self.engine.remove_network(name)
            except EngineError as exc:
                left = True
                log.info("legacy network %s not removed yet: %s", name, exc)
        self._legacy_checked = not left

    def converge(self, key: str = WHOLE) -> bool:
        """Build the whole dataplane (every key is the whole); never again at once."""
        with self._lock:
            if not self._legacy_checked:
                self._remove_legacy()
            with self.deps.sessions() as db:
                nets = list(db.scalars(select(Network).options(
                    selectinload(Network.subnets))))
            wanted = {n.id: n for n in nets if has_bridge(n)}
            # one listing, then only what it lacks is made
            listed = {net_id: name for name, net_id in
                      self.plumbing.bridges(self.deps.cloud_id).items()}
            made: set[str] = set()
            for net in wanted.values():
                if net.id in listed and self._specs.get(net.id) == self._bridge(net):
                    continue  # as made (a new gateway or MTU: made again)
                try:  # a bridge of a former process is brought to the spec once
                    self._ensure(net)
                    made.add(net.id)
                except PlumbingError as exc:
                    log.warning("network %s: %s", net.id, exc)
            for net_id, name in listed.items():
                if net_id not in wanted:
                    try:
                        self.plumbing.remove_bridge(name)
                    except PlumbingError as exc:
                        log.info("bridge %s not removed yet: %s", name, exc)
            # what was listed or this pass made (one removed behind our back is not)
            self._made = frozenset({n for n in listed if n in wanted} | made)
            remade = {bridge_for(self.deps.cloud_id, n) for n in made - set(listed)}
            with self._wire_lock:  # a new bridge has no port: plumbed onto it again
                for container, (_, wired) in list(self._wired.items()):
                    if any(nic.bridge in remade for nic in wired):
                        del self._wired[container]
            for cache in (self._routers, self._vips):  # their veths too
                for name in [n for n, s in cache.items() if any(
                        p.bridge in remade for p in s.ports)]:
                    del cache[name]
            with self.deps.sessions() as db:
                state, nics = self._read(db, wanted)
                bridges = {n: b.bridge for n, b in state.nets.items()}
                mtus = {n.id: n.mtu or 1500 for n in wanted.values()}
                spaces, state.router_ports = routers.read(db, self.deps.cloud_id, bridges,
                                                          mtus)
                balancers = vips.read(db, self.deps.cloud_id, bridges, mtus)
            cloud = self.deps.cloud_id
            routers.ensure(self.plumbing, spaces, self.plumbing.routers(cloud), self._routers,
                           self.metadata.forget)  # its socket would keep it alive
            routers.ensure(self.plumbing, balancers, self.plumbing.balancers(cloud), self._vips)
            self.metadata.ensure({name: space.router_id for name, space in
                                  self._routers.items()})
            state = self._wire_all(state, nics)
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

    def _wire_all(self, state: rules.NetworkState,
                  nics: dict[str, list[Nic]]) -> rules.NetworkState:
        """Plumb every container whose NICs are not all in place; a port is known to the
        ruleset (its veth) only once its container is plumbed: until then whatever comes
        from it is dropped (rules.py, S<network>)."""
        wired = {p.port_id for space in self._vips.values() for p in space.ports}
        for container, wanted in nics.items():
            if self.wire(container, wanted) is not None:
                wired.update(nic.port_id for nic in wanted)
        for container in [c for c in self._wired if c not in nics]:
            self.wire(container, [])  # its last port went: unplugged
        ports = [replace(p, veth=p.veth if p.id in wired else None) for p in state.ports]
        state.ports = ports
        return state

    def wire(self, container: str, nics: list[Nic], fresh: bool = False) -> bool | None:
        """Plumb one container's namespace to exactly these NICs, unless it already is:
        True when it was plumbed now, False when it already was, None when it is not
        (not running, or the plumbing failed: logged). `fresh`: the container was just
        (re)started, in a new namespace: a record made before is its former namespace's,
        unless it names the present one (a pass may have plumbed it since the start)."""
        with self._wire_lock:
            key = tuple(nics)
            done = self._wired.get(container)
            if not nics and (done is None or fresh):  # nothing of cheptel's in it since
                self._wired.pop(container, None)  # its start: the engine's loopback only
                return False
            if not fresh and done is not None and done[1] == key and self._in_place(nics):
                return False
            try:
                state = self.engine.inspect(container)
            except EngineError as exc:
                log.warning("%s: %s", container, exc)
                return None
            if state is None or not state.pid or state.status not in ("running", "paused"):
                self._wired.pop(container, None)  # no namespace: plumbed when it runs
                return None
            if done == (state.pid, key) and self._in_place(nics):
                return False  # fresh: a pass plumbed this very namespace since the start
            try:
                self.plumbing.plumb(state.pid, nics)
            except PlumbingError as exc:
                log.warning("%s: its ports are not plumbed (%s): their traffic is dropped "
                            "until they are", container, exc)
                self._wired.pop(container, None)
                return None
            if nics:
                self._wired[container] = (state.pid, key)
            else:
                self._wired.pop(container, None)
            return True

    def _in_place(self, nics: list[Nic]) -> bool:
        """The host ends of these NICs' veths are there (gone: their namespace is)."""
        return all(self.plumbing.interface_exists(n.host_name) for n in nics)

    def wire_server(self, server_id: str, fresh: bool = False) -> bool | None:
        """Plumb one server's container now (after its start, a reboot, a hot-plug), not
        at the next pass: its interfaces are there when the server shows ACTIVE (as
        wire() answers; `fresh`: just started, see wire())."""
        container = f"cheptel-{server_id}"
        with self.deps.sessions() as db:
            port_ids = list(db.scalars(select(Port.id).where(Port.device_id == server_id)))
            if not port_ids:
                return self.wire(container, [], fresh)
            project = db.scalar(select(Server.project_id).where(
                Server.id == server_id, Server.deleted.is_(False)))
            servers = {server_id: project} if project else {}
            rows = nic_rows(db, servers, port_ids)
            net_ids = {row[1] for row in rows}
            nets = {n.id: n for n in db.scalars(select(Network).where(
                Network.id.in_(net_ids)).options(selectinload(Network.subnets)))}
        if net_ids:
            self.ensure_networks(net_ids)
        cloud = self.deps.cloud_id
        wanted = [nic for row in rows if (nic := nic_of_row(cloud, row, nets)) is not None]
        return self.wire(container, wanted, fresh)

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
            servers, balancers = server_projects(db), vips.ports(db)
            for row in db.execute(select(Port.id, Port.device_owner, Port.device_id,
                                         Port.project_id, Port.status,
                                         Port.binding_host_id)):
                port_id, owner, device, project, current, host = row
                bind = False
                if container_of(owner, device, project, servers) is not None or (
                        port_id in balancers):  # a server's, or a load balancer's VIP
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

    def _read(self, db: Session, wanted: Mapping[str, Network]
              ) -> tuple[rules.NetworkState, dict[str, list[Nic]]]:
        """The network intent, as plain columns: a periodic pass over 1,000 ports builds
        no ORM object per port (that alone held the GIL for most of a second); and the
        NICs each server's container should have (container -> NICs, eth0 first)."""
        state = rules.NetworkState()
        tenant = sorted((n for n in wanted.values() if not n.external),
                        key=lambda n: (n.created_at, n.id))
        zones = routers.zones(self.deps.cloud_id, [n.id for n in tenant])
        for net in wanted.values():
            subnet = _ipv4(net) or net.subnets[0]
            state.nets[net.id] = rules.Net(net.id, bridge_for(self.deps.cloud_id, net.id),
                                           subnet.cidr, bool(net.external), zones.get(net.id))
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
        servers, balancers = server_projects(db), vips.ports(db)
        fixed: dict[str, list[tuple[int, str]]] = {}
        for port_id, ip, position in db.execute(select(
                IPAllocation.port_id, IPAllocation.ip_address, IPAllocation.position)):
            fixed.setdefault(port_id, []).append((position, ip))
        addresses = {port_id: [ip for _, ip in sorted(ips)] for port_id, ips in fixed.items()}
        bindings: dict[str, list[str]] = {}
        for port_id, group_id in db.execute(select(PortSecurityGroup.port_id,
                                                   PortSecurityGroup.security_group_id)):
            bindings.setdefault(port_id, []).append(group_id)
        for (port_id, network_id, owner, device, project, mac, secured,
             pairs) in db.execute(select(
                Port.id, Port.network_id, Port.device_owner, Port.device_id,
                Port.project_id, Port.mac_address, Port.port_security_enabled,
                Port.allowed_address_pairs)):
            container = container_of(owner, device, project, servers)
            ips = addresses.get(port_id, [])
            if (container is None and port_id not in balancers) or not ips:
                continue
            v4 = [ip for ip in ips if ":" not in ip]
            # only groups of the port's own project filter it or count it as a member
            groups = tuple(g for g in bindings.get(port_id, [])
                           if group_projects.get(g) == project)
            for group_id in groups:
                state.members.setdefault(group_id, []).extend(ips)
            state.ports.append(rules.PortState(
                port_id, network_id, v4[0] if v4 else None, mac,
                host_veth(self.deps.cloud_id, port_id), groups, bool(secured),
                tuple((p["ip_address"], p.get("mac_address")) for p in pairs or []),
                tuple(ip for ip in ips if ":" in ip)))
        nics: dict[str, list[Nic]] = {}
        for row in nic_rows(db, servers):
            nic = nic_of_row(self.deps.cloud_id, row, wanted)
            if nic is not None:
                nics.setdefault(row[2], []).append(nic)
        return state, nics

    def clear(self) -> None:
        """Remove every rule of this cloud (used when the last network is gone, and tests)."""
        self.deps.firewall.clear(self.prefix)
