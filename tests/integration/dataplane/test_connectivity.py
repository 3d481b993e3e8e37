"""The network dataplane on the real engine and the host's iptables: isolation, routers,
floating IPs, security groups, anti-spoofing, restart, clean-up."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import docker
import pytest

from cheptel.backends import dockerd
from cheptel.backends.firewall import IptablesFirewall, prefix_for
from cheptel.reconciler.wiring import bridge_for
from tests.integration.cloud import Cloud
from tests.integration.compute import support

HTTPD = "#!/bin/sh\nmkdir -p /tmp/www && echo hello-$(hostname) > /tmp/www/index.html\n" \
        "httpd -p 8080 -h /tmp/www\n"


# Run alone, after the rest (make test): these restart dockerd and time rules to the
# second; under a second worker's load an anti-spoofing check once failed (issue 5's note).
pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def net_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def boot(conn, name: str, network_id: str, user_data: str | None = None):  # type: ignore[no-untyped-def]
    kw = {"user_data": support.user_data(user_data)} if user_data else {}
    s = conn.compute.create_server(
        name=name, image_id=conn.image.find_image("busybox").id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id, networks=[{"uuid": network_id}],
        **kw)
    return support.wait_status(conn, s.id, "ACTIVE")


def ip_of(conn, server) -> str:  # type: ignore[no-untyped-def]
    addrs = conn.compute.get_server(server.id).addresses
    return next(a["addr"] for net in addrs.values() for a in net
                if a.get("OS-EXT-IPS:type") == "fixed")


def pings(server_id: str, address: str, source: str | None = None) -> bool:
    cmd = ["ping", "-c", "1", "-W", "1", address]
    if source:
        cmd[1:1] = ["-I", source]
    return support.container(server_id).exec_run(cmd)[0] == 0


def ping6(server_id: str, address: str, source: str | None = None) -> float | None:
    """The round trip of one ICMPv6 echo in milliseconds, None when none came back."""
    cmd = ["ping", "-6", "-c", "1", "-W", "1", address]
    if source:
        cmd[1:1] = ["-I", source]
    code, out = support.container(server_id).exec_run(cmd)
    found = re.search(rb"time=([0-9.]+) ms", out)
    return float(found.group(1)) if code == 0 and found else None


def v6_of(conn, server_id: str) -> str:  # type: ignore[no-untyped-def]
    (port,) = list(conn.network.ports(device_id=server_id))
    return next(ip["ip_address"] for ip in port.fixed_ips if ":" in ip["ip_address"])


def interfaces(server_id: str) -> set[str]:
    """The server's network interfaces but lo, as it sees them."""
    out = support.container(server_id).exec_run(["ls", "/sys/class/net"])[1].decode()
    return set(out.split()) - {"lo"}


def reachable(address: str, port: int = 8080) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect((address, port))
            return True
        except OSError:
            return False


def within(predicate, seconds: float = 1.5) -> bool:  # type: ignore[no-untyped-def]
    """Polls a bounded time: the issue wants rule changes applied within 1 s."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def isolated_network(conn, cloud: Cloud, name: str, index: int):  # type: ignore[no-untyped-def]
    """A network of its own (no router), next to the demo project's `private`."""
    demo = cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    base = ipaddress.ip_network(next(demo.network.subnets(network_id=private.id)).cidr)
    cidr = str(ipaddress.ip_network(f"{base.network_address + 256 * (100 + index)}/24"))
    net = conn.network.create_network(name=name)
    conn.network.create_subnet(network_id=net.id, ip_version=4, cidr=cidr, name=name)
    return net


def test_isolation_routing_floating_ips_and_security_groups(net_cloud: Cloud) -> None:
    demo = net_cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    web = boot(demo, "web", private.id, HTTPD)
    peer = boot(demo, "peer", private.id)
    lonely_net = isolated_network(demo, net_cloud, "lonely", 1)
    lonely = boot(demo, "lonely", lonely_net.id)
    web_ip, peer_ip, lonely_ip = ip_of(demo, web), ip_of(demo, peer), ip_of(demo, lonely)
    # the interface is there before the server's init runs, as a VM's NIC: its console
    # lists it with the port's address
    def console() -> str:
        return demo.compute.get_server_console_output(peer.id)["output"]  # type: ignore[no-any-return]
    text = support.wait_for(lambda: "is up" in console() and console(), 30, "the banner")
    assert f"cheptel-init: eth0 inet {peer_ip}/" in text, text
    # Nova's ip filter reads the addresses Neutron holds
    assert [s.id for s in demo.compute.servers(ip=web_ip.replace(".", r"\.") + "$")] == [web.id]

    # one network talks (the default group admits its members); unrouted networks do not
    assert pings(peer.id, web_ip)
    assert not pings(lonely.id, web_ip) and not pings(web.id, lonely_ip)
    # FORWARD reaches the cloud's chain itself, above every rule Docker made for its
    # bridges: the rules hold while Docker re-hooks DOCKER-USER (any network made)
    cid = support.cloud_id(net_cloud)
    bridges = {bridge_for(cid, n.id) for n in demo.network.networks()}
    forward = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    ours = forward.index(f"-A FORWARD -j {prefix_for(cid)}FWD")
    assert all(ours < i for i, rule in enumerate(forward)
               if any(f" {b} " in rule + " " for b in bridges))

    # a floating IP reaches the server from the host only once a rule opens the port
    public = demo.network.find_network("public")
    fip = demo.network.create_ip(floating_network_id=public.id)
    port = next(demo.network.ports(device_id=web.id))
    demo.network.update_ip(fip, port_id=port.id)
    address = fip.floating_ip_address
    support.wait_for(lambda: any(a["addr"] == address for n in demo.compute.get_server(
        web.id).addresses.values() for a in n), 10, "the floating IP in addresses")
    assert not within(lambda: reachable(address), 1.0)
    group = demo.network.find_security_group("default", project_id=web.project_id)
    rule = demo.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=8080, port_range_max=8080, remote_ip_prefix="0.0.0.0/0")
    assert within(lambda: reachable(address)), "rule not applied within 1 s"
    demo.network.delete_security_group_rule(rule)
    assert within(lambda: not reachable(address)), "rule not removed within 1 s"

    # behind router1, a server reaches an address on public; an unrouted one does not
    icmp = demo.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="icmp",
        remote_ip_prefix="0.0.0.0/0")
    assert within(lambda: pings(peer.id, address), 3)
    assert not pings(lonely.id, address)
    demo.network.delete_security_group_rule(icmp)

    # a spoofed source address is dropped (the address added from the host: the server
    # itself has no CAP_NET_ADMIN)
    pid = support.container(peer.id).attrs["State"]["Pid"]
    spoof = str(ipaddress.ip_address(peer_ip) + 100)
    subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "addr", "add", f"{spoof}/32",
                    "dev", "eth0"], check=True)
    assert pings(peer.id, web_ip) and not pings(peer.id, web_ip, source=spoof)

    # disassociated, the floating IP answers no more
    demo.network.update_ip(fip, port_id=None)
    assert within(lambda: not reachable(address) and not pings(peer.id, address), 3)


def test_across_projects_blocked_until_a_rule_names_the_other_router(net_cloud: Cloud) -> None:
    project, other = support.member_of_new_project(net_cloud, "proj")
    demo = net_cloud.sdk("cheptel-demo")
    # project B: its own network, routed to public, a server with a floating IP
    net = isolated_network(other, net_cloud, "b-net", 2)
    router = other.network.create_router(
        name="b-router", external_gateway_info={"network_id": other.network.find_network(
            "public").id})
    other.network.add_interface_to_router(router, subnet_id=next(
        other.network.subnets(network_id=net.id)).id)
    target = boot(other, "b-server", net.id)
    fip = other.network.create_ip(floating_network_id=other.network.find_network("public").id)
    other.network.update_ip(fip, port_id=next(other.network.ports(device_id=target.id)).id)
    # project A (demo, behind router1) pings B's floating IP: refused by B's default group
    source = boot(demo, "a-server", demo.network.find_network("private").id)
    address = fip.floating_ip_address
    assert not within(lambda: pings(source.id, address), 1.0)
    # A leaves router1 SNATed to router1's gateway address, as from Neutron's qrouter
    router1 = demo.network.find_router("router1")
    a_gateway = router1.external_gateway_info["external_fixed_ips"][0]["ip_address"]
    group = other.network.find_security_group("default", project_id=project.id)
    rule = other.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="icmp",
        remote_ip_prefix=f"{a_gateway}/32")
    assert within(lambda: pings(source.id, address), 3)
    other.network.delete_security_group_rule(rule)
    assert within(lambda: not pings(source.id, address), 3)


def _fetch(address: str) -> str:
    try:
        with urllib.request.urlopen(f"http://{address}:8080/", timeout=1) as r:
            return r.read().decode().strip()  # type: ignore[no-any-return]
    except OSError:
        return ""


def test_two_projects_on_one_cidr_with_the_same_address(net_cloud: Cloud) -> None:
    """As Neutron with allow_overlapping_ips: project B takes demo's CIDR and even the very
    address of demo's server; each router is a namespace of its own, so each floating IP
    reaches its own server, and the host routes neither."""
    project, other = support.member_of_new_project(net_cloud, "same")
    demo = net_cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    cidr = next(demo.network.subnets(network_id=private.id)).cidr
    a = boot(demo, "same-a", private.id, HTTPD)
    a_ip = ip_of(demo, a)
    public = other.network.find_network("public")
    net = other.network.create_network(name="same")
    subnet = other.network.create_subnet(network_id=net.id, ip_version=4, cidr=cidr)
    router = other.network.create_router(name="same-router",
                                         external_gateway_info={"network_id": public.id})
    other.network.add_interface_to_router(router, subnet_id=subnet.id)
    port = other.network.create_port(network_id=net.id, fixed_ips=[
        {"subnet_id": subnet.id, "ip_address": a_ip}])
    b = other.compute.create_server(
        name="same-b", image_id=other.image.find_image("busybox").id,
        flavor_id=other.compute.find_flavor("m1.tiny").id, networks=[{"port": port.id}],
        user_data=support.user_data(HTTPD))
    b = support.wait_status(other, b.id, "ACTIVE")
    assert ip_of(other, b) == a_ip
    addresses = {}
    for conn, server, who in ((demo, a, demo), (other, b, other)):
        fip = conn.network.create_ip(floating_network_id=public.id)
        conn.network.update_ip(fip, port_id=next(conn.network.ports(device_id=server.id)).id)
        group = who.network.find_security_group("default", project_id=server.project_id)
        who.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", protocol="tcp",
            port_range_min=8080, port_range_max=8080, remote_ip_prefix="0.0.0.0/0")
        addresses[server.name] = fip.floating_ip_address
    for name, address in addresses.items():
        support.wait_for(lambda a=address, n=name: _fetch(a) == f"hello-{n}", 20,
                         f"{name} through its floating IP")
    # each server reaches its own router's gateway address (the same address)
    gateway = next(other.network.subnets(network_id=net.id)).gateway_ip
    assert pings(a.id, gateway) and pings(b.id, gateway)
    # the host's routing table holds neither tenant network
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True,
                            check=True).stdout
    assert cidr not in routes, routes


def test_the_metadata_service_answers_each_server_its_own(net_cloud: Cloud) -> None:
    """http://169.254.169.254/ from inside a server, through its router, with the config
    drive off: its OpenStack and EC2 trees, never another's."""
    demo = net_cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    a = boot(demo, "meta-a", private.id, "#!/bin/sh\necho from-user-data\n")
    b = boot(demo, "meta-b", private.id)
    text = support.wait_for(lambda: _metadata(a.id, "/openstack/latest/meta_data.json"), 15,
                            "the metadata service")
    meta = json.loads(text)
    assert (meta["uuid"], meta["name"]) == (a.id, "meta-a")
    assert json.loads(_metadata(b.id, "/openstack/latest/meta_data.json"))["uuid"] == b.id
    assert _metadata(a.id, "/openstack/latest/user_data") == "#!/bin/sh\necho from-user-data\n"
    assert _metadata(b.id, "/openstack/latest/user_data") == ""  # none: a 404
    port = next(demo.network.ports(device_id=a.id))
    links = json.loads(_metadata(a.id, "/openstack/latest/network_data.json"))["links"]
    assert [link["ethernet_mac_address"] for link in links] == [port.mac_address]
    assert _metadata(a.id, "/latest/meta-data/local-ipv4") == ip_of(demo, a)
    assert "instance-id" in _metadata(a.id, "/latest/meta-data/").split()


def _metadata(server_id: str, path: str) -> str:
    """The body of a 200 from the metadata service, asked from inside the server, else ''
    (an HTTP request by busybox's nc: its static wget crashes resolving)."""
    request = f"printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 169.254.169.254 80"
    out = support.container(server_id).exec_run(["sh", "-c", request])[1].decode()
    head, _, body = out.partition("\r\n\r\n")
    return body if head.startswith("HTTP/1.0 200") else ""


def test_the_metadata_service_on_networks_without_a_router(net_cloud: Cloud) -> None:
    """As Neutron's isolated metadata: a network with no router has a metadata namespace of
    its own on its bridge. Two projects on the same CIDR, each a server on the same
    address, each read their own server's metadata; the namespace goes with the network's
    last server, and a router added takes over."""
    project, other = support.member_of_new_project(net_cloud, "iso")
    demo = net_cloud.sdk("cheptel-demo")
    net_a = isolated_network(demo, net_cloud, "iso-a", 7)
    a = boot(demo, "iso-a", net_a.id)
    subnet_a = next(demo.network.subnets(network_id=net_a.id))
    net_b = other.network.create_network(name="iso-b")
    subnet_b = other.network.create_subnet(network_id=net_b.id, ip_version=4,
                                           cidr=subnet_a.cidr)
    port = other.network.create_port(network_id=net_b.id, fixed_ips=[
        {"subnet_id": subnet_b.id, "ip_address": ip_of(demo, a)}])
    b = other.compute.create_server(
        name="iso-b", image_id=other.image.find_image("busybox").id,
        flavor_id=other.compute.find_flavor("m1.tiny").id, networks=[{"port": port.id}])
    b = support.wait_status(other, b.id, "ACTIVE")
    for server in (a, b):
        text = support.wait_for(lambda s=server: _metadata(
            s.id, "/openstack/latest/meta_data.json"), 15, f"{server.name}'s metadata")
        assert json.loads(text)["uuid"] == server.id
    assert _metadata(a.id, "/latest/meta-data/local-ipv4") == ip_of(other, b)
    cid = support.cloud_id(net_cloud)
    spaces = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                check=True).stdout.split())
    assert {f"cheptel-{cid}-md-{net_a.id}", f"cheptel-{cid}-md-{net_b.id}"} <= spaces
    # a router on iso-a: its namespace answers now, iso-a's own goes
    router = demo.network.create_router(name="iso-a-router")
    demo.network.add_interface_to_router(router, subnet_id=subnet_a.id)

    def gone(name: str) -> bool:
        return name not in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                          text=True, check=True).stdout
    support.wait_for(lambda: gone(f"md-{net_a.id}"), 15, "iso-a's metadata namespace gone")
    # within seconds: the router announces 169.254.169.254 (the server's neighbour entry
    # named iso-a's namespace)
    text = support.wait_for(lambda: _metadata(a.id, "/openstack/latest/meta_data.json"), 10,
                            "the router's metadata service")
    assert json.loads(text)["uuid"] == a.id
    other.compute.delete_server(b.id)
    support.wait_for(lambda: gone(f"md-{net_b.id}"), 30, "iso-b's metadata namespace gone")


def _dual_stack_pair(demo):  # type: ignore[no-untyped-def]
    """Two servers on `private` with an IPv6 (SLAAC) subnet beside its IPv4 one, reaching
    each other over both: (a, b, b's IPv4, b's IPv6)."""
    private = demo.network.find_network("private")
    demo.network.create_subnet(network_id=private.id, ip_version=6, cidr="2001:db8:45::/64",
                               ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    a, b = boot(demo, "a", private.id), boot(demo, "b", private.id)
    (port,) = list(demo.network.ports(device_id=b.id))
    b_ip = next(ip["ip_address"] for ip in port.fixed_ips if ":" not in ip["ip_address"])
    b6 = v6_of(demo, b.id)
    support.wait_for(lambda: pings(a.id, b_ip) and ping6(a.id, b6), 10,
                     "a to reach b over IPv4 and IPv6")
    return a, b, b_ip, b6


def test_restart_keeps_rules_and_deleting_everything_leaves_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cloud = support.start_cloud(tmp_path / "restart")
    cid = support.cloud_id(cloud)
    prefix = prefix_for(cid)
    firewall = IptablesFirewall()
    try:
        demo = cloud.sdk("cheptel-demo")
        a, b, b_ip, b6 = _dual_stack_pair(demo)
        before = firewall.owned_rules(prefix)
        cloud.stop()
        firewall.clear(prefix)  # as a host reboot would (ip6tables too)
        cloud.start()
        support.wait_for(lambda: firewall.owned_rules(prefix) == before, 15,
                         "the same rules after a restart")
        assert pings(a.id, b_ip) and ping6(a.id, b6)
        # a container restarted behind cheptel's back has a new, empty namespace: the
        # periodic pass plumbs it again (the same interface, the same addresses)
        support.container(a.id).restart(timeout=0)
        support.wait_for(lambda: pings(a.id, b_ip) and ping6(a.id, b6), 20,
                         "a plumbed again after a restart")
        assert interfaces(a.id) == {"eth0"}
        assert demo.network.get_port(next(demo.network.ports(device_id=a.id)).id
                                     ).status == "ACTIVE"

        admin = cloud.sdk("cheptel")
        for conn in (demo,):
            for s in conn.compute.servers():
                conn.compute.delete_server(s.id)
                conn.compute.wait_for_delete(s, wait=30)
        for fip in admin.network.ips():
            admin.network.delete_ip(fip)
        for router in admin.network.routers():
            for port in admin.network.ports(device_id=router.id,
                                            device_owner="network:router_interface"):
                admin.network.remove_interface_from_router(router, port_id=port.id)
            admin.network.delete_router(router)
        bridges = {bridge_for(cid, net.id) for net in admin.network.networks()}
        for net in admin.network.networks():
            admin.network.delete_network(net)
        support.wait_for(lambda: firewall.owned_rules(prefix) == 0, 15, "no rule left")

        def links() -> str:
            return subprocess.run(["ip", "-o", "link"], capture_output=True,
                                  text=True).stdout
        support.wait_for(lambda: not any(f": {bridge}:" in links() for bridge in bridges),
                         15, "no bridge left")
        assert f"alias cheptel {cid} " not in links()
    finally:
        cloud.close()


def _restart_dockerd() -> None:
    """Restart the host's dockerd as `cheptel chaos --faults dockerd` does (SIGTERM by its
    pid file, started again with its own command line), and wait until it answers."""
    dockerd.restart()

    def up() -> bool:
        try:
            return bool(docker.from_env().ping())
        except Exception:
            return False
    support.wait_for(up, 60, "dockerd to answer again")


def test_dockerd_restart_keeps_connectivity_and_rules(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not docker.from_env().info().get("LiveRestoreEnabled"):
        pytest.skip("dockerd runs without --live-restore (scripts/setup.sh starts it with)")
    cloud = support.start_cloud(tmp_path / "dockerd")
    cid = support.cloud_id(cloud)
    firewall = IptablesFirewall()
    try:
        demo = cloud.sdk("cheptel-demo")
        a, b, b_ip, b6 = _dual_stack_pair(demo)
        before = firewall.owned_rules(prefix_for(cid))
        _restart_dockerd()
        support.wait_for(lambda: firewall.owned_rules(prefix_for(cid)) == before and pings(
            a.id, b_ip) and bool(ping6(a.id, b6)), 30,
            "the same rules and connectivity (IPv4 and IPv6) after dockerd restarted")
        assert demo.compute.get_server(a.id).status == "ACTIVE"
    finally:
        cloud.close()


def test_hot_plug_a_port_and_auto_network(net_cloud: Cloud) -> None:
    demo = net_cloud.sdk("cheptel-demo")
    private = demo.network.find_network("private")
    server = boot(demo, "plug", private.id)
    other_net = isolated_network(demo, net_cloud, "plug-net", 3)
    neighbour = boot(demo, "plug-neighbour", other_net.id)
    neighbour_ip = ip_of(demo, neighbour)
    assert not pings(server.id, neighbour_ip)  # not on that network yet
    # the unmodified CLI, as a user would: server add network / remove network
    net_cloud.cli("server", "add", "network", server.id, other_net.id, cloud="cheptel-demo",
                  as_json=False)
    support.wait_for(lambda: "plug-net" in demo.compute.get_server(server.id).addresses, 10,
                     "the new interface in addresses")
    assert interfaces(server.id) == {"eth0", "eth1"}  # plumbed by cheptel, not Docker
    assert within(lambda: pings(server.id, neighbour_ip), 5)
    port = next(demo.network.ports(device_id=server.id, network_id=other_net.id))
    net_cloud.cli("server", "remove", "port", server.id, port.id, cloud="cheptel-demo",
                  as_json=False)
    support.wait_for(lambda: "plug-net" not in demo.compute.get_server(server.id).addresses,
                     10, "the interface gone from addresses")
    support.wait_for(lambda: interfaces(server.id) == {"eth0"}, 10, "the interface unplugged")
    assert not pings(server.id, neighbour_ip)


def test_auto_network_for_a_project_without_one(net_cloud: Cloud) -> None:
    _, conn = support.member_of_new_project(net_cloud, "auto")
    server = conn.compute.create_server(
        name="auto", image_id=conn.image.find_image("busybox").id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id, networks="auto")
    server = support.wait_status(conn, server.id, "ACTIVE")
    assert list(server.addresses) == ["auto_allocated_network"]
    assert conn.network.find_router("auto_allocated_router").external_gateway_info
