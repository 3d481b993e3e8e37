"""The host's network plumbing over netlink (pyroute2): see cheptel.backends.plumbing.

No `ip` process is started: a bridge or a veth is one netlink request, and the work inside
a container's namespace runs in a short-lived thread that joined that namespace (setns
changes the network namespace of the calling thread only), so plumbing a server costs
milliseconds.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError

from cheptel.backends import radvd
from cheptel.backends.plumbing import (
    NETNS,
    Bridge,
    Nic,
    PlumbingError,
    RouterNamespace,
    RouterPort,
    alias,
    parse_alias,
    parse_balancer_namespace,
    parse_router_namespace,
)

log = logging.getLogger("cheptel.plumbing")
CLONE_NEWNET = 0x40000000
T = TypeVar("T")
_libc = ctypes.CDLL(None, use_errno=True)


def _in_thread(work: Callable[[], T]) -> T:
    """Run `work` in a short-lived thread of its own (a namespace change, setns or
    unshare, is the calling thread's only: it goes with the thread)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            out["error"] = exc

    thread = threading.Thread(target=run, name="cheptel-netns", daemon=True)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]  # type: ignore[no-any-return]


def _in_netns(fd: int, work: Callable[[IPRoute], T]) -> T:
    """Run `work` with a netlink socket of the namespace `fd`, in a thread of its own."""
    def run() -> T:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns failed")
        with IPRoute() as ipr:
            return work(ipr)
    return _in_thread(run)


def _create_namespace(name: str) -> None:
    """As `ip netns add`, without a fork (pyroute2's netns.create forks this threaded
    process): a short-lived thread leaves for a new network namespace (unshare changes
    the calling thread's only), which is bound at /run/netns/<name> before it ends."""
    def run() -> None:
        if _libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare failed")
        netns.attach(name, threading.get_native_id())
    _in_thread(run)


def _attr(msg: Any, name: str) -> Any:
    return msg.get_attr(name)


def _kind(link: Any) -> str | None:
    info = link.get_attr("IFLA_LINKINFO")
    return info.get_attr("IFLA_INFO_KIND") if info is not None else None


def _index(ipr: IPRoute, name: str) -> int | None:
    found = ipr.link_lookup(ifname=name)
    return found[0] if found else None


def _ipv4(ipr: IPRoute, index: int) -> set[str]:
    return {f"{_attr(a, 'IFA_ADDRESS')}/{a['prefixlen']}"
            for a in ipr.get_addr(family=2, index=index)}


def _ipv6(ipr: IPRoute, index: int) -> set[str]:
    """The interface's global IPv6 addresses (its fe80:: link-local is the kernel's)."""
    return {f"{_attr(a, 'IFA_ADDRESS')}/{a['prefixlen']}"
            for a in ipr.get_addr(family=socket.AF_INET6, index=index)
            if a["scope"] == 0}


def _sysctl(path: str, value: str) -> None:
    """A /proc/sys/net setting of the calling thread's network namespace; an IPv6 one is
    skipped on a kernel without IPv6 (booted with ipv6.disable=1: no IPv6 address can
    be added either, which the plumbing then reports)."""
    if path.startswith("ipv6/") and not os.path.isdir("/proc/sys/net/ipv6"):
        return
    with open(f"/proc/sys/net/{path}", "w") as fh:
        fh.write(value)


def _ipv6_ready(ifname: str, forwarding: bool = False) -> None:
    """IPv6 on an interface, set before it comes up: enabled (a container's engine may
    have turned it off), no duplicate address detection (cheptel's IPAM already made the
    addresses unique: they are usable at once, not "tentative" for a second), and
    unsolicited neighbour advertisements when an address is added or the link comes up
    (IPv6's gratuitous ARP: neighbours that knew the address under another MAC learn this
    one). A router's interfaces forward and do not take router advertisements."""
    conf = f"ipv6/conf/{ifname}"
    _sysctl(f"{conf}/disable_ipv6", "0")
    _sysctl(f"{conf}/accept_dad", "0")
    _sysctl(f"{conf}/ndisc_notify", "1")
    if forwarding:
        _sysctl(f"{conf}/accept_ra", "0")


def _sync_ipv6(ipr: IPRoute, index: int, wanted: Sequence[str]) -> None:
    """The interface holds exactly these global IPv6 addresses ("ip/prefixlen"), added
    without duplicate address detection (IFA_F_NODAD)."""
    have = _ipv6(ipr, index)
    for cidr in have - set(wanted):
        ip, _, length = cidr.partition("/")
        ipr.addr("del", index=index, address=ip, prefixlen=int(length),
                 family=socket.AF_INET6)
    for cidr in set(wanted) - have:
        ip, _, length = cidr.partition("/")
        ipr.addr("add", index=index, address=ip, prefixlen=int(length),
                 family=socket.AF_INET6, flags=IFA_F_NODAD)


IFA_F_NODAD = 0x02  # linux/if_addr.h: an address added without duplicate detection
ANNOUNCE_TIMES, ANNOUNCE_EVERY = 3, 1.0  # gratuitous ARPs per address added, seconds apart


class NetlinkPlumbing:
    """Bridges, veths and container namespaces through the kernel's netlink."""

    def __init__(self) -> None:
        self._nat: dict[str, str] = {}  # namespace -> the NAT text it was last given

    def ensure_bridge(self, bridge: Bridge) -> None:
        try:
            with IPRoute() as ipr:
                index = _index(ipr, bridge.name)
                if index is None:
                    try:
                        ipr.link("add", ifname=bridge.name, kind="bridge")
                    except NetlinkError as exc:
                        if exc.code != errno.EEXIST:  # made meanwhile: the same
                            raise
                    index = _index(ipr, bridge.name)
                if index is None:
                    raise PlumbingError(f"bridge {bridge.name} vanished")
                ipr.link("set", index=index, ifalias=alias(bridge.cloud, bridge.network_id),
                         mtu=bridge.mtu, state="up")
                have = _ipv4(ipr, index)
                wanted = {bridge.address} if bridge.address else set()
                for cidr in have - wanted:
                    ip, _, length = cidr.partition("/")
                    ipr.addr("del", index=index, address=ip, prefixlen=int(length))
                for cidr in wanted - have:
                    ip, _, length = cidr.partition("/")
                    ipr.addr("add", index=index, address=ip, prefixlen=int(length))
        except NetlinkError as exc:
            raise PlumbingError(f"bridge {bridge.name}: {exc}") from None

    def remove_bridge(self, name: str) -> None:
        try:
            with IPRoute() as ipr:
                index = _index(ipr, name)
                if index is not None:
                    ipr.link("del", index=index)
        except NetlinkError as exc:
            if exc.code != errno.ENODEV:
                raise PlumbingError(f"bridge {name}: {exc}") from None

    def bridges(self, cloud: str) -> dict[str, str]:
        with IPRoute() as ipr:
            links = ipr.get_links()
        found = {}
        for link in links:
            network = parse_alias(_attr(link, "IFLA_IFALIAS"), cloud)
            if network is not None and _kind(link) == "bridge":
                found[_attr(link, "IFLA_IFNAME")] = network
        return found

    def interface_exists(self, name: str) -> bool:
        return os.path.exists(f"/sys/class/net/{name}")

    def plumb(self, pid: int, nics: Sequence[Nic]) -> dict[str, str]:
        try:
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
        except OSError as exc:
            raise PlumbingError(f"no network namespace for process {pid}: {exc}") from None
        try:
            inside = _in_netns(fd, _veth_macs)
            with IPRoute() as host:
                for nic in nics:
                    self._veth(host, fd, nic, nic.mac.lower() in inside)
            return _in_netns(fd, lambda ipr: _configure(ipr, nics))
        except NetlinkError as exc:
            raise PlumbingError(f"plumbing process {pid}: {exc}") from None
        finally:
            os.close(fd)

    @staticmethod
    def _veth(host: IPRoute, fd: int, nic: Nic, peer_inside: bool) -> None:
        """The host end on its bridge; a new pair unless both ends are there."""
        index = _index(host, nic.host_name)
        if index is not None and not peer_inside:  # of a namespace that is gone
            host.link("del", index=index)
            index = None
        if index is None:
            host.link("add", ifname=nic.host_name, kind="veth", mtu=nic.mtu,
                      peer={"ifname": "cn" + nic.host_name[2:], "address": nic.mac,
                            "mtu": nic.mtu, "net_ns_fd": fd})
            index = _index(host, nic.host_name)
        bridge = _index(host, nic.bridge)
        if index is None or bridge is None:
            raise PlumbingError(f"port {nic.port_id}: no veth or no bridge {nic.bridge}")
        host.link("set", index=index, master=bridge, mtu=nic.mtu, state="up")


    # routers: a named namespace each (see cheptel.backends.plumbing)

    def routers(self, cloud: str) -> dict[str, str]:
        found = {}
        for name in netns.listnetns():
            router = parse_router_namespace(name, cloud)
            if router is not None:
                found[name] = router
        return found

    def balancers(self, cloud: str) -> dict[str, str]:
        found = {}
        for name in netns.listnetns():
            balancer = parse_balancer_namespace(name, cloud)
            if balancer is not None:
                found[name] = balancer
        return found

    def remove_router(self, name: str) -> None:
        """The namespace goes, and its veths (their host ends too), rules and radvd with
        it (a process inside would outlive the namespace's name)."""
        self._nat.pop(name, None)
        radvd.stop(name)
        if name in netns.listnetns():
            try:
                netns.remove(name)
            except OSError as exc:
                raise PlumbingError(f"router namespace {name}: {exc}") from None

    def ensure_router(self, router: RouterNamespace) -> None:
        try:
            if router.name not in netns.listnetns():
                _create_namespace(router.name)
                self._nat.pop(router.name, None)
            fd = os.open(f"{NETNS}/{router.name}", os.O_RDONLY)
        except OSError as exc:
            raise PlumbingError(f"router namespace {router.name}: {exc}") from None
        try:
            inside = _in_netns(fd, _veth_names)
            with IPRoute() as host:
                for port in router.ports:
                    self._router_veth(host, fd, port, port.inner_name in inside)
            _in_netns(fd, lambda ipr: _configure_router(ipr, router))
        except NetlinkError as exc:
            raise PlumbingError(f"router {router.router_id}: {exc}") from None
        finally:
            os.close(fd)
        if self._nat.get(router.name, "") != router.nat:  # a new namespace has none
            proc = subprocess.run(["nsenter", f"--net={NETNS}/{router.name}",
                                   "iptables-restore"], input=router.nat,
                                  capture_output=True, text=True, timeout=30)
            if proc.returncode != 0:
                raise PlumbingError(f"router {router.router_id}: its NAT rules: "
                                    f"{proc.stderr.strip()[:300]}")
            self._nat[router.name] = router.nat
        radvd.ensure(router)

    def listen(self, namespace: str, address: str, port: int) -> socket.socket:
        """The socket is made by a thread inside the namespace: it stays that
        namespace's, whoever then accepts on it."""
        fd = os.open(f"{NETNS}/{namespace}", os.O_RDONLY)
        try:
            return _in_netns(fd, lambda _: socket.create_server((address, port), backlog=64))
        finally:
            os.close(fd)

    @staticmethod
    def _router_veth(host: IPRoute, fd: int, port: RouterPort, peer_inside: bool) -> None:
        index = _index(host, port.host_name)
        if index is not None and not peer_inside:  # half a pair: made again
            host.link("del", index=index)
            index = None
        if index is None:
            host.link("add", ifname=port.host_name, kind="veth", mtu=port.mtu,
                      peer={"ifname": port.inner_name, "address": port.mac,
                            "mtu": port.mtu, "net_ns_fd": fd})
            index = _index(host, port.host_name)
        bridge = _index(host, port.bridge)
        if index is None or bridge is None:
            raise PlumbingError(f"router port {port.port_id}: no veth or no bridge "
                                f"{port.bridge}")
        host.link("set", index=index, master=bridge, mtu=port.mtu, state="up")


def _veth_names(ipr: IPRoute) -> set[str]:
    return {_attr(link, "IFLA_IFNAME") for link in ipr.get_links() if _kind(link) == "veth"}


def _configure_router(ipr: IPRoute, router: RouterNamespace) -> None:
    """Inside a router's namespace: exactly its ports, addressed (IPv4 and IPv6); its
    default route (by the gateway port, else the first: a VIP's); IPv4 and IPv6
    forwarding as asked (this thread's /proc/sys/net is the namespace's)."""
    wanted = {port.inner_name: port for port in router.ports}
    for link in ipr.get_links():
        name = _attr(link, "IFLA_IFNAME")
        if _kind(link) == "veth" and name not in wanted:  # a port the router lost
            ipr.link("del", index=link["index"])
    gateway_index = None
    joined: list[RouterPort] = []  # ports given an IPv4 address now
    for port in router.ports:
        index = _index(ipr, port.inner_name)
        if index is None:
            raise PlumbingError(f"router port {port.port_id}: {port.inner_name} is gone")
        _ipv6_ready(port.inner_name, router.forwarding)
        ipr.link("set", index=index, address=port.mac, mtu=port.mtu, state="up")
        wanted4 = {cidr for cidr in port.addresses if ":" not in cidr}
        have = _ipv4(ipr, index)
        for cidr in have - wanted4:
            ip, _, length = cidr.partition("/")
            ipr.addr("del", index=index, address=ip, prefixlen=int(length))
        for cidr in wanted4 - have:
            ip, _, length = cidr.partition("/")
            ipr.addr("add", index=index, address=ip, prefixlen=int(length))
            announce(port.inner_name, port.mac, ip)
        if wanted4 - have:
            joined.append(port)
        _sync_ipv6(ipr, index, [cidr for cidr in port.addresses if ":" in cidr])
        if port.inner_name.startswith("qg-") or gateway_index is None:
            gateway_index = index
    lo = _index(ipr, "lo")
    if lo is not None:
        ipr.link("set", index=lo, state="up")
        have = _ipv4(ipr, lo) - {"127.0.0.1/8"}
        for cidr in set(router.local) - have:
            ip, _, length = cidr.partition("/")
            ipr.addr("add", index=lo, address=ip, prefixlen=int(length))
            joined = list(router.ports)
    # the loopback's addresses (the metadata service's) announced on every port that
    # joined a network now: a server's neighbour entry for 169.254.169.254 may still name
    # the namespace that answered it before (its network's own, before this router)
    for port in joined:
        for cidr in router.local:
            announce(port.inner_name, port.mac, cidr.partition("/")[0])
    first = _index(ipr, router.ports[0].inner_name) if router.ports else None
    for cidr in router.onlink if first is not None else ():
        ipr.route("replace", dst=cidr, oif=first)
    if router.gateway and gateway_index is not None:
        ipr.route("replace", dst="0.0.0.0/0", gateway=router.gateway, oif=gateway_index)
    else:
        try:
            ipr.route("del", dst="0.0.0.0/0")
        except NetlinkError as exc:
            if exc.code != errno.ESRCH:
                raise
    _sysctl("ipv4/ip_forward", "1" if router.forwarding else "0")
    _sysctl("ipv6/conf/all/forwarding", "1" if router.forwarding else "0")


def announce(ifname: str, mac: str, address: str, times: int = ANNOUNCE_TIMES) -> None:
    """Gratuitous ARPs for an address just added, sent from the calling thread's network
    namespace: the neighbours that knew it under another MAC (a port deleted and its
    address given to a new one: a healed group's server, a floating IP moved) learn this
    one at once, as a VM's kernel announces itself, instead of sending to the old MAC
    until their entry times out (up to a minute). The first at once, then `times` - 1
    more a second apart from a thread (the socket stays the namespace's), as Neutron's
    agents send three (`send_arp_for_ha`): one sent while the link or the bridge port is
    still coming up is lost. Best effort: a failure changes nothing."""
    hw = bytes.fromhex(mac.replace(":", ""))
    ip = socket.inet_aton(address)
    frame = (b"\xff" * 6 + hw + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)
             + hw + ip + b"\x00" * 6 + ip)
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    except OSError:
        return
    try:
        sock.bind((ifname, 0))
        sock.send(frame)
    except OSError:
        sock.close()
        return

    def again() -> None:
        with sock:
            for _ in range(times - 1):
                time.sleep(ANNOUNCE_EVERY)
                try:
                    sock.send(frame)
                except OSError:
                    return
    threading.Thread(target=again, name="garp", daemon=True).start()


def _veth_macs(ipr: IPRoute) -> dict[str, tuple[int, str]]:
    """The namespace's veths: MAC -> (index, name)."""
    return {str(_attr(link, "IFLA_ADDRESS")).lower(): (link["index"],
                                                       _attr(link, "IFLA_IFNAME"))
            for link in ipr.get_links() if _kind(link) == "veth"}


def _configure(ipr: IPRoute, nics: Sequence[Nic]) -> dict[str, str]:
    """Inside the namespace: exactly these NICs, named eth<N>, addressed and routed."""
    links = _veth_macs(ipr)
    wanted = {nic.mac.lower() for nic in nics}
    for mac, (index, _) in links.items():
        if mac not in wanted:  # a port no longer the server's (unplugged)
            ipr.link("del", index=index)
    taken = {name for mac, (_, name) in links.items() if mac in wanted}
    names: dict[str, str] = {}
    default_done = default6_done = False
    for nic in nics:
        index, name = links[nic.mac.lower()]
        if not name.startswith("eth"):  # new: the lowest free eth<N>
            name = next(f"eth{i}" for i in range(len(links) + 1) if f"eth{i}" not in taken)
            taken.add(name)
            ipr.link("set", index=index, state="down")
            ipr.link("set", index=index, ifname=name)
        names[nic.port_id] = name
        _ipv6_ready(name)
        ipr.link("set", index=index, mtu=nic.mtu, state="up")
        if nic.address and f"{nic.address}/{nic.prefixlen}" not in _ipv4(ipr, index):
            ipr.addr("add", index=index, address=nic.address, prefixlen=nic.prefixlen)
            announce(name, nic.mac, nic.address)
        _sync_ipv6(ipr, index, nic.addresses6)
        if nic.gateway and not default_done:
            ipr.route("replace", dst="0.0.0.0/0", gateway=nic.gateway, oif=index)
            default_done = True
        if nic.gateway6 and not default6_done:
            ipr.route("replace", dst="::/0", gateway=nic.gateway6, oif=index,
                      family=socket.AF_INET6)
            default6_done = True
        for route in nic.routes:
            via = {"gateway": route.nexthop} if route.nexthop else {}
            ipr.route("replace", dst=route.destination, oif=index, **via,
                      family=socket.AF_INET6 if ":" in route.destination
                      else socket.AF_INET)
    lo = _index(ipr, "lo")
    if lo is not None:
        ipr.link("set", index=lo, state="up")
    if nics:  # the last step: the guest's init waits for it (cheptel.reconciler.guest)
        ipr.link("set", index=links[nics[0].mac.lower()][0], ifalias="cheptel")
    return names
