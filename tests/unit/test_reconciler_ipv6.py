"""IPv6 addresses never reach the IPv4 dataplane: a dual-stack server is plumbed with its
IPv4 address, a router's IPv6-only interface and an IPv6 allowed address pair are left out,
and a network with IPv6 subnets only has no bridge (until the dataplane does IPv6)."""

from __future__ import annotations

from typing import Any

from cheptel.reconciler.network import bridge_for
from tests.unit.reconcile import Cloud


def _ok(r: Any, status: int = 201) -> dict:
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def test_ipv6_addresses_stay_out_of_the_ipv4_dataplane(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    private = _ok(rcloud.neutron("GET", "/networks?name=private"), 200)["networks"][0]
    v6 = _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": private["id"], "ip_version": 6, "cidr": "2001:db8:7::/64",
        "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}}))["subnet"]
    router = _ok(rcloud.neutron("GET", "/routers?name=router1"), 200)["routers"][0]
    _ok(rcloud.neutron("PUT", f"/routers/{router['id']}/add_router_interface",
                       {"subnet_id": v6["id"]}), 200)
    only6 = _ok(rcloud.neutron("POST", "/networks", {"network": {"name": "only6"}}))["network"]
    _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": only6["id"], "ip_version": 6, "cidr": "2001:db8:8::/64"}}))
    sid = rcloud.active("dual", networks=[{"uuid": private["id"]}])
    (port,) = _ok(rcloud.neutron("GET", f"/ports?device_id={sid}"), 200)["ports"]
    addresses = [ip["ip_address"] for ip in port["fixed_ips"]]
    assert len(addresses) == 2 and ":" in addresses[1]  # dual-stack in the API
    _ok(rcloud.neutron("PUT", f"/ports/{port['id']}", {"port": {"allowed_address_pairs": [
        {"ip_address": "2001:db8:7::99"}, {"ip_address": "10.0.0.99"}]}}), 200)
    rcloud.deps.reconciler.kick_network()
    rcloud.settle()
    (nic,) = rcloud.engine.plumbing.interfaces(f"cheptel-{sid}").values()
    assert nic.address == addresses[0]  # its IPv4 address only
    (space,) = rcloud.engine.plumbing.namespaces_of_routers.values()
    assert all(":" not in a for p in space.ports for a in p.addresses)
    assert len([p for p in space.ports if p.inner_name.startswith("qr-")]) == 1
    rules = rcloud.rules()
    assert rules and not [r for r in rules if "2001:db8" in r]
    assert [r for r in rules if "10.0.0.99" in r]  # the IPv4 pair is there
    assert bridge_for(cid, only6["id"]) not in rcloud.engine.plumbing.links
