"""The netlink plumbing (cheptel.backends.netlink) on the real kernel, without Docker: a
process in a network namespace of its own (`unshare -n`) stands for a container."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from cheptel.backends.netlink import NETNS, NetlinkPlumbing
from cheptel.backends.plumbing import (
    Bridge,
    Nic,
    Route,
    RouterNamespace,
    RouterPort,
    host_veth,
    router_namespace,
    router_veth,
)
from cheptel.backends.radvd import RADVD
from cheptel.reconciler import routers

# it makes links on the host: alone, after the rest (make test)
pytestmark = pytest.mark.serial

CLOUD = "plumbing-test-" + uuid.uuid4().hex  # a cloud of its own: nothing else is touched


@pytest.fixture
def guest() -> Iterator[int]:
    """The pid of a process in a fresh, empty network namespace."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare")
    proc = subprocess.Popen(["unshare", "-n", "sleep", "300"])
    deadline = time.monotonic() + 5
    while os.readlink(f"/proc/{proc.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
        assert time.monotonic() < deadline, "unshare did not take a namespace"
        time.sleep(0.01)
    yield proc.pid
    proc.kill()
    proc.wait()


@pytest.fixture
def plumbing() -> Iterator[NetlinkPlumbing]:
    p = NetlinkPlumbing()
    yield p
    for name in p.bridges(CLOUD):
        p.remove_bridge(name)


def _inside(pid: int, *cmd: str) -> str:
    return subprocess.run(["nsenter", "-t", str(pid), "-n", *cmd], capture_output=True,
                          text=True, check=True).stdout


def _nic(port: str, bridge: str, mac: str, ip: str, **kw) -> Nic:  # type: ignore[no-untyped-def]
    return Nic(port, host_veth(CLOUD, port), bridge, mac, ip, 24, **kw)


def test_a_namespace_gets_exactly_its_nics_and_keeps_them_across_passes(
        guest: int, plumbing: NetlinkPlumbing) -> None:
    a, b = "cbta" + uuid.uuid4().hex[:8], "cbtb" + uuid.uuid4().hex[:8]
    plumbing.ensure_bridge(Bridge(a, CLOUD, "net-a", "198.18.1.1/24", 1450))
    plumbing.ensure_bridge(Bridge(b, CLOUD, "net-b", None))
    assert plumbing.bridges(CLOUD) == {a: "net-a", b: "net-b"}
    assert "198.18.1.1/24" in subprocess.run(["ip", "-o", "-4", "addr", "show", a],
                                             capture_output=True, text=True).stdout
    first = _nic("port-1", a, "fa:16:3e:12:34:01", "198.18.1.5", mtu=1450,
                 gateway="198.18.1.1", routes=(Route("198.19.0.0/16", "198.18.1.254"),))
    second = _nic("port-2", b, "fa:16:3e:12:34:02", "198.18.2.5")
    assert plumbing.plumb(guest, [first, second]) == {"port-1": "eth0", "port-2": "eth1"}
    links = _inside(guest, "ip", "-o", "link")
    assert "eth0@" in links and "fa:16:3e:12:34:01" in links and "mtu 1450" in links
    assert "eth1@" in links and "fa:16:3e:12:34:02" in links
    addrs = _inside(guest, "ip", "-o", "-4", "addr")
    assert "198.18.1.5/24" in addrs and "198.18.2.5/24" in addrs
    routes = _inside(guest, "ip", "route")
    assert "default via 198.18.1.1 dev eth0" in routes
    assert "198.19.0.0/16 via 198.18.1.254 dev eth0" in routes
    master = subprocess.run(["ip", "-o", "link", "show", first.host_name],
                            capture_output=True, text=True).stdout
    assert f"master {a}" in master and plumbing.interface_exists(first.host_name)
    # a second pass changes nothing (the same interfaces, not new ones)
    index = _inside(guest, "cat", "/sys/class/net/eth0/ifindex")
    assert plumbing.plumb(guest, [first, second]) == {"port-1": "eth0", "port-2": "eth1"}
    assert _inside(guest, "cat", "/sys/class/net/eth0/ifindex") == index
    # unplugged: its interface and its host end go, the other stays as it was
    assert plumbing.plumb(guest, [first]) == {"port-1": "eth0"}
    assert "eth1" not in _inside(guest, "ip", "-o", "link")
    assert not plumbing.interface_exists(second.host_name)
    assert _inside(guest, "cat", "/sys/class/net/eth0/ifindex") == index


def test_a_new_namespace_is_plumbed_again_under_the_same_names(
        plumbing: NetlinkPlumbing) -> None:
    """A container restarted: its old namespace (and veth) went, a new one is empty."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare")
    bridge = "cbtc" + uuid.uuid4().hex[:8]
    plumbing.ensure_bridge(Bridge(bridge, CLOUD, "net-c", "198.18.3.1/24"))
    nic = _nic("port-3", bridge, "fa:16:3e:12:34:03", "198.18.3.5", gateway="198.18.3.1")
    for _ in range(2):
        proc = subprocess.Popen(["unshare", "-n", "sleep", "300"])
        try:
            time.sleep(0.2)
            assert plumbing.plumb(proc.pid, [nic]) == {"port-3": "eth0"}
            assert "198.18.3.5/24" in _inside(proc.pid, "ip", "-o", "-4", "addr")
            assert f"master {bridge}" in subprocess.run(
                ["ip", "-o", "link", "show", nic.host_name], capture_output=True,
                text=True).stdout
        finally:
            proc.kill()
            proc.wait()
    plumbing.remove_bridge(bridge)
    assert bridge not in plumbing.bridges(CLOUD)


def test_an_address_given_to_a_new_port_is_announced_to_its_neighbours(
        guest: int, plumbing: NetlinkPlumbing) -> None:
    """A healed group's server takes the address its dead predecessor had: a neighbour
    that knew that address under the old MAC (a load balancer checking it) learns the
    new one from the gratuitous ARPs, three a second apart (the first may be lost while
    the bridge port comes up), not a minute later when its entry times out."""
    bridge = "cbtd" + uuid.uuid4().hex[:8]
    plumbing.ensure_bridge(Bridge(bridge, CLOUD, "net-d", None))
    plumbing.plumb(guest, [_nic("port-4", bridge, "fa:16:3e:12:34:04", "198.18.4.4")])
    _inside(guest, "ip", "neigh", "replace", "198.18.4.5", "lladdr", "fa:16:3e:00:00:99",
            "dev", "eth0", "nud", "reachable")  # the dead server's MAC, still trusted
    heir = _nic("port-5", bridge, "fa:16:3e:12:34:05", "198.18.4.5")
    proc = subprocess.Popen(["unshare", "-n", "sleep", "300"])
    try:
        time.sleep(0.2)
        # what the heir sends, seen on the bridge
        listener = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
        listener.bind((bridge, 0))
        listener.settimeout(0.2)
        plumbing.plumb(proc.pid, [heir])
        seen, deadline = 0, time.monotonic() + 3.5
        while time.monotonic() < deadline:
            try:
                frame = listener.recv(64)
            except TimeoutError:
                continue
            if frame[6:12] == bytes.fromhex("fa163e123405") and frame[28:32] == bytes(
                    [198, 18, 4, 5]):
                seen += 1
        listener.close()
        assert seen >= 2, f"{seen} announcement(s)"  # the first may be lost
        assert "fa:16:3e:12:34:05" in _inside(guest, "ip", "neigh", "show", "198.18.4.5")
    finally:
        proc.kill()
        proc.wait()
        plumbing.remove_bridge(bridge)


def test_ipv6_addresses_and_default_route_usable_at_once(
        guest: int, plumbing: NetlinkPlumbing) -> None:
    """A port's IPv6 addresses (with their prefix) and an IPv6 default route, in a
    namespace whose IPv6 was off; no duplicate address detection: not "tentative"."""
    bridge = "cbte" + uuid.uuid4().hex[:8]
    plumbing.ensure_bridge(Bridge(bridge, CLOUD, "net-e", None))
    _inside(guest, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1")
    nic = Nic("port-6", host_veth(CLOUD, "port-6"), bridge, "fa:16:3e:12:34:06", None, 0,
              addresses6=("2001:db8:e::5/64", "2001:db8:f::5/64"), gateway6="2001:db8:e::1",
              routes=(Route("2001:db8:99::/48", "2001:db8:f::fe"),))
    assert plumbing.plumb(guest, [nic]) == {"port-6": "eth0"}
    addrs = _inside(guest, "ip", "-o", "-6", "addr", "show", "dev", "eth0", "scope", "global")
    assert "2001:db8:e::5/64" in addrs and "2001:db8:f::5/64" in addrs
    assert "tentative" not in addrs  # the link-local may be, until the carrier is seen
    assert "fe80::f816:3eff:fe12:3406/64" in _inside(guest, "ip", "-6", "addr")
    assert "inet " not in _inside(guest, "ip", "-o", "addr", "show", "dev", "eth0")
    routes = _inside(guest, "ip", "-6", "route")
    assert "default via 2001:db8:e::1 dev eth0" in routes
    assert "2001:db8:99::/48 via 2001:db8:f::fe dev eth0" in routes
    # an address the port lost goes (the IPv4 one never given stays absent)
    smaller = Nic(nic.port_id, nic.host_name, bridge, nic.mac, None, 0,
                  addresses6=("2001:db8:e::5/64",), gateway6="2001:db8:e::1")
    plumbing.plumb(guest, [smaller])
    addrs = _inside(guest, "ip", "-o", "-6", "addr", "show", "dev", "eth0")
    assert "2001:db8:e::5/64" in addrs and "2001:db8:f::5" not in addrs
    plumbing.remove_bridge(bridge)


def test_a_router_namespace_holds_its_ipv6_gateways_and_forwards(
        plumbing: NetlinkPlumbing) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    bridge = "cbtf" + uuid.uuid4().hex[:8]
    plumbing.ensure_bridge(Bridge(bridge, CLOUD, "net-f", None))
    name = router_namespace(CLOUD, "router-6")
    port = RouterPort("port-7", router_veth(CLOUD, "port-7"), "qr-port7", bridge,
                      "fa:16:3e:12:34:07", ("10.9.9.1/24", "2001:db8:f::1/64"))
    radvd = routers.radvd_conf([("qr-port7", 1500, [("2001:db8:f::/64", "slaac")])])
    pid = 0
    try:
        plumbing.ensure_router(RouterNamespace(name, CLOUD, "router-6", (port,)))

        def inside(*cmd: str) -> str:
            return subprocess.run(["ip", "netns", "exec", name, *cmd], capture_output=True,
                                  text=True, check=True).stdout
        addrs = inside("ip", "-o", "addr", "show", "dev", "qr-port7", "scope", "global")
        assert "10.9.9.1/24" in addrs and "2001:db8:f::1/64" in addrs
        assert "tentative" not in addrs
        assert inside("cat", "/proc/sys/net/ipv6/conf/all/forwarding").strip() == "1"
        assert inside("cat", "/proc/sys/net/ipv4/ip_forward").strip() == "1"
        if shutil.which("radvd") is None:
            return
        # router advertisements: a radvd in the namespace, gone with it
        plumbing.ensure_router(RouterNamespace(name, CLOUD, "router-6", (port,),
                                               radvd=radvd))
        pid = int((RADVD / f"{name}.pid").read_text())
        assert os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"{NETNS}/{name}").st_ino
        plumbing.ensure_router(RouterNamespace(name, CLOUD, "router-6", (port,),
                                               radvd=radvd))
        assert int((RADVD / f"{name}.pid").read_text()) == pid  # the same one, kept
    finally:
        plumbing.remove_router(name)
        plumbing.remove_bridge(bridge)
    deadline = time.monotonic() + 5
    while pid and os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (pid and os.path.exists(f"/proc/{pid}")), "radvd outlived its router"
