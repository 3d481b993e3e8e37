"""From the network intent to one iptables ruleset (pure: no I/O, unit-tested).

Chains, per cloud (prefix CH<cloud>-):
  filter FWD   (jumped to first from DOCKER-USER, and from FORWARD as a backstop)
    1. established/related: ACCEPT
    2. every packet from a bridge of the cloud (-i <bridge>) goes to S<network>, which
       sends it by its bridge port (-m physdev --physdev-in <veth>) to O<port>:
       anti-spoofing (source IP and MAC must be the port's or an allowed pair), then the
       security group's egress rules; RETURN if allowed, else DROP. A packet from a bridge
       port S<network> does not know (a port whose veth is not found yet, a container
       restarted since the last pass) is dropped: anti-spoofing fails closed.
    3. every packet to a port (-o <bridge> -d <ip>) goes to I<port>: the ingress rules;
       RETURN if allowed, else DROP
    4. traffic a router joins (between its interfaces' bridges and its gateway's bridge,
       and DNAT'd traffic to a floating IP's fixed IP): ACCEPT
    5. per bridge: same-bridge traffic ACCEPT, anything else into the bridge DROP. The
       cloud isolates its networks itself: Docker's isolation chains are not relied on
       (Docker deletes and re-inserts its FORWARD jumps whenever any network is made).
    Traffic from a bridge to anything that is not a bridge of the cloud falls through
    to Docker's chains.
    A rule whose remote is a security group matches one address set of that group's
    members (-m set --match-set G<hash> src|dst): O(members) set entries, not a rule per
    member in every member's chain.
  filter OUT   (from OUTPUT) the host's own traffic to a port passes I<port> too
  nat DNAT     (PREROUTING, OUTPUT): floating IP -> fixed IP
  nat SNAT     (POSTROUTING): fixed IP -> floating IP, then subnet -> router gateway IP
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
    ip: str
    mac: str
    veth: str | None  # the host side of the container's interface, once attached
    security_groups: tuple[str, ...] = ()
    port_security: bool = True
    allowed_pairs: tuple[tuple[str, str | None], ...] = ()  # (ip or cidr, mac)


@dataclass(frozen=True)
class RouterState:
    gateway_network_id: str | None
    gateway_ip: str | None
    snat: bool
    interface_network_ids: tuple[str, ...]


@dataclass(frozen=True)
class FloatingState:
    address: str
    fixed_ip: str
    external_network_id: str
    port_network_id: str


@dataclass
class NetworkState:
    nets: dict[str, Net] = field(default_factory=dict)
    ports: list[PortState] = field(default_factory=list)
    groups: dict[str, list[SGRule]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # group -> member IPs
    routers: list[RouterState] = field(default_factory=list)
    floating: list[FloatingState] = field(default_factory=list)


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
    for net in nets:
        suffix = "S" + _chain_id(net.id)
        fwd.append(f"-i {net.bridge} -j {rs.name(suffix)}")
        sources[net.id] = rs.chain("filter", suffix)
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
        fwd.append(f"-o {port_net.bridge} -d {port.ip}/32 -j {in_chain}")
        # the host's own traffic: no -o, since a DNAT in nat OUTPUT (a floating IP) is
        # routed again only after the filter hook has seen the old interface
        out.append(f"-d {port.ip}/32 -j {in_chain}")
        # anti-spoofing: only the port's own addresses (or allowed pairs) may leave it
        for ip, mac in [(port.ip, port.mac), *port.allowed_pairs]:
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
                    members = state.members.get(rule.remote_group_id)
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
    snat, dnat = rs.chain("nat", "SNAT"), rs.chain("nat", "DNAT")
    # which networks reach an external network: its own, and those routed to it
    reach: dict[str, set[str]] = {}
    for router in state.routers:
        if router.gateway_network_id:
            reach.setdefault(router.gateway_network_id, {router.gateway_network_id}).update(
                router.interface_network_ids)
    for fip in state.floating:
        ext, inner = state.nets.get(fip.external_network_id), state.nets.get(fip.port_network_id)
        if ext is None or inner is None:
            continue
        dnat.append(f"-d {fip.address}/32 -j DNAT --to-destination {fip.fixed_ip}")
        snat.append(f"-s {fip.fixed_ip}/32 -o {ext.bridge} -j SNAT --to-source {fip.address}")
        for source in sorted(reach.get(ext.id, {ext.id})):
            if source in state.nets:
                fwd.append(f"-i {state.nets[source].bridge} -o {inner.bridge} -d "
                           f"{fip.fixed_ip}/32 -m conntrack --ctstate DNAT -j ACCEPT")
    for router in state.routers:
        bridges = [state.nets[n] for n in router.interface_network_ids if n in state.nets]
        gateway = state.nets.get(router.gateway_network_id or "")
        for a in bridges:
            for b in bridges:
                if a.id != b.id:
                    fwd.append(f"-i {a.bridge} -o {b.bridge} -j ACCEPT")
            if gateway is not None:
                fwd.append(f"-i {a.bridge} -o {gateway.bridge} -j ACCEPT")
                if router.snat and router.gateway_ip:
                    snat.append(f"-s {a.cidr} -o {gateway.bridge} -j SNAT --to-source "
                                f"{router.gateway_ip}")
    for net in nets:
        # a packet from a bridge port no port of the network is known on: dropped
        sources[net.id].append("-j DROP")
        # what the rules above did not accept: same-bridge traffic (its ports' chains
        # passed it) is accepted, anything else into the bridge is another network's
        # (or another cloud's) and is dropped
        fwd.append(f"-i {net.bridge} -o {net.bridge} -j ACCEPT")
        fwd.append(f"-o {net.bridge} -j DROP")
    return rs
