"""Bad input and refusals through raw HTTP: every error is Neutron's NeutronError body."""

from __future__ import annotations

import pytest

from tests.integration.network.neutron_http import Neutron, fault


@pytest.mark.parametrize(("body", "kind", "words"), [
    ({"network": {"name": "x", "colour": "red"}}, "HTTPBadRequest", "Unrecognized attribute"),
    ({"network": {"id": "x"}}, "HTTPBadRequest", "not allowed in POST"),
    ({"network": {"admin_state_up": "maybe"}}, "HTTPBadRequest", "cannot be converted"),
    ({"network": {"name": 7}}, "HTTPBadRequest", "not a valid string"),
    ({"network": {"mtu": 9000}}, "InvalidInput", "MTU is too big"),
    ({"network": "x"}, "HTTPBadRequest", "contains invalid data"),
    ({"net": {}}, "HTTPBadRequest", "Unable to find 'network'"),
    ({"network": {"provider:network_type": "vlan"}}, "InvalidInput", "not supported"),
])
def test_bad_network_bodies(neutron: Neutron, body: dict, kind: str, words: str) -> None:
    assert words in fault(neutron.call("POST", "/networks", json=body), 400, kind)


def test_malformed_json_and_empty_body(neutron: Neutron) -> None:
    r = neutron.client.post("/network/v2.0/networks", content=b"{nope",
                            headers={"X-Auth-Token": neutron.token(),
                                     "Content-Type": "application/json"})
    fault(r, 400)
    fault(neutron.call("POST", "/networks"), 400, "HTTPBadRequest")


@pytest.mark.parametrize(("cidr", "extra", "kind", "words"), [
    ("10.77.0.0/024", {}, "HTTPBadRequest", "not a valid IP subnet"),  # not as netaddr writes
    ("fd00::/64", {"ip_version": 6, "ipv6_ra_mode": "slaac",
                   "ipv6_address_mode": "dhcpv6-stateful"}, "InvalidInput", "same value"),
    ("fd00::/64", {}, "InvalidInput", "does not match the ip_version '4'"),
    ("10.77.0.0", {}, "HTTPBadRequest", "not a valid IP subnet"),
    ("not-a-cidr", {}, "HTTPBadRequest", "not a valid IP subnet"),
    ("10.77.0.0/24", {"gateway_ip": "10.77.0.0"}, "InvalidInput", "Gateway is not valid"),
    ("10.77.0.0/24", {"gateway_ip": "10.77.0.255"}, "InvalidInput", "Gateway is not valid"),
    ("10.77.0.0/24", {"allocation_pools": [{"start": "10.77.0.10", "end": "10.77.1.9"}]},
     "OutOfBoundsAllocationPool", "spans beyond"),
    ("10.77.0.0/24", {"allocation_pools": [{"start": "10.77.0.9", "end": "10.77.0.2"}]},
     "InvalidAllocationPool", "is not valid"),
    ("10.77.0.0/24", {"dns_nameservers": ["8.8.8.8", "8.8.8.8"]}, "HTTPBadRequest",
     "Duplicate"),
    ("10.77.0.0/24", {"ip_version": 5}, "HTTPBadRequest", "ip_version"),
])
def test_bad_subnets(neutron: Neutron, cidr: str, extra: dict, kind: str, words: str) -> None:
    net = neutron.network()
    body = {"subnet": {"network_id": net["id"], "ip_version": 4, "cidr": cidr, **extra}}
    assert words in fault(neutron.call("POST", "/subnets", json=body), 400, kind)


def test_overlaps_and_pool_conflicts(neutron: Neutron) -> None:
    net = neutron.network(cidr="10.78.0.0/24")
    body = {"subnet": {"network_id": net["id"], "ip_version": 4, "cidr": "10.78.0.128/25"}}
    assert "overlaps with another subnet" in fault(neutron.call("POST", "/subnets", json=body),
                                                  400, "InvalidInput")
    # another network may use the same addresses (allow_overlapping_ips = True): each
    # router is a namespace of its own
    other = neutron.network()
    body["subnet"].update(network_id=other["id"], cidr="10.78.0.0/24")
    assert neutron.call("POST", "/subnets", json=body).status_code == 201
    # but external networks' gateways are the host's: they never overlap each other
    public = neutron.ok("GET", "/subnets?name=public-subnet", 200)["subnets"][0]["cidr"]
    external = neutron.network(**{"router:external": True})
    body["subnet"].update(network_id=external["id"], cidr=public)
    assert "overlaps with another subnet" in fault(neutron.call("POST", "/subnets", json=body),
                                                  400, "InvalidInput")
    neutron.ok("DELETE", f"/networks/{external['id']}", 204)  # every project lists it
    body["subnet"].update(network_id=other["id"], cidr="10.79.0.0/24", gateway_ip="10.79.0.5",
                          allocation_pools=[{"start": "10.79.0.2", "end": "10.79.0.9"}])
    fault(neutron.call("POST", "/subnets", json=body), 409,
          "GatewayConflictWithAllocationPools")


def test_fixed_ips_taken_outside_or_exhausted(neutron: Neutron) -> None:
    net = neutron.network(cidr="10.80.0.0/29")
    sub = net["subnet"]

    def port(**attrs: object):  # type: ignore[no-untyped-def]
        return neutron.call("POST", "/ports", json={"port": {"network_id": net["id"],
                                                             **attrs}})
    taken = port(fixed_ips=[{"subnet_id": sub["id"], "ip_address": "10.80.0.4"}])
    assert taken.status_code == 201, taken.text
    again = port(fixed_ips=[{"ip_address": "10.80.0.4"}])
    assert "already allocated" in fault(again, 409, "IpAddressAlreadyAllocated")
    fault(port(fixed_ips=[{"ip_address": "10.81.0.4"}]), 400, "InvalidIpForNetwork")
    fault(port(fixed_ips=[{"subnet_id": sub["id"], "ip_address": "10.80.0.7"}]), 400,
          "InvalidIpForSubnet")
    fault(port(fixed_ips=[{"ip_address": "10.80.0.1"}]), 409, "IpAddressAlreadyAllocated")
    fault(port(mac_address="fa:16:3e:00:00:zz"), 400, "HTTPBadRequest")
    addresses = [port().json()["port"]["fixed_ips"][0]["ip_address"] for _ in range(4)]
    assert addresses == ["10.80.0.2", "10.80.0.3", "10.80.0.5", "10.80.0.6"]
    fault(port(), 409, "IpAddressGenerationFailure")


def test_other_projects_resources_are_404(neutron: Neutron) -> None:
    net = neutron.network(cidr="10.82.0.0/24")
    for path, kind in ((f"/networks/{net['id']}", "NetworkNotFound"),
                       (f"/subnets/{net['subnet']['id']}", "SubnetNotFound")):
        fault(neutron.call("GET", path, who="demo"), 404, kind)
        fault(neutron.call("DELETE", path, who="demo"), 404, kind)
    assert net["id"] not in {n["id"] for n in neutron.ok("GET", "/networks", who="demo")[
        "networks"]}
    demo_net = neutron.network(who="demo")
    assert demo_net["id"] in {n["id"] for n in neutron.ok("GET", "/networks")["networks"]}
    fault(neutron.call("POST", "/ports", who="demo", json={"port": {"network_id": net["id"]}}),
          404)
    fault(neutron.call("GET", "/routers/not-a-uuid", who="demo"), 404, "RouterNotFound")
    fault(neutron.call("GET", "/floatingips/172.24.4.99", who="demo"), 404,
          "FloatingIPNotFound")


def test_admin_only_attributes_and_roles(neutron: Neutron) -> None:
    for attr in ({"shared": True}, {"router:external": True},
                 {"provider:network_type": "local"}):
        r = neutron.call("POST", "/networks", who="demo", json={"network": attr})
        assert "disallowed by policy" in fault(r, 403, "PolicyNotAuthorized")
    assert neutron.call("POST", "/networks", who="demo",
                        json={"network": {"shared": False}}).status_code == 201
    public = neutron.ok("GET", "/networks", params={"name": "public"})["networks"][0]
    fault(neutron.call("PUT", f"/networks/{public['id']}", who="demo",
                       json={"network": {"name": "mine"}}), 403, "PolicyNotAuthorized")
    fault(neutron.call("POST", "/networks", who="demo", json={"network": {
        "project_id": neutron.project_id("admin")}}), 400, "HTTPBadRequest")
    reader = neutron.add_user("reader", "demo")
    assert neutron.ok("GET", "/networks", who=reader)["networks"]
    fault(neutron.call("POST", "/networks", who=reader, json={"network": {}}), 403)
    r = neutron.call("GET", "/networks", token="not-a-token")
    assert r.status_code == 401 and r.json()["error"]["code"] == 401


def test_floating_ip_needs_a_router_to_the_external_network(neutron: Neutron) -> None:
    public = neutron.ok("GET", "/networks", params={"name": "public"})["networks"][0]
    net = neutron.network(who="demo", cidr="10.83.0.0/24")
    port = neutron.ok("POST", "/ports", 201, who="demo",
                      json={"port": {"network_id": net["id"]}})["port"]
    body = {"floatingip": {"floating_network_id": public["id"], "port_id": port["id"]}}
    r = neutron.call("POST", "/floatingips", who="demo", json=body)
    assert "is not reachable from subnet" in fault(r, 404,
                                                   "ExternalGatewayForFloatingIPNotFound")
    r = neutron.call("POST", "/floatingips", who="demo",
                     json={"floatingip": {"floating_network_id": net["id"]}})
    fault(r, 400, "BadRequest")
    r = neutron.call("POST", "/floatingips", who="demo", json={"floatingip": {
        "floating_network_id": public["id"], "floating_ip_address": "172.24.4.200"}})
    fault(r, 403, "PolicyNotAuthorized")


def test_tags_subresource(neutron: Neutron) -> None:
    net = neutron.network(who="demo")
    base = f"/networks/{net['id']}/tags"
    assert neutron.call("PUT", f"{base}/red", who="demo").status_code == 201
    assert neutron.ok("PUT", base, who="demo", json={"tags": ["a", "b"]}) == {"tags": ["a",
                                                                                      "b"]}
    assert neutron.call("GET", f"{base}/a", who="demo").status_code == 204
    fault(neutron.call("GET", f"{base}/red", who="demo"), 404, "TagNotFound")
    assert neutron.call("DELETE", f"{base}/a", who="demo").status_code == 204
    assert neutron.ok("GET", base, who="demo") == {"tags": ["b"]}
    assert neutron.call("DELETE", base, who="demo").status_code == 204
    fault(neutron.call("PUT", base, who="demo", json={"tags": "x"}), 400, "InvalidInput")
    added = neutron.call("PUT", f"/networks/{net['id']}/tags/x", who="demo")
    assert added.status_code == 201
