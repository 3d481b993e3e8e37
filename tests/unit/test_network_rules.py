"""The ruleset builder: what each piece of network intent becomes in iptables."""

from __future__ import annotations

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
