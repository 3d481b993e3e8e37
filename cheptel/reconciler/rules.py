"""From the network intent to the host's iptables ruleset (pure: no I/O, unit-tested).

Routing and NAT are not the host's: each router is a network namespace of its own
(cheptel.reconciler.routers), and the tenant bridges hold no host address, so the host
only bridges. What it filters is the bridged traffic (br_netfilter), per port.

Chains, per cloud (prefix CH<cloud>-):
  raw ZONE     (PREROUTING) every packet of a tenant bridge gets the bridge's conntrack
    zone: two networks may use the same addresses, their connections never mix.
  filter FWD   (jumped to first from DOCKER-USER, and from FORWARD as a backstop)
    1. established/related: ACCEPT
    2. every packet from a bridge of the cloud (-i <bridge>) goes to S<network>, which
       sends it by its bridge port (-m physdev --physdev-in <veth>) to O<port>:
       anti-spoofing (source IP and MAC must be the port's or an allowed pair), then the
       security group's egress rules; RETURN if allowed, else DROP. A router's port
       (its veth) RETURNs: it forwards for others. A packet from a bridge port S<network>
       does not know (a port whose veth is not found yet, a container restarted since
       the last pass) is dropped: anti-spoofing fails closed.
    3. every packet to a port (-o <bridge> -d <ip>) goes to I<port>: the ingress rules;
       RETURN if allowed, else DROP
    4. per bridge: same-bridge traffic ACCEPT, anything else into the bridge DROP. The
       cloud isolates its networks itself: Docker's isolation chains are not relied on
       (Docker deletes and re-inserts its FORWARD jumps whenever any network is made).
    Traffic from a bridge to anything that is not a bridge of the cloud falls through
    to Docker's chains.
    A rule whose remote is a security group matches one address set of that group's
    members (-m set --match-set G<hash> src|dst): O(members) set entries, not a rule per
    member in every member's chain.
  filter OUT   (from OUTPUT) the host's own traffic to a port of an external network (the
    host holds an address there) passes I<port> too.

IPv6 (ip6tables, br_netfilter hands it bridged IPv6 as well) gets the same chains, built
from the same state: a port's IPv6 addresses and its fe80:: link-local (EUI-64 of its
MAC) for anti-spoofing and its I<port> jumps, the rules of ethertype IPv6 (ICMP is
ICMPv6 there), remote groups as inet6 sets, the same conntrack zones. What neighbour
discovery needs is always allowed (Neutron's iptables driver allows the same): ICMPv6
multicast listener queries, neighbour solicitations and advertisements and router
advertisements into a bridge (from any sender its S chain passed: its multicast has no
port's address to jump by), neighbour and router solicitations out of a port (E<port>,
first), duplicate address detection from :: (O<port>); a router advertisement from a
port is dropped (only a router's port may send one). Other multicast reaches a port
through its I<port> too, matched by its bridge port (-m physdev --physdev-out), a
router's port takes it, and multicast to any other bridge port is dropped. No OUT chain:
the host holds no IPv6 address on a cloud's bridge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cheptel.backends.firewall import Ruleset
from cheptel.network.service.ipv6 import eui64

PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "6": "tcp", "17": "udp", "1": "icmp"}
# an ethertype IPv6 rule's ICMP is ICMPv6, whichever name the rule gave it (as Neutron's)
PROTOCOLS6 = {"tcp": "tcp", "udp": "udp", "6": "tcp", "17": "udp", "icmp": "ipv6-icmp",
              "icmpv6": "ipv6-icmp", "ipv6-icmp": "ipv6-icmp", "58": "ipv6-icmp"}
ICMP6 = "-p ipv6-icmp --icmpv6-type"
# ICMPv6 a port always receives and sends, whatever its groups say (Neutron's
# ICMPV6_ALLOWED_INGRESS_TYPES and _EGRESS_TYPES): multicast listener queries, neighbour
# solicitations and advertisements both ways, router solicitations out and router
# advertisements in (only a router's port may send one: a port's own are dropped)
ND_INGRESS = (130, 134, 135, 136)
ND_EGRESS = (130, 133, 135, 136)
# what a port sends from the unspecified address before it has one: duplicate address
# detection and multicast listener reports (Neutron allows the same)
UNSPECIFIED = (131, 135, 143)
RA = 134
MULTICAST = "ff00::/8"


def link_local(mac: str) -> str:
    """The fe80::/64 address the kernel gives an interface of this MAC (EUI-64)."""
    return eui64("fe80::/64", mac)


@dataclass(frozen=True)
class Net:
    id: str
    bridge: str
    cidr: str
    external: bool = False
    zone: int | None = None  # the conntrack zone of a tenant bridge

@dataclass(frozen=True)
class SGRule:
    direction: str  # ingress | egress
    ethertype: str = "IPv4"
    protocol: str | None = None
    port_min: int | None = None
    port_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None


@dataclass(frozen=True)
class PortState:
    id: str
    network_id: str
    ip: str | None  # its first fixed IPv4 address (None: IPv6 only)
    mac: str
    veth: str | None  # the host side of the container's interface, once attached
    security_groups: tuple[str, ...] = ()
    port_security: bool = True
    allowed_pairs: tuple[tuple[str, str | None], ...] = ()  # (ip or cidr, mac)
    ips6: tuple[str, ...] = ()  # every fixed IPv6 address


@dataclass
class NetworkState:
    nets: dict[str, Net] = field(default_factory=dict)
    ports: list[PortState] = field(default_factory=list)
    groups: dict[str, list[SGRule]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # group -> member IPs
    router_ports: list[tuple[str, str]] = field(default_factory=list)  # (network, veth)


def _chain_id(port_id: str) -> str:
    return port_id.replace("-", "")[:14]


def _match(rule: SGRule, peer_flag: str, family: int = 4) -> list[str]:
    """iptables match fragments for one rule; several when a remote group has members."""
    base = ""
    names = PROTOCOLS6 if family == 6 else PROTOCOLS
    proto = names.get((rule.protocol or "").lower()) if rule.protocol else None
    if rule.protocol and proto is None:
        base += f"-p {rule.protocol} "
    elif proto:
        base += f"-p {proto} "
        if proto in ("tcp", "udp") and rule.port_min is not None:
            high = rule.port_max if rule.port_max is not None else rule.port_min
            base += f"--dport {rule.port_min}:{high} " if high != rule.port_min else (
                f"--dport {rule.port_min} ")
        elif proto in ("icmp", "ipv6-icmp") and rule.port_min is not None:
            flag = "--icmpv6-type" if family == 6 else "--icmp-type"
            base += f"{flag} {rule.port_min}" + (
                f"/{rule.port_max} " if rule.port_max is not None else " ")
    if rule.remote_ip_prefix:
        return [f"{peer_flag} {rule.remote_ip_prefix} {base}"]
    return [base]


def _of(family: int, address: str) -> bool:
    """Whether an address (or a CIDR) is of this IP version."""
    return (":" in address) == (family == 6)


def build(state: NetworkState, prefix: str) -> Ruleset:
    """The whole ruleset: the same chains for IPv4 (iptables) and IPv6 (ip6tables)."""
    rs = Ruleset(prefix)
    for family in (4, 6):
        _build(rs, state, family)
    return rs


def _build(rs: Ruleset, state: NetworkState, family: int) -> None:
    """One IP version's half: its addresses, its rules (by ethertype), its sets; IPv6's
    has no OUT chain (the host holds no IPv6 address on a cloud's bridge) but what
    neighbour discovery needs, and matches a port's link-local address too."""
    six = family == 6
    host = "/128" if six else "/32"
    ethertype = "IPv6" if six else "IPv4"

    def chain(table: str, suffix: str) -> list[str]:
        return rs.chain(table, suffix, family)

    fwd = chain("filter", "FWD")
    fwd.append("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    out = None if six else chain("filter", "OUT")
    if out is not None:
        out.append("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    nets = sorted(state.nets.values(), key=lambda n: n.id)
    sources: dict[str, list[str]] = {}  # network id -> its S chain: who sent the packet
    set_names: dict[str, str] = {}  # remote group -> its members' set (made once a build)
    zone = chain("raw", "ZONE")
    for net in nets:
        suffix = "S" + _chain_id(net.id)
        fwd.append(f"-i {net.bridge} -j {rs.name(suffix)}")
        sources[net.id] = chain("filter", suffix)
        if net.zone is not None:
            zone.append(f"-i {net.bridge} -j CT --zone {net.zone}")
    if six:  # neighbour discovery into a bridge, once its sender passed its S chain
        for net in nets:
            fwd += [f"-o {net.bridge} {ICMP6} {t} -j ACCEPT" for t in ND_INGRESS]
    for network_id, veth in state.router_ports:  # a router forwards for others
        if network_id in sources:
            sources[network_id].append(f"-m physdev --physdev-in {veth} -j RETURN")
            if six:  # and takes any multicast (router solicitations, ...)
                fwd.append(f"-o {state.nets[network_id].bridge} -d {MULTICAST} "
                           f"-m physdev --physdev-out {veth} --physdev-is-bridged -j ACCEPT")
    for port in state.ports:
        port_net = state.nets.get(port.network_id)
        if port_net is None:
            continue
        if not port.port_security:
            if port.veth:  # unfiltered, but still known: an unknown bridge port is dropped
                sources[port_net.id].append(f"-m physdev --physdev-in {port.veth} -j RETURN")
                if six:
                    fwd.append(f"-o {port_net.bridge} -d {MULTICAST} -m physdev "
                               f"--physdev-out {port.veth} --physdev-is-bridged -j ACCEPT")
            continue
        cid = _chain_id(port.id)
        in_chain, out_chain = rs.name("I" + cid), rs.name("O" + cid)
        egress, ingress = chain("filter", "O" + cid), chain("filter", "I" + cid)
        if port.veth:  # a goto: O<port>'s RETURN comes back to FWD, past the S jump
            sources[port_net.id].append(f"-m physdev --physdev-in {port.veth} -g {out_chain}")
        own = list(port.ips6) + [link_local(port.mac)] if six else (
            [port.ip] if port.ip else [])
        if six and port.veth:  # multicast has no port's address: by its bridge port
            to_port = (f"-o {port_net.bridge} -d {MULTICAST} -m physdev --physdev-out "
                       f"{port.veth} --physdev-is-bridged")
            fwd += [f"{to_port} -j {in_chain}", f"{to_port} -j ACCEPT"]
        for ip in own:
            fwd.append(f"-o {port_net.bridge} -d {ip}{host} -j {in_chain}")
            if out is not None and port_net.external:  # the host holds an address there
                out.append(f"-o {port_net.bridge} -d {ip}{host} -j {in_chain}")
        if six:  # a port is no router; before it has an address, it may look for one
            egress.append(f"{ICMP6} {RA} -j DROP")
            egress += [f"-s ::/128 -d ff02::/16 {ICMP6} {t} -j RETURN" for t in UNSPECIFIED]
        # anti-spoofing: only the port's own addresses (or allowed pairs) may leave it
        pairs = [(ip, port.mac) for ip in own] + [
            (ip, mac) for ip, mac in port.allowed_pairs if _of(family, ip)]
        for ip, mac in pairs:
            mac_part = f"-m mac --mac-source {mac or port.mac} " if (mac or port.mac) else ""
            egress.append(f"-s {ip} {mac_part}-g {rs.name('E' + cid)}")
        egress.append("-j DROP")
        allowed = chain("filter", "E" + cid)
        if six:
            allowed += [f"{ICMP6} {t} -j RETURN" for t in ND_EGRESS]
        for group in port.security_groups:
            for rule in state.groups.get(group, []):
                if rule.ethertype != ethertype:
                    continue
                target, flag = (allowed, "-d") if rule.direction == "egress" else (
                    ingress, "-s")
                peer_part = ""
                if rule.remote_group_id:
                    members = [ip for ip in state.members.get(rule.remote_group_id, [])
                               if _of(family, ip)]
                    if not members:
                        continue  # no member: nobody to admit
                    # one set of the members, not a rule each (N ports x N members)
                    peers = set_names.get(rule.remote_group_id, "")
                    if not peers:  # hashed once a build, not once a port
                        key = rule.remote_group_id + ("/inet6" if six else "")
                        peers = rs.address_set(key, members)
                        set_names[rule.remote_group_id] = peers
                    peer_part = (f"-m set --match-set {peers} "
                                 f"{'dst' if flag == '-d' else 'src'} ")
                for frag in _match(rule, flag, family):
                    target.append(f"{peer_part}{frag}-j RETURN".replace("  ", " "))
        allowed.append("-j DROP")
        ingress.append("-j DROP")
    for net in nets:
        # a packet from a bridge port no port of the network is known on: dropped
        sources[net.id].append("-j DROP")
        # what the rules above did not accept: same-bridge traffic (its ports' chains
        # passed it) is accepted, anything else into the bridge is another network's
        # (or another cloud's) and is dropped; so is IPv6 multicast to a bridge port
        # no port is known on
        if six:
            fwd.append(f"-o {net.bridge} -d {MULTICAST} -j DROP")
        fwd.append(f"-i {net.bridge} -o {net.bridge} -j ACCEPT")
        fwd.append(f"-o {net.bridge} -j DROP")
