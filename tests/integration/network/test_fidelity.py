"""Neutron as its own code behaves, through openstacksdk: the service providers project
cleanup asks for, and validation no stricter than Neutron's (subnet CIDRs with host bits,
gateways off the subnet, multicast MACs, floating IPs on router ports)."""

from __future__ import annotations

import uuid

import openstack.exceptions
import pytest

from tests.integration.cloud import Cloud


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_service_providers_list_the_l3_provider(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk("cheptel-demo")
    found = [(p.service_type, p.name, p.is_default) for p in conn.network.service_providers()]
    assert found == [("L3_ROUTER_NAT", "single_node", False)]
    # what project cleanup asks before deleting VPN resources: none here
    assert list(conn.network.service_providers(service_type="VPN")) == []
    aliases = {e.alias for e in conn.network.extensions()}
    assert "service-type" in aliases


def test_project_cleanup_identifies_network_resources(net_cloud: Cloud) -> None:
    """What conn.project_cleanup runs for the network service (its threads swallow the
    errors, so the proxy's step is called here as project_cleanup calls it)."""
    conn = net_cloud.sdk("cheptel-demo")
    net = conn.create_network(_name("cleanup-net"))
    identified: dict = {}
    conn.network._service_cleanup(dry_run=True, identified_resources=identified)
    assert net.id in identified
    assert conn.get_network(net.id) is not None  # a dry run deletes nothing
    conn.delete_network(net.id)


def test_subnet_cidr_with_host_bits_is_normalised(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk("cheptel-demo")
    net = conn.create_network(_name("host-bits"))
    subnet = conn.create_subnet(net.id, cidr="10.99.99.0/20", ip_version=4)
    assert subnet.cidr == "10.99.96.0/20"
    assert subnet.gateway_ip == "10.99.96.1"
    with pytest.raises(openstack.exceptions.BadRequestException):
        conn.create_subnet(net.id, cidr="10.99.112.0", ip_version=4)
    conn.delete_subnet(subnet.id)
    conn.delete_network(net.id)


def test_gateway_outside_the_subnet_is_on_link(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk("cheptel-demo")
    net = conn.create_network(_name("off-gw"))
    subnet = conn.create_subnet(net.id, cidr="10.98.0.0/24", ip_version=4,
                                gateway_ip="10.97.255.1")
    assert subnet.gateway_ip == "10.97.255.1"
    assert subnet.allocation_pools == [{"start": "10.98.0.1", "end": "10.98.0.254"}]
    for bad in ("10.98.0.0", "10.98.0.255"):  # the network and broadcast addresses stay out
        with pytest.raises(openstack.exceptions.BadRequestException):
            conn.network.update_subnet(subnet, gateway_ip=bad)
    conn.delete_subnet(subnet.id)
    conn.delete_network(net.id)


def test_multicast_mac_accepted_broadcast_refused(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk()  # the admin: mac_address is the network owner's or an admin's
    net = conn.create_network(_name("macs"))
    conn.create_subnet(net.id, cidr="10.97.0.0/24", ip_version=4)
    port = conn.network.create_port(network_id=net.id, mac_address="01:00:5E:00:00:FB")
    assert port.mac_address == "01:00:5e:00:00:fb"
    for bad in ("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"):
        with pytest.raises(openstack.exceptions.BadRequestException):
            conn.network.create_port(network_id=net.id, mac_address=bad)
    conn.network.delete_port(port)
    conn.delete_network(net.id)


def test_floating_ip_on_a_router_port_but_not_a_dhcp_port(net_cloud: Cloud) -> None:
    conn = net_cloud.sdk()
    public = conn.get_network("public")
    net = conn.create_network(_name("fip-owners"))
    subnet = conn.create_subnet(net.id, cidr="10.96.0.0/24", ip_version=4)
    router = conn.create_router(_name("fip-router"), ext_gateway_net_id=public.id)
    conn.add_router_interface(router, subnet_id=subnet.id)
    interface = conn.search_ports(filters={"device_id": router.id, "network_id": net.id})[0]
    fip = conn.network.create_ip(floating_network_id=public.id, port_id=interface.id)
    assert fip.fixed_ip_address == "10.96.0.1" and fip.router_id == router.id
    dhcp = conn.network.create_port(network_id=net.id, device_owner="network:dhcp")
    with pytest.raises(openstack.exceptions.BadRequestException) as refused:
        conn.network.update_ip(fip, port_id=dhcp.id)
    assert "unable to be assigned a floating IP" in str(refused.value)
    conn.network.delete_ip(fip)
    conn.network.delete_port(dhcp)
    conn.remove_router_interface(router, subnet_id=subnet.id)
    conn.delete_router(router.id)
    conn.delete_network(net.id)
