"""IPv6 in the dataplane, over the fake twins: what the network converger asks the
plumbing for (a server's IPv6 addresses with their prefix and its IPv6 default route, a
bridge for an IPv6-only network)."""

from __future__ import annotations

from typing import Any

from cheptel.network.service.ipv6 import eui64
from cheptel.reconciler import routers
from cheptel.reconciler.wiring import bridge_for
from tests.unit.reconcile import Cloud


def _ok(r: Any, status: int = 201) -> dict:
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def _subnet(rcloud: Cloud, network_id: str, cidr: str, **extra: Any) -> dict:
    return _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": network_id, "ip_version": 6, "cidr": cidr, **extra}}))["subnet"]


def _network(rcloud: Cloud, name: str) -> dict:
    return _ok(rcloud.neutron("POST", "/networks", {"network": {"name": name}}))["network"]


def test_a_dual_stack_server_gets_its_ipv6_addresses_and_default_route(
        rcloud: Cloud) -> None:
    private = _ok(rcloud.neutron("GET", "/networks?name=private"), 200)["networks"][0]
    _subnet(rcloud, private["id"], "2001:db8:7::/64", ipv6_ra_mode="slaac",
            ipv6_address_mode="slaac")
    _subnet(rcloud, private["id"], "2001:db8:9::/64", gateway_ip=None,
            host_routes=[{"destination": "2001:db8:a::/64", "nexthop": "2001:db8:9::fe"}])
    sid = rcloud.active("dual", networks=[{"uuid": private["id"]}])
    (port,) = _ok(rcloud.neutron("GET", f"/ports?device_id={sid}"), 200)["ports"]
    v4, *v6 = [ip["ip_address"] for ip in port["fixed_ips"]]
    assert eui64("2001:db8:7::/64", port["mac_address"]) in v6 and len(v6) == 2
    (nic,) = rcloud.engine.plumbing.interfaces(f"cheptel-{sid}").values()
    assert (nic.address, nic.gateway) == (v4, "10.0.0.1")
    assert sorted(nic.addresses6) == sorted(f"{ip}/64" for ip in v6)
    assert nic.gateway6 == "2001:db8:7::1"  # the first IPv6 subnet with a gateway
    assert [(r.destination, r.nexthop) for r in nic.routes] == [
        ("169.254.169.254/32", None), ("2001:db8:a::/64", "2001:db8:9::fe")]


def test_an_ipv6_only_network_has_a_bridge_and_its_servers_are_plumbed(
        rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    only6 = _network(rcloud, "only6")
    _subnet(rcloud, only6["id"], "2001:db8:8::/64")
    sid = rcloud.active("six", networks=[{"uuid": only6["id"]}])
    bridge = rcloud.engine.plumbing.links[bridge_for(cid, only6["id"])]
    assert bridge.address is None  # no IPv4 address, and the host holds no IPv6 one
    (port,) = _ok(rcloud.neutron("GET", f"/ports?device_id={sid}"), 200)["ports"]
    (ip,) = [a["ip_address"] for a in port["fixed_ips"]]
    (nic,) = rcloud.engine.plumbing.interfaces(f"cheptel-{sid}").values()
    assert (nic.address, nic.gateway) == (None, None)
    assert (nic.addresses6, nic.gateway6) == ((f"{ip}/64",), "2001:db8:8::1")
    assert _ok(rcloud.neutron("GET", f"/ports/{port['id']}"), 200)["port"]["status"] == (
        "ACTIVE")
    # its subnet and network gone, so is the bridge
    assert rcloud.nova("DELETE", f"/servers/{sid}").status_code == 204
    rcloud.settle()
    assert rcloud.neutron("DELETE", f"/networks/{only6['id']}").status_code == 204
    rcloud.deps.reconciler.kick_network()
    rcloud.settle()
    assert bridge_for(cid, only6["id"]) not in rcloud.engine.plumbing.links


def test_a_router_holds_its_ipv6_gateways_and_joins_its_ipv6_subnets(
        rcloud: Cloud) -> None:
    """Each IPv6 interface (an IPv6-only network's too) holds its subnet's gateway
    address in the router's namespace, forwarding on; the gateway port keeps IPv4 only
    and the NAT is IPv4's alone (IPv6 is routed, never NATed)."""
    cid = rcloud.deps.cloud_id
    private = _ok(rcloud.neutron("GET", "/networks?name=private"), 200)["networks"][0]
    dual = _subnet(rcloud, private["id"], "2001:db8:7::/64", ipv6_ra_mode="slaac",
                   ipv6_address_mode="slaac")
    only6 = _network(rcloud, "only6")
    six = _subnet(rcloud, only6["id"], "2001:db8:8::/64")
    router = _ok(rcloud.neutron("GET", "/routers?name=router1"), 200)["routers"][0]
    for subnet in (dual, six):
        _ok(rcloud.neutron("PUT", f"/routers/{router['id']}/add_router_interface",
                           {"subnet_id": subnet["id"]}), 200)
    rcloud.deps.reconciler.kick_network()
    rcloud.settle()
    (space,) = rcloud.engine.plumbing.namespaces_of_routers.values()
    assert space.forwarding
    inner = {p.bridge: p for p in space.ports if p.inner_name.startswith("qr-")}
    assert inner[bridge_for(cid, only6["id"])].addresses == ("2001:db8:8::1/64",)
    # private's IPv4 interface and its IPv6 one: a port each, on the same bridge
    on_private = [p for p in space.ports if p.bridge == bridge_for(cid, private["id"])]
    assert sorted(a for p in on_private for a in p.addresses) == [
        "10.0.0.1/24", "2001:db8:7::1/64"]
    (gateway,) = [p for p in space.ports if p.inner_name.startswith("qg-")]
    assert all(":" not in a for a in gateway.addresses)
    assert "2001:db8" not in space.nat and space.gateway  # an IPv4 default route only
    # router advertisements for the slaac subnet only (the other has no ipv6_ra_mode)
    qr6 = next(p for p in on_private if "2001:db8:7::1/64" in p.addresses)
    assert space.radvd == routers.radvd_conf([(qr6.inner_name, 1500, [
        ("2001:db8:7::/64", "slaac")])])
    assert "prefix 2001:db8:7::/64" in space.radvd and "2001:db8:8::" not in space.radvd


def test_radvd_conf_as_neutron_writes_it() -> None:
    text = routers.radvd_conf([("qr-a", 1450, [("2001:db8:1::/64", "slaac")]),
                               ("qr-b", 1500, []),
                               ("qr-c", 1500, [("2001:db8:3::/64", "dhcpv6-stateless")])])
    assert text.count("interface ") == 2 and "qr-b" not in text
    a, c = text.split("};\ninterface ")
    assert "AdvSendAdvert on;" in a and "AdvLinkMTU 1450;" in a
    assert "prefix 2001:db8:1::/64 {" in a and "AdvAutonomous on;" in a
    assert "AdvOtherConfigFlag" not in a and "AdvOtherConfigFlag on;" in c
    assert routers.radvd_conf([("qr-b", 1500, [])]) == ""


def test_the_ipv6_half_of_the_ruleset_follows_the_ports(rcloud: Cloud) -> None:
    """What the converger asks the firewall for: ip6tables chains with the port's IPv6
    and link-local addresses, its IPv6 allowed address pairs (the IPv4 ones stay in the
    IPv4 half), the default group's IPv6 rules."""
    private = _ok(rcloud.neutron("GET", "/networks?name=private"), 200)["networks"][0]
    _subnet(rcloud, private["id"], "2001:db8:7::/64", ipv6_ra_mode="slaac",
            ipv6_address_mode="slaac")
    sid = rcloud.active("dual", networks=[{"uuid": private["id"]}])
    (port,) = _ok(rcloud.neutron("GET", f"/ports?device_id={sid}"), 200)["ports"]
    _ok(rcloud.neutron("PUT", f"/ports/{port['id']}", {"port": {"allowed_address_pairs": [
        {"ip_address": "2001:db8:7::99"}, {"ip_address": "10.0.0.99"}]}}), 200)
    rcloud.deps.reconciler.kick_network()
    rcloud.settle()
    rs = rcloud.ruleset()
    assert rs is not None
    v4 = [r for chain in rs.tables["filter"].values() for r in chain]
    v6 = [r for chain in rs.tables6["filter"].values() for r in chain]
    mac = port["mac_address"]
    six = eui64("2001:db8:7::/64", mac)
    assert any(r.startswith(f"-s {six} -m mac --mac-source {mac}") for r in v6)
    assert any(r.startswith(f"-s {eui64('fe80::/64', mac)} -m mac") for r in v6)
    assert any(r.startswith("-s 2001:db8:7::99 ") for r in v6)
    assert any(r.startswith("-s 10.0.0.99 ") for r in v4)
    assert not any("2001:db8" in r for r in v4) and not any("10.0.0." in r for r in v6)
    # the default group admits its members over IPv6 too: an inet6 set of them
    assert [six] in rs.sets.values()
