"""Networks, subnets and ports through the unmodified openstack CLI."""

from __future__ import annotations

import uuid

from tests.integration.cloud import Cloud
from tests.integration.network.neutron_http import Neutron


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_network_create_list_show_set_delete(net_cloud: Cloud) -> None:
    name = _name("cli-net")
    created = net_cloud.cli("network", "create", name, "--mtu", "1400")
    assert created["name"] == name and created["status"] == "ACTIVE"
    assert created["mtu"] == 1400 and created["router:external"] is False
    listed = net_cloud.cli("network", "list")
    assert {"ID": created["id"], "Name": name, "Subnets": []} in listed
    renamed = _name("cli-net")
    net_cloud.cli("network", "set", "--name", renamed, "--description", "for tests", name,
                  as_json=False)
    shown = net_cloud.cli("network", "show", renamed)
    assert (shown["id"], shown["description"]) == (created["id"], "for tests")
    assert shown["revision_number"] > created["revision_number"]
    net_cloud.cli("network", "delete", renamed, as_json=False)
    gone = net_cloud.cli("network", "show", created["id"], check=False, as_json=False)
    assert gone.returncode != 0 and "No Network found" in gone.stderr


def test_subnet_with_pools_dns_and_no_gateway(net_cloud: Cloud, neutron: Neutron) -> None:
    net = neutron.network()
    subnet = net_cloud.cli(
        "subnet", "create", "--network", net["id"], "--subnet-range", "10.90.0.0/24",
        "--allocation-pool", "start=10.90.0.100,end=10.90.0.150",
        "--dns-nameserver", "192.0.2.53", "--gateway", "none", _name("cli-sub"))
    assert subnet["cidr"] == "10.90.0.0/24" and subnet["gateway_ip"] is None
    assert subnet["allocation_pools"] == [{"start": "10.90.0.100", "end": "10.90.0.150"}]
    assert subnet["dns_nameservers"] == ["192.0.2.53"] and subnet["ip_version"] == 4
    # host bits set: Neutron's _create_subnet_precommit turns it into the network address
    loose = net_cloud.cli("subnet", "create", "--network", net["id"], "--subnet-range",
                          "10.91.0.9/24", _name("loose"))
    assert loose["cidr"] == "10.91.0.0/24"
    net_cloud.cli("subnet", "delete", loose["id"], as_json=False)
    bad = net_cloud.cli("subnet", "create", "--network", net["id"], "--subnet-range",
                        "10.91.0.9", _name("bad"), check=False, as_json=False)
    assert bad.returncode != 0 and "400" in bad.stderr and "not a valid IP subnet" in bad.stderr
    v6 = net_cloud.cli("subnet", "create", "--network", net["id"], "--ip-version", "6",
                       "--subnet-range", "fd00:1::/64", "--ipv6-ra-mode", "slaac",
                       "--ipv6-address-mode", "slaac", _name("v6"))
    assert (v6["ip_version"], v6["gateway_ip"], v6["ipv6_address_mode"]) == (
        6, "fd00:1::1", "slaac")
    net_cloud.cli("subnet", "delete", v6["id"], as_json=False)


def test_port_with_a_fixed_ip_then_the_same_ip_again(net_cloud: Cloud,
                                                     neutron: Neutron) -> None:
    net = neutron.network(cidr="10.92.0.0/24")
    subnet = net["subnet"]["name"]
    port = net_cloud.cli("port", "create", "--network", net["id"], "--fixed-ip",
                         f"subnet={subnet},ip-address=10.92.0.50", _name("cli-port"))
    assert port["fixed_ips"] == [{"subnet_id": net["subnet"]["id"],
                                  "ip_address": "10.92.0.50"}]
    assert port["mac_address"].startswith("fa:16:3e:") and port["status"] == "DOWN"
    (group,) = port["security_group_ids"]
    assert neutron.ok("GET", f"/security-groups/{group}")["security_group"]["name"] == "default"
    again = net_cloud.cli("port", "create", "--network", net["id"], "--fixed-ip",
                          f"subnet={subnet},ip-address=10.92.0.50", _name("cli-port"),
                          check=False, as_json=False)
    assert again.returncode != 0 and "409" in again.stderr
    assert "already allocated" in again.stderr
    listed = net_cloud.cli("port", "list", "--network", net["id"])
    assert [p["ID"] for p in listed] == [port["id"]]
