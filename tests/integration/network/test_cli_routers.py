"""Routers and floating IPs through the unmodified openstack CLI."""

from __future__ import annotations

import uuid

from tests.integration.cloud import Cloud
from tests.integration.network.neutron_http import Neutron


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_router_gateway_and_interfaces(net_cloud: Cloud, neutron: Neutron) -> None:
    net = neutron.network(cidr="10.93.0.0/24")
    name = _name("cli-router")
    router = net_cloud.cli("router", "create", name)
    assert router["external_gateway_info"] is None and router["status"] == "ACTIVE"
    net_cloud.cli("router", "set", "--external-gateway", "public", name, as_json=False)
    net_cloud.cli("router", "add", "subnet", name, net["subnet"]["name"], as_json=False)
    shown = net_cloud.cli("router", "show", name)
    gateway = shown["external_gateway_info"]
    assert gateway["enable_snat"] is True
    assert gateway["external_fixed_ips"][0]["ip_address"].startswith("172.24.4.")
    (interface,) = shown["interfaces_info"]
    assert interface["ip_address"] == "10.93.0.1"
    busy = net_cloud.cli("subnet", "delete", net["subnet"]["id"], check=False, as_json=False)
    assert busy.returncode != 0 and "One or more ports have an IP allocation" in busy.stderr
    busy = net_cloud.cli("router", "delete", name, check=False, as_json=False)
    assert busy.returncode != 0 and "still has ports" in busy.stderr
    net_cloud.cli("router", "remove", "subnet", name, net["subnet"]["name"], as_json=False)
    net_cloud.cli("router", "unset", "--external-gateway", name, as_json=False)
    assert neutron.ok("GET", f"/routers/{router['id']}")["router"][
        "external_gateway_info"] is None
    net_cloud.cli("router", "delete", name, as_json=False)
    neutron.ok("DELETE", f"/networks/{net['id']}", 204)


def test_floating_ip_create_set_unset_delete(net_cloud: Cloud, neutron: Neutron) -> None:
    net = neutron.network(cidr="10.94.0.0/24")
    router = neutron.ok("POST", "/routers", 201, json={"router": {
        "name": _name("fip-router"), "external_gateway_info": {
            "network_id": neutron.ok("GET", "/networks", params={"name": "public"})[
                "networks"][0]["id"]}}})["router"]
    neutron.ok("PUT", f"/routers/{router['id']}/add_router_interface",
               json={"subnet_id": net["subnet"]["id"]})
    port = neutron.ok("POST", "/ports", 201, json={"port": {"network_id": net["id"],
                                                            "name": _name("fip-port")}})["port"]
    fip = net_cloud.cli("floating", "ip", "create", "public")
    assert fip["status"] == "DOWN" and fip["port_id"] is None
    assert fip["floating_ip_address"].startswith("172.24.4.")
    net_cloud.cli("floating", "ip", "set", "--port", port["name"], fip["floating_ip_address"],
                  as_json=False)
    shown = net_cloud.cli("floating", "ip", "show", fip["id"])
    assert (shown["port_id"], shown["router_id"]) == (port["id"], router["id"])
    assert shown["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert shown["status"] == "ACTIVE"
    busy = net_cloud.cli("router", "remove", "subnet", router["id"], net["subnet"]["id"],
                         check=False, as_json=False)
    assert busy.returncode != 0 and "required by one or more floating IPs" in busy.stderr
    net_cloud.cli("floating", "ip", "unset", "--port", fip["id"], as_json=False)
    after = neutron.ok("GET", f"/floatingips/{fip['id']}")["floatingip"]
    assert after["port_id"] is None and after["status"] == "DOWN"
    net_cloud.cli("floating", "ip", "delete", fip["id"], as_json=False)
    assert neutron.call("GET", f"/floatingips/{fip['id']}").status_code == 404
    busy = net_cloud.cli("network", "delete", net["id"], check=False, as_json=False)
    assert busy.returncode != 0 and "409" in busy.stderr
