"""Neutron behaviours Tempest checks: subnets of external networks, deleting an external
network with idle floating IPs, port bindings, the (empty) agent list."""

from __future__ import annotations

from tests.integration.network.neutron_http import Neutron, fault


def _public(neutron: Neutron) -> dict:
    return neutron.ok("GET", "/networks", params={"name": "public"})["networks"][0]


def test_subnets_say_whether_their_network_is_external(neutron: Neutron) -> None:
    public = _public(neutron)
    reader = neutron.add_user("reader", "demo")
    listed = neutron.ok("GET", "/subnets", who=reader,
                        params={"network_id": public["id"]})["subnets"]
    assert [s["router:external"] for s in listed] == [True]
    external = neutron.ok("GET", "/subnets", who="demo",
                          params={"router:external": "true"})["subnets"]
    assert public["subnets"][0] in {s["id"] for s in external}
    assert all(s["router:external"] for s in external)
    mine = neutron.network(who="demo", cidr="10.84.0.0/24")["subnet"]
    assert mine["router:external"] is False
    internal = neutron.ok("GET", "/subnets", who="demo",
                          params={"router:external": "false"})["subnets"]
    assert mine["id"] in {s["id"] for s in internal}
    fault(neutron.call("GET", "/subnets", who="demo", params={"router:external": "maybe"}),
          400)
    fault(neutron.call("PUT", f"/subnets/{mine['id']}", who="demo",
                       json={"subnet": {"router:external": True}}), 400, "HTTPBadRequest")


def test_deleting_an_external_network_deletes_its_idle_floating_ips(neutron: Neutron) -> None:
    ext = neutron.network(cidr="172.31.84.0/28", **{"router:external": True})
    idle = neutron.ok("POST", "/floatingips", 201, json={"floatingip": {
        "floating_network_id": ext["id"]}})["floatingip"]
    assert neutron.call("DELETE", f"/networks/{ext['id']}").status_code == 204
    fault(neutron.call("GET", f"/floatingips/{idle['id']}"), 404, "FloatingIPNotFound")
    fault(neutron.call("GET", f"/subnets/{ext['subnet']['id']}"), 404, "SubnetNotFound")
    assert not neutron.ok("GET", "/ports", params={"network_id": ext["id"]})["ports"]


def test_an_external_network_with_a_used_floating_ip_stays(neutron: Neutron) -> None:
    ext = neutron.network(cidr="172.31.85.0/28", **{"router:external": True})
    inner = neutron.network(cidr="10.85.0.0/24")
    router = neutron.ok("POST", "/routers", 201, json={"router": {
        "external_gateway_info": {"network_id": ext["id"]}}})["router"]
    neutron.ok("PUT", f"/routers/{router['id']}/add_router_interface",
               json={"subnet_id": inner["subnet"]["id"]})
    port = neutron.ok("POST", "/ports", 201, json={"port": {"network_id": inner["id"]}})
    used = neutron.ok("POST", "/floatingips", 201, json={"floatingip": {
        "floating_network_id": ext["id"], "port_id": port["port"]["id"]}})["floatingip"]
    idle = neutron.ok("POST", "/floatingips", 201, json={"floatingip": {
        "floating_network_id": ext["id"]}})["floatingip"]
    fault(neutron.call("DELETE", f"/networks/{ext['id']}"), 409, "NetworkInUse")
    for fip in (used, idle):  # a refused delete removes nothing
        assert neutron.ok("GET", f"/floatingips/{fip['id']}")["floatingip"]["id"] == fip["id"]
    # clean up: an external network is visible to every project (the listing tests)
    for fip in (used, idle):
        neutron.ok("DELETE", f"/floatingips/{fip['id']}", 204)
    neutron.ok("PUT", f"/routers/{router['id']}/remove_router_interface",
               json={"subnet_id": inner["subnet"]["id"]})
    neutron.ok("DELETE", f"/routers/{router['id']}", 204)
    neutron.ok("DELETE", f"/ports/{port['port']['id']}", 204)
    for net in (inner, ext):
        neutron.ok("DELETE", f"/networks/{net['id']}", 204)


def test_port_binding_attributes(neutron: Neutron) -> None:
    net = neutron.network(who="demo", cidr="10.86.0.0/24")
    port = neutron.ok("POST", "/ports", 201, who="demo",
                      json={"port": {"network_id": net["id"]}})["port"]
    assert port["binding:vnic_type"] == "normal"
    assert not {"binding:host_id", "binding:vif_type", "binding:profile"} & set(port)
    seen = neutron.ok("GET", f"/ports/{port['id']}")["port"]
    assert (seen["binding:host_id"], seen["binding:vif_type"], seen["binding:vif_details"],
            seen["binding:profile"]) == ("", "unbound", {}, {})
    host = neutron.client.get(
        "/compute/v2.1/os-hypervisors", headers={"X-Auth-Token": neutron.token()}
    ).json()["hypervisors"][0]["hypervisor_hostname"]
    bound = neutron.ok("PUT", f"/ports/{port['id']}", json={"port": {
        "binding:host_id": host, "binding:profile": {"k": "v"}}})["port"]
    assert (bound["binding:host_id"], bound["binding:vif_type"]) == (host, "bridge")
    assert bound["binding:vif_details"]["port_filter"] is True
    assert bound["binding:profile"] == {"k": "v"}
    listed = neutron.ok("GET", "/ports", params={"binding:host_id": host})["ports"]
    assert port["id"] in {p["id"] for p in listed}
    elsewhere = neutron.ok("POST", "/ports", 201, json={"port": {
        "network_id": net["id"], "binding:host_id": "no-such-host"}})["port"]
    assert elsewhere["binding:vif_type"] == "binding_failed"
    direct = neutron.ok("PUT", f"/ports/{port['id']}", who="demo", json={"port": {
        "binding:vnic_type": "direct"}})["port"]
    assert direct["binding:vnic_type"] == "direct"
    assert neutron.ok("GET", f"/ports/{port['id']}")["port"]["binding:vif_type"] == (
        "binding_failed")
    unbound = neutron.ok("PUT", f"/ports/{port['id']}", json={"port": {
        "binding:host_id": "", "binding:vnic_type": "normal"}})["port"]
    assert unbound["binding:vif_type"] == "unbound"


def test_port_binding_refusals(neutron: Neutron) -> None:
    net = neutron.network(who="demo")
    body = {"network_id": net["id"]}
    for attrs in ({"binding:host_id": "h"}, {"binding:profile": {}}):
        r = neutron.call("POST", "/ports", who="demo", json={"port": {**body, **attrs}})
        assert "binding:" in fault(r, 403, "PolicyNotAuthorized")
    for attrs, words in (({"binding:vnic_type": "fast"}, "binding:vnic_type"),
                         ({"binding:profile": "x"}, "not a dictionary"),
                         ({"binding:host_id": 7}, "not a valid string"),
                         ({"binding:vif_type": "ovs"}, "not allowed in POST")):
        r = neutron.call("POST", "/ports", json={"port": {**body, **attrs}})
        assert words in fault(r, 400, "HTTPBadRequest")


def test_agents_are_an_empty_list(neutron: Neutron) -> None:
    reader = neutron.add_user("reader", "demo")
    for who in ("admin", "demo", reader):
        assert neutron.ok("GET", "/agents", who=who) == {"agents": []}
    assert neutron.ok("GET", "/agents", params={"alive": "true"}) == {"agents": []}
    fault(neutron.call("GET", "/agents", params={"colour": "red"}), 400)
    agent = "7a1d9a3e-0d1f-4a39-8a53-3c6f0e0c4b11"
    for method in ("GET", "PUT", "DELETE"):
        message = fault(neutron.call(method, f"/agents/{agent}",
                                     json={"agent": {}} if method == "PUT" else None),
                        404, "AgentNotFound")
        assert agent in message


def test_subnet_pools_carve_subnets(neutron: Neutron) -> None:
    pool = neutron.ok("POST", "/subnetpools", 201, who="demo", json={"subnetpool": {
        "name": "p", "prefixes": ["10.87.0.0/24", "10.87.1.0/24"],
        "default_prefixlen": 26, "max_prefixlen": 28}})["subnetpool"]
    assert (pool["prefixes"], pool["min_prefixlen"], pool["ip_version"]) == (
        ["10.87.0.0/23"], 8, 4)
    net = neutron.network(who="demo")

    def subnet(**attrs: object):  # type: ignore[no-untyped-def]
        return neutron.call("POST", "/subnets", who="demo", json={"subnet": {
            "network_id": net["id"], "ip_version": 4, "subnetpool_id": pool["id"], **attrs}})
    first = subnet().json()["subnet"]
    assert (first["cidr"], first["subnetpool_id"]) == ("10.87.0.0/26", pool["id"])
    assert subnet(prefixlen=28).json()["subnet"]["cidr"] == "10.87.0.64/28"
    assert subnet(cidr="10.87.1.0/24").json()["subnet"]["cidr"] == "10.87.1.0/24"
    assert "overlaps with another subnet" in fault(subnet(cidr="10.87.0.0/25"), 400)
    fault(subnet(cidr="10.88.0.0/24"), 400, "SubnetAllocationError")
    fault(subnet(prefixlen=30), 400, "MaxPrefixSubnetAllocationError")
    fault(subnet(cidr="10.87.0.128/28", prefixlen=28), 400)
    fault(subnet(prefixlen=24), 409, "SubnetAllocationError")  # no /24 left
    fault(neutron.call("DELETE", f"/subnetpools/{pool['id']}", who="demo"), 409,
          "SubnetPoolInUse")
    fault(neutron.call("PUT", f"/subnetpools/{pool['id']}", who="demo", json={
        "subnetpool": {"prefixes": ["10.87.0.0/24"]}}), 400, "IllegalSubnetPoolPrefixUpdate")
    grown = neutron.ok("PUT", f"/subnetpools/{pool['id']}", who="demo", json={"subnetpool": {
        "prefixes": ["10.87.0.0/23", "10.89.0.0/24"], "name": "q"}})["subnetpool"]
    assert grown["prefixes"] == ["10.87.0.0/23", "10.89.0.0/24"] and grown["name"] == "q"
    assert neutron.call("PUT", f"/subnetpools/{pool['id']}/tags/t", who="demo"
                        ).status_code == 201
    assert [p["id"] for p in neutron.ok("GET", "/subnetpools", who="demo",
                                        params={"tags": "t"})["subnetpools"]] == [pool["id"]]


def test_subnet_pool_refusals(neutron: Neutron) -> None:
    def pool(who: str = "demo", **attrs: object):  # type: ignore[no-untyped-def]
        return neutron.call("POST", "/subnetpools", who=who, json={"subnetpool": attrs})
    fault(pool(), 400, "HTTPBadRequest")  # prefixes are required
    fault(pool(prefixes=[]), 400, "EmptySubnetPoolPrefixList")
    fault(pool(prefixes=["10.90.0.1"]), 400, "HTTPBadRequest")
    # host bits set: Neutron's SubnetPoolReader compacts the prefixes (netaddr.IPSet)
    loose = pool(prefixes=["10.90.0.1/24"])
    assert loose.status_code == 201, loose.text
    assert loose.json()["subnetpool"]["prefixes"] == ["10.90.0.0/24"]
    neutron.call("DELETE", f"/subnetpools/{loose.json()['subnetpool']['id']}", who="demo")
    fault(pool(prefixes=["fd00::/48", "10.90.0.0/24"]), 400, "PrefixVersionMismatch")
    fault(pool(prefixes=["10.90.0.0/24"], min_prefixlen=24, max_prefixlen=20), 400,
          "IllegalSubnetPoolPrefixBounds")
    fault(pool(prefixes=["10.90.0.0/24"], max_prefixlen=33), 400,
          "IllegalSubnetPoolPrefixBounds")  # beyond the version's 32, as Neutron
    fault(pool(prefixes=["10.90.0.0/24"], shared=True), 403, "PolicyNotAuthorized")
    admins = pool("admin", prefixes=["10.91.0.0/24"]).json()["subnetpool"]
    fault(neutron.call("GET", f"/subnetpools/{admins['id']}", who="demo"), 404,
          "SubnetPoolNotFound")
    net = neutron.network(who="demo")
    r = neutron.call("POST", "/subnets", who="demo", json={"subnet": {
        "network_id": net["id"], "ip_version": 4, "subnetpool_id": admins["id"]}})
    fault(r, 404, "SubnetPoolNotFound")
    assert neutron.call("DELETE", f"/subnetpools/{admins['id']}").status_code == 204
