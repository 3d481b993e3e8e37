"""IPv6 on the real engine and the host's ip6tables: a dual-stack network's servers get
their IPv6 (EUI-64) addresses and reach each other over IPv6, security groups filter
IPv6 by their ethertype IPv6 rules, a spoofed IPv6 source is dropped, and a router joins
two IPv6 subnets (docs/network.md, Dataplane)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.dataplane.test_connectivity import (
    HTTPD,
    boot,
    ping6,
    pings,
    v6_of,
    within,
)

pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def net_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def round_trip(server_id: str, address: str) -> str:
    """min/avg/max of five ICMPv6 echoes, as ping sums them up (for the log)."""
    out = support.container(server_id).exec_run(
        ["ping", "-6", "-c", "5", "-i", "0.2", "-W", "1", address])[1].decode()
    found = re.search(r"min/avg/max = (\S+) ms", out)
    return found.group(1) if found else "none"


def test_dual_stack_servers_ping_over_ipv6_filtered_by_their_groups(net_cloud: Cloud) -> None:
    demo = net_cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    v6 = demo.network.create_subnet(network_id=private.id, ip_version=6,
                                    cidr="2001:db8:44::/64", ipv6_ra_mode="slaac",
                                    ipv6_address_mode="slaac", name="private-v6")
    router = demo.network.find_router("router1")
    demo.network.add_interface_to_router(router, subnet_id=v6.id)
    web, peer = boot(demo, "web6", private.id), boot(demo, "peer6", private.id)
    web6, peer6 = v6_of(demo, web.id), v6_of(demo, peer.id)
    assert web6.startswith("2001:db8:44:")  # its EUI-64 address
    out = support.container(web.id).exec_run(
        ["ip", "-o", "addr", "show", "eth0", "scope", "global"])[1]
    assert f"{web6}/64".encode() in out and b"tentative" not in out
    routes = support.container(web.id).exec_run(["ip", "-6", "route"])[1].decode()
    assert "default via 2001:db8:44::1 dev eth0" in routes
    if shutil.which("radvd"):  # the router advertises the slaac subnet (radvd)
        pid = support.container(web.id).attrs["State"]["Pid"]

        def learned() -> bool:
            return "proto ra" in subprocess.run(
                ["nsenter", "-t", str(pid), "-n", "ip", "-6", "route"],
                capture_output=True, text=True).stdout
        assert within(learned, 15), "no router advertisement reached the server"
    # the default group admits its members over IPv6 (an inet6 set), and the router
    assert within(lambda: bool(ping6(peer.id, web6)), 5), "no IPv6 echo between members"
    print(f"\nIPv6 ping, one network, min/avg/max: {round_trip(peer.id, web6)} ms")
    assert ping6(web.id, peer6) and ping6(web.id, "2001:db8:44::1")  # and the router

    # a group with no IPv6 ingress rule: nothing comes in over IPv6; an ICMP IPv6 rule
    # lets the ping in (IPv4 stays shut: the rule is IPv6's)
    quiet = demo.network.create_security_group(name="quiet6")
    (port,) = list(demo.network.ports(device_id=web.id))
    demo.network.update_port(port, security_groups=[quiet.id])
    assert within(lambda: not ping6(peer.id, web6), 3), "IPv6 admitted without a rule"
    rule = demo.network.create_security_group_rule(
        security_group_id=quiet.id, direction="ingress", ethertype="IPv6",
        protocol="ipv6-icmp", remote_ip_prefix="::/0")
    assert within(lambda: bool(ping6(peer.id, web6)), 3), "the ICMP IPv6 rule not applied"
    web4 = next(ip["ip_address"] for ip in port.fixed_ips if ":" not in ip["ip_address"])
    assert not pings(peer.id, web4)

    # a spoofed IPv6 source is dropped (added from the host: the server itself has no
    # CAP_NET_ADMIN; deprecated, so that only -I picks it as a source); its own address
    # still passes
    pid = support.container(peer.id).attrs["State"]["Pid"]
    spoof = "2001:db8:44::bad"
    subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "addr", "add", f"{spoof}/128",
                    "dev", "eth0", "nodad", "preferred_lft", "0"], check=True)
    assert ping6(peer.id, web6) and not ping6(peer.id, web6, source=spoof)
    # an IPv6 allowed address pair lets it through (the port's ip6tables chain)
    (peer_port,) = list(demo.network.ports(device_id=peer.id))
    demo.network.update_port(peer_port, allowed_address_pairs=[{"ip_address": spoof}])
    assert within(lambda: bool(ping6(peer.id, web6, source=spoof)), 3)
    saved = subprocess.run(["ip6tables-save"], capture_output=True, text=True).stdout
    assert f"-s {spoof}/128" in saved
    demo.network.delete_security_group_rule(rule)
    assert within(lambda: not ping6(peer.id, web6), 3), "the rule not removed"
    shown = demo.compute.get_server(web.id).addresses["private"]
    assert {a["version"] for a in shown} == {4, 6}  # Nova lists both, as Neutron has them


def test_a_router_joins_two_ipv6_subnets(net_cloud: Cloud) -> None:
    """An IPv6-only network (a bridge with no address) and a dual-stack one, joined by
    router1's IPv6 interfaces: their servers reach each other through the router's
    namespace (IPv6 forwarding, no NAT)."""
    demo = net_cloud.sdk("cheptel-demo")
    router = demo.network.find_router("router1")
    nets = []
    for name, cidr in (("near6", "2001:db8:46::/64"), ("far6", "2001:db8:47::/64")):
        net = demo.network.create_network(name=name)
        subnet = demo.network.create_subnet(network_id=net.id, ip_version=6, cidr=cidr,
                                            name=name)
        demo.network.add_interface_to_router(router, subnet_id=subnet.id)
        nets.append(net)
    near, far = boot(demo, "near6", nets[0].id), boot(demo, "far6", nets[1].id)
    far6 = v6_of(demo, far.id)
    assert far6.startswith("2001:db8:47:")
    out = support.container(far.id).exec_run(["ip", "-o", "addr", "show", "eth0"])[1]
    assert b" inet " not in out  # IPv6 only
    assert within(lambda: bool(ping6(near.id, far6)), 5), "no IPv6 echo through the router"
    print(f"\nIPv6 ping through a router, min/avg/max: {round_trip(near.id, far6)} ms")
    # the router's source is the server's own (no NAT): the far server's group admits
    # the near one as a member of the default group, by its address
    assert ping6(far.id, v6_of(demo, near.id))


def test_two_projects_on_one_ipv6_cidr_with_the_same_address(net_cloud: Cloud) -> None:
    """IPv6 as IPv4 (test_connectivity's same-CIDR test): demo and another project each
    route 2001:db8:48::/64 behind a router of their own, each with a server on the very
    same address; a neighbour in each project reaches its own project's server at that
    address (its page names it), and each server its own router's gateway."""
    _, other = support.member_of_new_project(net_cloud, "same6")
    demo = net_cloud.sdk("cheptel-demo")
    public = demo.network.find_network("public")
    cidr, address = "2001:db8:48::/64", "2001:db8:48::10"
    found = {}
    for conn, who in ((demo, "a"), (other, "b")):
        net = conn.network.create_network(name=f"same6-{who}")
        subnet = conn.network.create_subnet(network_id=net.id, ip_version=6, cidr=cidr)
        router = conn.network.create_router(name=f"same6-{who}", external_gateway_info={
            "network_id": public.id})
        conn.network.add_interface_to_router(router, subnet_id=subnet.id)
        port = conn.network.create_port(network_id=net.id, fixed_ips=[
            {"subnet_id": subnet.id, "ip_address": address}])
        server = conn.compute.create_server(
            name=f"same6-{who}", image_id=conn.image.find_image("busybox").id,
            flavor_id=conn.compute.find_flavor("m1.tiny").id, networks=[{"port": port.id}],
            user_data=support.user_data(HTTPD))
        server = support.wait_status(conn, server.id, "ACTIVE")
        neighbour = boot(conn, f"near6-{who}", net.id)
        found[who] = (server, neighbour, subnet.gateway_ip)
    for who, (server, neighbour, gateway) in found.items():
        assert v6_of(demo if who == "a" else other, server.id) == address

        def page(n=neighbour) -> str:  # type: ignore[no-untyped-def]
            # busybox's nc: its wget crashes on an IPv6 literal (exit 139)
            return support.container(n.id).exec_run(["sh", "-c", (
                f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 1 {address} 8080")]
            )[1].decode()
        support.wait_for(lambda p=page, w=who: f"hello-same6-{w}" in p(), 20,
                         f"{who}'s neighbour to reach {who}'s own server at {address}")
        assert ping6(server.id, gateway), f"{who} to its own router's gateway"
