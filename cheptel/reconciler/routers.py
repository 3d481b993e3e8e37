"""Routers as network namespaces, as Neutron's L3 agent's `qrouter-*`: what each holds.

A router is a namespace of its own (cheptel.backends.plumbing.router_namespace): one veth
per interface port (`qr-<port>` inside, with the port's MAC and the subnet's gateway
address, the host end on the network's bridge) and one for its gateway port (`qg-<port>`
on the external network's bridge, holding the gateway address and the router's floating
IPs as /32s), a default route via the external subnet's gateway (an address the host
holds), IPv4 and IPv6 forwarding, its router advertisements on the interfaces of its
`slaac` and `dhcpv6-stateless` subnets (radvd, as Neutron's L3 agent), and its NAT
(IPv4 only: as Neutron's, IPv6 is routed, never NATed; an IPv6 interface holds its
subnet's gateway address, so the router joins its IPv6 subnets to each other, while its
gateway port holds IPv4 addresses only: the host routes no IPv6 to its routers):

  nat PREROUTING / OUTPUT   -d <floating IP> -j DNAT --to-destination <fixed IP>
  nat POSTROUTING           1. ! -o qg, not DNAT'd: ACCEPT (east-west, no NAT)
                            2. -s <fixed IP> -j SNAT --to-source <floating IP>
                            3. -o qg -j SNAT --to-source <gateway IP>  (enable_snat)
                            4. DNAT'd and not come in by qg (a server to the floating
                               IP of a server behind the same router):
                               SNAT --to-source <gateway IP>  (enable_snat)
  mangle PREROUTING         -i qg: MARK 0x2 (what rule 4 leaves alone)

The host never routes tenant addresses: its routing table holds none of them, so two
projects (or two networks of one) may use the same CIDR, each behind its own router.
Pure: the specs are built from plain rows and unit-tested; the converger reads the rows
(cheptel.reconciler.network) and the plumbing makes them real (`ensure`, for routers and
load balancers' VIPs alike).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.plumbing import (
    Plumbing,
    PlumbingError,
    RouterNamespace,
    RouterPort,
    router_namespace,
    router_veth,
)
from cheptel.compute.metadata_service import ISOLATED  # a network's metadata namespace
from cheptel.network.models import FloatingIP, IPAllocation, Port, Router, Subnet
from cheptel.network.service.ipv6 import AUTO_MODES, DHCPV6_STATELESS

log = logging.getLogger("cheptel.reconciler.network")
INTERFACE, GATEWAY = "network:router_interface", "network:router_gateway"
MARK = "0x2/0xffff"  # came in by the gateway (Neutron's L3 agent marks the same way)
ZONES = 65534  # conntrack zones 1..65534 for tenant bridges (0 is the host's)
METADATA = "169.254.169.254/32"  # on every router's loopback: the metadata service


def nat_rules(gateway_dev: str | None, gateway_ip: str | None, snat: bool,
              floating: Iterable[tuple[str, str]]) -> str:
    """The iptables-restore text of a router namespace's nat and mangle tables (the
    module's docstring); `floating`: (floating IP, fixed IP)."""
    floating = sorted(floating)
    nat = ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]",
           ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
    mangle = ["*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]",
              ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
    if gateway_dev:
        for address, fixed in floating:
            nat.append(f"-A PREROUTING -d {address}/32 -j DNAT --to-destination {fixed}")
            nat.append(f"-A OUTPUT -d {address}/32 -j DNAT --to-destination {fixed}")
        nat.append(f"-A POSTROUTING ! -o {gateway_dev} -m conntrack ! --ctstate DNAT "
                   "-j ACCEPT")
        for address, fixed in floating:
            nat.append(f"-A POSTROUTING -s {fixed}/32 -j SNAT --to-source {address}")
        if snat and gateway_ip:
            nat.append(f"-A POSTROUTING -o {gateway_dev} -j SNAT --to-source {gateway_ip}")
            nat.append(f"-A POSTROUTING -m mark ! --mark {MARK} -m conntrack --ctstate DNAT "
                       f"-j SNAT --to-source {gateway_ip}")
        mangle.append(f"-A PREROUTING -i {gateway_dev} -j MARK --set-xmark {MARK}")
    return "\n".join([*nat, "COMMIT", *mangle, "COMMIT"]) + "\n"


RA_MIN, RA_MAX = 30, 100  # seconds between router advertisements (Neutron's defaults)


def radvd_conf(interfaces: Iterable[tuple[str, int, Sequence[tuple[str, str]]]]) -> str:
    """The radvd.conf of a router's advertisements, as Neutron's L3 agent writes it for
    its `slaac` and `dhcpv6-stateless` subnets: per interface (its name in the namespace,
    its MTU, its (prefix, ipv6_ra_mode) pairs) the prefixes, on-link and for SLAAC, and
    for a stateless DHCPv6 subnet the "other configuration" flag; "" when none."""
    blocks = []
    for name, mtu, prefixes in interfaces:
        if not prefixes:
            continue
        lines = [f"interface {name} {{", "    AdvSendAdvert on;",
                 f"    MinRtrAdvInterval {RA_MIN};", f"    MaxRtrAdvInterval {RA_MAX};",
                 f"    AdvLinkMTU {mtu};"]
        if any(mode == DHCPV6_STATELESS for _, mode in prefixes):
            lines.append("    AdvOtherConfigFlag on;")
        for cidr, _ in prefixes:
            lines += [f"    prefix {cidr} {{", "        AdvOnLink on;",
                      "        AdvAutonomous on;", "    };"]
        blocks.append("\n".join([*lines, "};"]))
    return "\n".join(blocks) + "\n" if blocks else ""


def zones(cloud: str, network_ids: Iterable[str]) -> dict[str, int]:
    """A conntrack zone per tenant network, drawn from its id, in the order given (the
    oldest network first): a new network never moves an older one's zone."""
    taken: dict[str, int] = {}
    used: set[int] = set()
    for network_id in network_ids:
        zone = 1 + int(hashlib.sha256(f"{cloud}/{network_id}".encode()).hexdigest()[:8],
                       16) % ZONES
        while zone in used:
            zone = zone % ZONES + 1
        used.add(zone)
        taken[network_id] = zone
    return taken


@dataclass
class _Router:
    id: str
    project: str
    gw_port: str | None
    snat: bool
    ports: list[RouterPort] = field(default_factory=list)
    gateway_ip: str | None = None
    nexthop: str | None = None
    floating: list[tuple[str, str]] = field(default_factory=list)
    # what its advertisements announce: (interface, MTU, its (prefix, ra mode) pairs)
    adverts: list[tuple[str, int, list[tuple[str, str]]]] = field(default_factory=list)


def read(db: Session, cloud: str, bridges: Mapping[str, str], mtus: Mapping[str, int]
         ) -> tuple[list[RouterNamespace], list[tuple[str, str]]]:
    """Every router's namespace, and every router port's (network, host veth) (the
    host's rules let them forward). `bridges`: network -> its bridge (the networks that
    have one); a port on a network without a bridge is left out."""
    routers = {rid: _Router(rid, project, gw, bool(snat)) for rid, project, gw, snat in
               db.execute(select(Router.id, Router.project_id, Router.gw_port_id,
                                 Router.enable_snat))}
    subnets = {sid: (cidr, gateway) for sid, cidr, gateway in db.execute(
        select(Subnet.id, Subnet.cidr, Subnet.gateway_ip))}
    ra_modes = dict(db.execute(select(Subnet.id, Subnet.ipv6_ra_mode).where(
        Subnet.ipv6_ra_mode.is_not(None))).tuples().all())
    ports = db.execute(select(Port.id, Port.network_id, Port.device_owner, Port.device_id,
                              Port.project_id, Port.mac_address)
                       .where(Port.device_owner.in_((INTERFACE, GATEWAY)))
                       .order_by(Port.created_at, Port.id)).all()
    ids = [row[0] for row in ports]
    addresses: dict[str, list[tuple[int, str, str]]] = {}
    for port_id, position, ip, subnet_id in db.execute(select(
            IPAllocation.port_id, IPAllocation.position, IPAllocation.ip_address,
            IPAllocation.subnet_id).where(IPAllocation.port_id.in_(ids))):
        if subnet_id in subnets:
            addresses.setdefault(port_id, []).append((position, ip, subnet_id))
    gateways = {r.gw_port: r for r in routers.values() if r.gw_port}
    veths: list[tuple[str, str]] = []
    routed: set[str] = set()  # networks with an IPv4 interface of a router
    for port_id, network_id, owner, device, project, mac in ports:
        router = gateways.get(port_id) if owner == GATEWAY else routers.get(device)
        if router is None or network_id not in bridges or (
                owner == INTERFACE and project != router.project):
            continue  # an interface of another project's router is none of it
        ips = sorted(addresses.get(port_id, []))
        v4 = [(ip, sid) for _, ip, sid in ips if ":" not in ip]
        if owner == GATEWAY:  # IPv4 only: the host routes no IPv6 to its routers
            ips = [entry for entry in ips if ":" not in entry[1]]
        if not ips:
            continue
        cidrs = tuple(f"{ip}/{subnets[sid][0].split('/')[1]}" for _, ip, sid in ips)
        if owner == GATEWAY:
            router.gateway_ip, router.nexthop = v4[0][0], subnets[v4[0][1]][1]
        elif v4:
            routed.add(network_id)
        veth = router_veth(cloud, port_id)
        inner = ("qg-" if owner == GATEWAY else "qr-") + port_id[:11]
        router.ports.append(RouterPort(port_id, veth, inner, bridges[network_id], mac,
                                       cidrs, mtus.get(network_id, 1500)))
        if owner == INTERFACE:
            router.adverts.append((inner, mtus.get(network_id, 1500), [
                (subnets[sid][0], str(ra_modes[sid])) for _, ip, sid in ips
                if ":" in ip and ra_modes.get(sid) in AUTO_MODES]))
        veths.append((network_id, veth))
    owners = dict(db.execute(select(Port.id, Port.project_id)).tuples().all())
    fixed: dict[str, set[str]] = {}
    for port_id, ip in db.execute(select(IPAllocation.port_id, IPAllocation.ip_address)):
        fixed.setdefault(port_id, set()).add(ip)
    for address, fixed_ip, router_id, port_id, project in db.execute(select(
            FloatingIP.floating_ip_address, FloatingIP.fixed_ip_address,
            FloatingIP.router_id, FloatingIP.port_id, FloatingIP.project_id)
            .where(FloatingIP.port_id.is_not(None))):
        router = routers.get(router_id or "")
        # a floating IP maps only to an address of a port of its own project
        if router is not None and fixed_ip and owners.get(port_id) == project and (
                fixed_ip in fixed.get(port_id, set())):
            router.floating.append((address, fixed_ip))
    out = []
    for router in routers.values():
        gw = next((p for p in router.ports if p.inner_name.startswith("qg-")), None)
        floating = router.floating if gw is not None else []
        ports_ = tuple(RouterPort(p.port_id, p.host_name, p.inner_name, p.bridge, p.mac,
                                  p.addresses + tuple(f"{a}/32" for a, _ in sorted(floating)),
                                  p.mtu) if p is gw else p for p in router.ports)
        out.append(RouterNamespace(
            router_namespace(cloud, router.id), cloud, router.id, ports_,
            router.nexthop if gw is not None else None,
            nat_rules(gw.inner_name if gw else None, router.gateway_ip, router.snat,
                      floating), (METADATA,), radvd=radvd_conf(router.adverts)))
    for network_id, space in _metadata_spaces(db, cloud, bridges, mtus, routed):
        out.append(space)
        veths.append((network_id, space.ports[0].host_name))
    return out, veths


def _metadata_spaces(db: Session, cloud: str, bridges: Mapping[str, str],
                     mtus: Mapping[str, int], routed: set[str]
                     ) -> list[tuple[str, RouterNamespace]]:
    """A namespace for each network with a server's IPv4 port and no router, that serves
    its servers the metadata service (as Neutron's isolated metadata, from the DHCP
    namespace): 169.254.169.254 on its loopback, one veth on the bridge holding no
    address of the network (its subnets reached on-link), no forwarding."""
    v4 = db.execute(select(Subnet.network_id, Subnet.cidr).where(
        Subnet.ip_version == 4).order_by(Subnet.created_at, Subnet.id)).all()
    served = set(db.scalars(select(Port.network_id).join(
        IPAllocation, IPAllocation.port_id == Port.id).where(
        Port.device_owner.startswith("compute:"), IPAllocation.ip_address.not_like("%:%"))))
    out = []
    for network_id in sorted(served - routed):
        if network_id not in bridges:
            continue
        scope = ISOLATED + network_id
        mac = "fa:16:3e:" + ":".join(
            hashlib.sha256(f"{cloud}/{scope}".encode()).hexdigest()[i:i + 2] for i in (0, 2, 4))
        port = RouterPort(scope, router_veth(cloud, scope), scope[:15], bridges[network_id],
                          mac, (), mtus.get(network_id, 1500))
        out.append((network_id, RouterNamespace(
            router_namespace(cloud, scope), cloud, scope, (port,), local=(METADATA,),
            forwarding=False, onlink=tuple(c for n, c in v4 if n == network_id))))
    return out


def ensure(plumbing: Plumbing, spaces: list[RouterNamespace], listed: Mapping[str, str],
           made: dict[str, RouterNamespace],
           forget: Callable[[str], None] = lambda name: None) -> None:
    """Every router's (or VIP's) namespace as it should be (one that is, untouched);
    those of routers (load balancers) that are gone, removed. `listed`: those there now,
    `made`: as ensured before (kept up to date), `forget`: what a namespace removed or
    made anew loses first (a socket in it)."""
    wanted = {space.name: space for space in spaces}
    for name in listed:
        if name not in wanted:
            try:
                forget(name)
                plumbing.remove_router(name)
                made.pop(name, None)
            except PlumbingError as exc:
                log.info("namespace %s not removed yet: %s", name, exc)
    for name, space in wanted.items():
        if name in listed and made.get(name) == space and all(
                plumbing.interface_exists(p.host_name) for p in space.ports):
            continue
        if name not in listed:  # made now: listened to anew
            forget(name)
        try:
            plumbing.ensure_router(space)
            made[name] = space
        except PlumbingError as exc:
            made.pop(name, None)
            log.warning("namespace %s: %s", name, exc)
