"""openstacksdk, as scripts and Ansible's openstack.cloud modules drive it: the cloud layer
(create_network, create_router, add_router_interface, ...) and the network proxy."""

from __future__ import annotations

import uuid

import openstack.exceptions
import pytest

from tests.integration.cloud import Cloud


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_cloud_layer_builds_a_routed_network(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk("cheptel-demo")
    public = conn.get_network("public")
    assert public is not None and public.is_router_external
    net = conn.create_network(_name("sdk-net"))
    subnet = conn.create_subnet(net.id, cidr="10.95.0.0/24", ip_version=4,
                                subnet_name=_name("sdk-sub"), dns_nameservers=["192.0.2.1"])
    router = conn.create_router(_name("sdk-router"), ext_gateway_net_id=public.id)
    conn.add_router_interface(router, subnet_id=subnet.id)
    port = conn.create_port(net.id, name=_name("sdk-port"))
    assert port.fixed_ips[0]["ip_address"] == "10.95.0.2"
    fip = conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    assert fip.router_id == router.id and fip.fixed_ip_address == "10.95.0.2"
    assert conn.search_ports(filters={"device_id": router.id})[0].fixed_ips == [
        {"subnet_id": subnet.id, "ip_address": "10.95.0.1"}]
    assert [f.id for f in conn.list_floating_ips()] == [fip.id]
    conn.network.delete_ip(fip)
    conn.delete_port(port.id)
    conn.remove_router_interface(router, subnet_id=subnet.id)
    conn.delete_router(router.id)
    conn.delete_subnet(subnet.id)
    assert conn.delete_network(net.id)
    assert conn.get_network(net.id) is None


def test_proxy_pages_security_groups_and_quota(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk("cheptel-demo")
    names = {n.name for n in conn.network.networks(limit=1)}
    assert {"public", "private"} <= names
    group = conn.create_security_group(_name("sdk-sg"), "web")
    rule = conn.create_security_group_rule(group.id, port_range_min=80, port_range_max=80,
                                           protocol="tcp", remote_ip_prefix="0.0.0.0/0")
    assert rule.security_group_id == group.id
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.create_security_group_rule(group.id, port_range_min=80, port_range_max=80,
                                        protocol="tcp", remote_ip_prefix="0.0.0.0/0")
    assert "default" in {g.name for g in conn.list_security_groups()}
    quota = conn.network.get_quota(conn.current_project_id, details=True)
    assert quota.networks["limit"] == 100 and quota.networks["used"] >= 1
    assert conn.delete_security_group(group.id)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.network.get_network(str(uuid.uuid4()))
