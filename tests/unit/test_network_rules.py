"""The ruleset builder: what each piece of network intent becomes in iptables."""

from __future__ import annotations

from dataclasses import replace

from cheptel.reconciler.rules import (
    Net,
    NetworkState,
    PortState,
    SGRule,
    build,
)
from tests.unit.iptables_sim import Packet, verdict

P = "CHabcdef-"


def state() -> NetworkState:
    s = NetworkState()
    s.nets = {"priv": Net("priv", "ch-priv", "10.0.0.0/24", zone=7),
              "pub": Net("pub", "ch-pub", "172.24.4.0/24", external=True)}
    s.ports = [PortState("port-1", "priv", "10.0.0.5", "fa:16:3e:00:00:05", "veth1",
                         ("sg",))]
    s.groups = {"sg": [SGRule("egress"), SGRule("ingress", remote_group_id="sg"),
                       SGRule("ingress", protocol="tcp", port_min=22, port_max=22,
                              remote_ip_prefix="0.0.0.0/0")]}
    s.members = {"sg": ["10.0.0.5"]}
    return s


def rules(rs, table: str, suffix: str) -> list[str]:  # type: ignore[no-untyped-def]
    return rs.tables[table][P + suffix]


def test_a_port_gets_ingress_and_egress_chains_with_anti_spoofing() -> None:
    rs = build(state(), P)
    fwd = rules(rs, "filter", "FWD")
    assert fwd[0].endswith("-j ACCEPT") and "ESTABLISHED" in fwd[0]
    # what comes from a bridge is its port's (by the bridge port), or dropped
    assert f"-i ch-priv -j {P}Spriv" in fwd
    assert rules(rs, "filter", "Spriv") == [f"-m physdev --physdev-in veth1 -g {P}Oport1",
                                           "-j DROP"]
    assert rules(rs, "filter", "Spub") == ["-j DROP"]
    # the cloud isolates its bridges itself: same bridge accepted, anything else dropped
    assert fwd[-4:] == ["-i ch-priv -o ch-priv -j ACCEPT", "-o ch-priv -j DROP",
                        "-i ch-pub -o ch-pub -j ACCEPT", "-o ch-pub -j DROP"]
    assert f"-o ch-priv -d 10.0.0.5/32 -j {P}Iport1" in fwd
    # the host holds no address on a tenant bridge: none of its traffic goes there
    assert rules(rs, "filter", "OUT") == [
        "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
    out = rules(rs, "filter", "Oport1")
    assert out == [f"-s 10.0.0.5 -m mac --mac-source fa:16:3e:00:00:05 -g {P}Eport1",
                   "-j DROP"]
    assert rules(rs, "filter", "Eport1") == ["-j RETURN", "-j DROP"]
    ingress = rules(rs, "filter", "Iport1")
    (members,) = rs.sets.values()  # the group's members, matched as one set
    assert members == ["10.0.0.5"]
    assert f"-m set --match-set {next(iter(rs.sets))} src -j RETURN" in ingress
    assert "-s 0.0.0.0/0 -p tcp --dport 22 -j RETURN" in ingress
    assert ingress[-1] == "-j DROP"


def test_allowed_address_pairs_and_no_port_security() -> None:
    s = state()
    s.ports.append(PortState("port-2", "priv", "10.0.0.6", "fa:16:3e:00:00:06", "veth2",
                             ("sg",), allowed_pairs=(("10.0.0.100", None),)))
    s.ports.append(PortState("port-3", "priv", "10.0.0.7", "m", "veth3", (),
                             port_security=False))
    rs = build(s, P)
    assert f"-s 10.0.0.100 -m mac --mac-source fa:16:3e:00:00:06 -g {P}Eport2" in rules(
        rs, "filter", "Oport2")
    assert not any("veth3" in r or "10.0.0.7" in r for r in rules(rs, "filter", "FWD"))
    # unfiltered, but known: its bridge port is not one the network drops
    assert "-m physdev --physdev-in veth3 -j RETURN" in rules(rs, "filter", "Spriv")


def test_routers_forward_on_bridges_and_tenant_bridges_have_their_own_zone() -> None:
    """Routing and NAT are the routers' namespaces': the host only bridges, lets a
    router's port forward for others, and keeps each tenant network's connections in a
    conntrack zone of its own (two networks may use the same addresses)."""
    s = state()
    s.router_ports = [("priv", "cr-if"), ("pub", "cr-gw")]
    s.ports.append(PortState("port-2", "pub", "172.24.4.9", "fa:16:3e:00:00:09", "veth2",
                             ("sg",)))
    rs = build(s, P)
    assert rules(rs, "filter", "Spriv") == [
        "-m physdev --physdev-in cr-if -j RETURN",
        f"-m physdev --physdev-in veth1 -g {P}Oport1", "-j DROP"]
    assert rules(rs, "filter", "Spub")[0] == "-m physdev --physdev-in cr-gw -j RETURN"
    assert rules(rs, "raw", "ZONE") == ["-i ch-priv -j CT --zone 7"]  # not the external
    assert "nat" not in rs.tables  # no NAT on the host
    # the host reaches a port of the external network (it holds an address there)
    assert rules(rs, "filter", "OUT")[1:] == [f"-o ch-pub -d 172.24.4.9/32 -j {P}Iport2"]
    # a packet the router forwards to the port passes the port's ingress rules: ssh
    # from anywhere is admitted, port 8080 is not
    ssh = Packet("ch-priv", "ch-priv", "cr-if", "172.24.4.1", "10.0.0.5",
                 "fa:16:3e:99:99:99", dport=22)
    assert verdict(rs, ssh) == "ACCEPT"
    assert verdict(rs, Packet("ch-priv", "ch-priv", "cr-if", "172.24.4.1", "10.0.0.5",
                              "fa:16:3e:99:99:99")) == "DROP"
    # an unknown bridge port is still dropped, whatever it claims
    assert verdict(rs, Packet("ch-priv", "ch-priv", "cr-other", "10.0.0.5", "10.0.0.1",
                              "fa:16:3e:00:00:05")) == "DROP"


def test_a_remote_group_is_one_set_of_its_members_not_a_rule_each() -> None:
    """A group of N ports admitting its own members: N set entries, not N x N rules; a
    member is admitted, anyone else on the bridge is not; a new membership is a new set
    (a set a committed rule names never changes under it)."""
    s = state()
    s.ports = [PortState(f"port-{i}", "priv", f"10.0.0.{i}", f"fa:16:3e:00:00:{i:02x}",
                         f"veth{i}", ("sg",)) for i in range(10, 60)]
    s.members = {"sg": [p.ip for p in s.ports]}
    rs = build(s, P)
    assert len(rs.sets) == 1
    (name, members), = rs.sets.items()
    assert sorted(members) == sorted(s.members["sg"])
    assert all(len(rules(rs, "filter", f"Iport{i}")) == 3 for i in range(10, 60))

    def to_port10(src: str, veth: str) -> str | None:
        return verdict(rs, Packet("ch-priv", "ch-priv", veth, src, "10.0.0.10",
                                  f"fa:16:3e:00:00:{int(src.rsplit('.', 1)[1]):02x}",
                                  dport=80))

    assert to_port10("10.0.0.59", "veth59") == "ACCEPT"  # a member
    s.groups["out"] = [SGRule("egress")]  # may send anything, is no member of sg
    s.ports.append(PortState("port-70", "priv", "10.0.0.70", "fa:16:3e:00:00:46", "veth70",
                             ("out",)))
    rs = build(s, P)
    assert to_port10("10.0.0.70", "veth70") == "DROP"  # on the bridge, not in the group
    s.members["sg"] = [*s.members["sg"], "10.0.0.70"]
    grown = build(s, P)
    assert list(grown.sets) != [name] and name not in grown.sets
    rs = grown
    assert to_port10("10.0.0.70", "veth70") == "ACCEPT"


def dual() -> NetworkState:
    """Two dual-stack ports in one group admitting its members, and a third, outside it,
    admitting ICMPv6 from anywhere; a router's port on the bridge."""
    s = state()
    s.ports = [
        PortState("port-1", "priv", "10.0.0.5", "fa:16:3e:00:00:05", "veth1", ("sg",),
                  ips6=("2001:db8::5",)),
        PortState("port-2", "priv", "10.0.0.6", "fa:16:3e:00:00:06", "veth2", ("sg",),
                  ips6=("2001:db8::6",), allowed_pairs=(("2001:db8::100", None),)),
        PortState("port-3", "priv", None, "fa:16:3e:00:00:07", "veth3", ("ping6",),
                  ips6=("2001:db8::7",))]
    s.groups["sg"] += [SGRule("egress", "IPv6"), SGRule("ingress", "IPv6",
                                                        remote_group_id="sg")]
    s.groups["ping6"] = [SGRule("egress", "IPv6"), SGRule(
        "ingress", "IPv6", protocol="icmp", port_min=128, remote_ip_prefix="::/0")]
    s.members = {"sg": ["10.0.0.5", "2001:db8::5", "10.0.0.6", "2001:db8::6"],
                 "ping6": ["2001:db8::7"]}
    s.router_ports = [("priv", "cr-if")]
    return s


def ping6(src: str, dst: str, veth: str, mac: str, kind: int = 128) -> Packet:
    return Packet("ch-priv", "ch-priv", veth, src, dst, mac, proto="ipv6-icmp", dport=None,
                  icmp_type=kind)


def test_ipv6_gets_the_same_chains_in_ip6tables() -> None:
    """The IPv6 half: anti-spoofing of the port's IPv6 addresses and its link-local,
    default-deny ingress with the IPv6 rules, remote groups as an inet6 set, zones."""
    rs = build(dual(), P)
    v6 = rs.tables6["filter"]
    assert f"-o ch-priv -d 2001:db8::5/128 -j {P}Iport1" in v6[P + "FWD"]
    assert f"-o ch-priv -d fe80::f816:3eff:fe00:5/128 -j {P}Iport1" in v6[P + "FWD"]
    assert not any("10.0.0." in r for chain in v6.values() for r in chain)
    assert not any("2001:db8" in r for chain in rs.tables["filter"].values() for r in chain)
    out = v6[P + "Oport2"]
    assert f"-s 2001:db8::6 -m mac --mac-source fa:16:3e:00:00:06 -g {P}Eport2" in out
    assert f"-s 2001:db8::100 -m mac --mac-source fa:16:3e:00:00:06 -g {P}Eport2" in out
    assert out[0] == "-p ipv6-icmp --icmpv6-type 134 -j DROP" and out[-1] == "-j DROP"
    assert rs.tables6["raw"][P + "ZONE"] == ["-i ch-priv -j CT --zone 7"]
    assert "nat" not in rs.tables6 and P + "OUT" not in v6
    # one set per IP version of a group's members
    assert sorted(rs.sets.values()) == [["10.0.0.5", "10.0.0.6"],
                                        ["2001:db8::5", "2001:db8::6"]]
    # the group's members ping each other over IPv6; the IPv4 half is left as it was
    a_to_b = ping6("2001:db8::5", "2001:db8::6", "veth1", "fa:16:3e:00:00:05")
    assert verdict(rs, a_to_b, family=6) == "ACCEPT"
    assert verdict(rs, Packet("ch-priv", "ch-priv", "veth1", "10.0.0.5", "10.0.0.6",
                              "fa:16:3e:00:00:05", dport=80)) == "ACCEPT"
    # a group without an IPv6 ingress rule: nothing of IPv6 comes in (port-3 to port-1)
    c_to_a = ping6("2001:db8::7", "2001:db8::5", "veth3", "fa:16:3e:00:00:07")
    assert verdict(rs, c_to_a, family=6) == "DROP"
    # an ICMPv6 echo rule lets a ping in (through the router too), not a TCP connection
    assert verdict(rs, ping6("2001:db8::5", "2001:db8::7", "veth1", "fa:16:3e:00:00:05"),
                   family=6) == "ACCEPT"
    assert verdict(rs, ping6("2001:db8:1::9", "2001:db8::7", "cr-if", "fa:16:3e:99:99:99"),
                   family=6) == "ACCEPT"
    assert verdict(rs, Packet("ch-priv", "ch-priv", "veth1", "2001:db8::5", "2001:db8::7",
                              "fa:16:3e:00:00:05"), family=6) == "DROP"


def test_ipv6_anti_spoofing_and_neighbour_discovery() -> None:
    rs = build(dual(), P)
    mac = "fa:16:3e:00:00:05"

    def v6(pkt: Packet) -> str | None:
        return verdict(rs, pkt, family=6)
    # another address, or the port's own from another MAC: dropped
    assert v6(ping6("2001:db8::99", "2001:db8::6", "veth1", mac)) == "DROP"
    assert v6(ping6("2001:db8::5", "2001:db8::6", "veth1", "fa:16:3e:00:00:99")) == "DROP"
    # the link-local of its own MAC is its own (port-3 admits ICMPv6 echo from
    # anywhere); another's is not
    assert v6(ping6("fe80::f816:3eff:fe00:5", "2001:db8::7", "veth1", mac)) == "ACCEPT"
    assert v6(ping6("fe80::f816:3eff:fe00:6", "2001:db8::7", "veth1", mac)) == "DROP"
    # neighbour discovery always passes, whatever the groups (port-3 admits no NS of
    # port-1 by its rules); a solicitation goes to a multicast address, no port's
    for kind in (135, 136):
        assert v6(ping6("fe80::f816:3eff:fe00:5", "ff02::1:ff00:7", "veth1", mac,
                        kind)) == "ACCEPT"
    assert v6(ping6("::", "ff02::1:ff00:5", "veth1", mac, 135)) == "ACCEPT"  # DAD
    # a port never advertises itself as a router; a router's port does
    assert v6(ping6("fe80::f816:3eff:fe00:5", "ff02::1", "veth1", mac, 134)) == "DROP"
    assert v6(ping6("fe80::1", "ff02::1", "cr-if", "fa:16:3e:99:99:99", 134)) == "ACCEPT"
    # from an unknown bridge port: dropped
    assert v6(ping6("fe80::1", "ff02::1", "cr-other", mac, 135)) == "DROP"
    # other multicast passes each port's ingress rules (by its bridge port): port-3
    # admits an echo request from anyone, port-2 from its group only
    to_all = ping6("2001:db8::5", "ff02::1", "veth1", mac)
    c = ping6("2001:db8::7", "ff02::1", "veth3", "fa:16:3e:00:00:07")
    assert v6(replace(to_all, physdev_out="veth3")) == "ACCEPT"
    assert v6(replace(to_all, physdev_out="veth2")) == "ACCEPT"
    assert v6(replace(c, physdev_out="veth2")) == "DROP"
    assert v6(replace(c, physdev_out="cr-if")) == "ACCEPT"  # a router takes it
    assert v6(replace(c, physdev_out="cv-unknown")) == "DROP"
