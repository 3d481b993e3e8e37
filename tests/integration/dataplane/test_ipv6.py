"""IPv6 on the real engine: a dual-stack network's servers boot, are plumbed with their
IPv4 address and filtered by the IPv4 rules, while their IPv6 addresses (SLAAC, an IPv6
allowed address pair, a router's IPv6 interface) exist in the API only and never break the
iptables commit (docs/network.md, Limits)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.dataplane.test_connectivity import boot, pings, within

pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def net_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def test_a_dual_stack_network_boots_and_filters_over_ipv4(net_cloud: Cloud) -> None:
    demo = net_cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    v6 = demo.network.create_subnet(network_id=private.id, ip_version=6,
                                    cidr="2001:db8:44::/64", ipv6_ra_mode="slaac",
                                    ipv6_address_mode="slaac", name="private-v6")
    router = demo.network.find_router("router1")
    demo.network.add_interface_to_router(router, subnet_id=v6.id)
    web, peer = boot(demo, "web6", private.id), boot(demo, "peer6", private.id)
    (port,) = list(demo.network.ports(device_id=web.id))
    addresses = [ip["ip_address"] for ip in port.fixed_ips]
    assert len(addresses) == 2 and addresses[1].startswith("2001:db8:44:")
    demo.network.update_port(port, allowed_address_pairs=[
        {"ip_address": "2001:db8:44::99"}, {"ip_address": "10.0.0.250"}])

    def rules() -> str:
        return subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
    # the commit with both pairs went through: the IPv4 one is there, the IPv6 one is not
    assert within(lambda: "10.0.0.250" in rules(), 5)
    assert "2001:db8:44" not in rules()
    v4 = addresses[0]
    out = support.container(web.id).exec_run(["ip", "-o", "addr"])[1].decode()
    assert v4 in out and "2001:db8:44" not in out  # the IPv4 dataplane only
    assert pings(peer.id, v4)  # the rules were committed and let the group in
    shown = demo.compute.get_server(web.id).addresses["private"]
    assert {a["version"] for a in shown} == {4, 6}  # Nova lists both, as Neutron has them
