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
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cheptel.backends.firewall import Ruleset

PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "6": "tcp", "17": "udp", "1": "icmp"}


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


def _match(rule: SGRule, peer_flag: str) -> list[str]:
    """iptables match fragments for one rule; several when a remote group has members."""
    base = ""
    proto = PROTOCOLS.get((rule.protocol or "").lower()) if rule.protocol else None
    if rule.protocol and proto is None:
        base += f"-p {rule.protocol} "
    elif proto:
        base += f"-p {proto} "
        if proto in ("tcp", "udp") and rule.port_min is not None:
            high = rule.port_max if rule.port_max is not None else rule.port_min
            base += f"--dport {rule.port_min}:{high} " if high != rule.port_min else (
                f"--dport {rule.port_min} ")
        elif proto == "icmp" and rule.port_min is not None:
            base += f"--icmp-type {rule.port_min}" + (
                f"/{rule.port_max} " if rule.port_max is not None else " ")
    if rule.remote_ip_prefix:
        return [f"{peer_flag} {rule.remote_ip_prefix} {base}"]
    return [base]


def build(state: NetworkState, prefix: str) -> Ruleset:
    rs = Ruleset(prefix)
    fwd, out = rs.chain("filter", "FWD"), rs.chain("filter", "OUT")
    fwd.append("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    out.append("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    nets = sorted(state.nets.values(), key=lambda n: n.id)
    sources: dict[str, list[str]] = {}  # network id -> its S chain: who sent the packet
    set_names: dict[str, str] = {}  # remote group -> its members' set (made once a build)
    zone = rs.chain("raw", "ZONE")
    for net in nets:
        suffix = "S" + _chain_id(net.id)
        fwd.append(f"-i {net.bridge} -j {rs.name(suffix)}")
        sources[net.id] = rs.chain("filter", suffix)
        if net.zone is not None:
            zone.append(f"-i {net.bridge} -j CT --zone {net.zone}")
    for network_id, veth in state.router_ports:  # a router forwards for others
        if network_id in sources:
            sources[network_id].append(f"-m physdev --physdev-in {veth} -j RETURN")
    for port in state.ports:
        port_net = state.nets.get(port.network_id)
        if port_net is None:
            continue
        if not port.port_security:
            if port.veth:  # unfiltered, but still known: an unknown bridge port is dropped
                sources[port_net.id].append(f"-m physdev --physdev-in {port.veth} -j RETURN")
            continue
        cid = _chain_id(port.id)
        in_chain, out_chain = rs.name("I" + cid), rs.name("O" + cid)
        egress, ingress = rs.chain("filter", "O" + cid), rs.chain("filter", "I" + cid)
        if port.veth:  # a goto: O<port>'s RETURN comes back to FWD, past the S jump
            sources[port_net.id].append(f"-m physdev --physdev-in {port.veth} -g {out_chain}")
        if port.ip:
            fwd.append(f"-o {port_net.bridge} -d {port.ip}/32 -j {in_chain}")
        if port_net.external and port.ip:  # the host holds an address there
            out.append(f"-o {port_net.bridge} -d {port.ip}/32 -j {in_chain}")
        # anti-spoofing: only the port's own addresses (or allowed pairs) may leave it
        own = [(port.ip, port.mac)] if port.ip else []
        for ip, mac in [*own, *[p for p in port.allowed_pairs if ":" not in p[0]]]:
            mac_part = f"-m mac --mac-source {mac or port.mac} " if (mac or port.mac) else ""
            egress.append(f"-s {ip} {mac_part}-g {rs.name('E' + cid)}")
        egress.append("-j DROP")
        allowed = rs.chain("filter", "E" + cid)
        for group in port.security_groups:
            for rule in state.groups.get(group, []):
                if rule.ethertype != "IPv4":
                    continue
                chain, flag = (allowed, "-d") if rule.direction == "egress" else (
                    ingress, "-s")
                peer_part = ""
                if rule.remote_group_id:
                    members = [ip for ip in state.members.get(rule.remote_group_id, [])
                               if ":" not in ip]
                    if not members:
                        continue  # no member: nobody to admit
                    # one set of the members, not a rule each (N ports x N members)
                    peers = set_names.get(rule.remote_group_id, "")
                    if not peers:  # hashed once a build, not once a port
                        peers = rs.address_set(rule.remote_group_id, members)
                        set_names[rule.remote_group_id] = peers
                    peer_part = (f"-m set --match-set {peers} "
                                 f"{'dst' if flag == '-d' else 'src'} ")
                for frag in _match(rule, flag):
                    chain.append(f"{peer_part}{frag}-j RETURN".replace("  ", " "))
        allowed.append("-j DROP")
        ingress.append("-j DROP")
    for net in nets:
        # a packet from a bridge port no port of the network is known on: dropped
        sources[net.id].append("-j DROP")
        # what the rules above did not accept: same-bridge traffic (its ports' chains
        # passed it) is accepted, anything else into the bridge is another network's
        # (or another cloud's) and is dropped
        fwd.append(f"-i {net.bridge} -o {net.bridge} -j ACCEPT")
        fwd.append(f"-o {net.bridge} -j DROP")
    return rs
