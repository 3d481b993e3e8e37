"""The host's network plumbing the network reconciler drives: Linux bridges, and the veth
pairs that wire a container's network namespace to them, the way CNI plugins do.

Containers run with the engine's network mode `none` (Docker's IPAM and its global
address pool play no part); cheptel gives each port of a server a veth pair: the host
end, named by the cloud and the port (`host_veth`), enslaved to the network's bridge; the
container end moved into the container's namespace, named eth0, eth1, ..., with the
port's MAC, its first IPv4 address and every IPv6 address (static and EUI-64 alike, usable
at once: no duplicate address detection), MTU and routes (an IPv4 and an IPv6 default
route, each by the first NIC that has one).

A real implementation (cheptel.backends.netlink, pyroute2) talks netlink to the kernel;
the fake (cheptel.backends.fake_plumbing) keeps the same facts in memory. Both must:
- make bridges idempotently (ensure_bridge of an existing one brings it to the spec),
  each tagged with its cloud and network, so that `bridges(cloud)` finds exactly one
  cloud's, never another's, and `cheptel teardown` removes them by that tag alone;
- make plumb() leave the namespace holding exactly the given interfaces (an interface
  of a port no longer given is removed; one that is there is kept, with its name), and
  be repeatable: a container restarted has a new, empty namespace (its old veths went
  with the old one) and is simply plumbed again;
- say with interface_exists() whether a host veth is still there (a container's restart,
  or a dockerd's, takes them away behind cheptel's back);
- make each router a network namespace of its own (as Neutron's L3 agent's `qrouter-*`),
  named by the cloud and the router (`router_namespace`), holding exactly the given
  interfaces (a veth per router port: the host end on the port's network's bridge, the
  other end in the namespace with the port's MAC and addresses, IPv4 and IPv6), its
  default route, IPv4 and IPv6 forwarding and its NAT rules (the iptables-restore text
  of its nat and mangle tables, replaced whole), and its router advertisements (one
  radvd inside, run while `radvd` is not empty, told of a new configuration); `routers(
  cloud)` finds exactly one cloud's namespaces, and removing one takes its interfaces,
  rules and radvd with it;
- make each load balancer's VIP a namespace of the same kind (ensure_router and
  remove_router again, named by `balancer_namespace`, which no router's name matches):
  one veth (`vip` inside, the host end named as a server port's, `host_veth`, so the
  port's security-group chains apply as they are), a default route via the VIP subnet's
  gateway, no forwarding, no NAT; `balancers(cloud)` finds exactly one cloud's.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TAG = "cheptel"  # the first word of the alias (IFLA_IFALIAS) of everything cheptel makes


class PlumbingError(Exception):
    """The kernel refused, or the namespace is gone; safe to log."""


@dataclass(frozen=True)
class Bridge:
    name: str  # the Linux bridge, unique on the host (15 characters at most)
    cloud: str
    network_id: str
    address: str | None = None  # "ip/prefixlen" the host holds on it, None: none
    mtu: int = 1500


@dataclass(frozen=True)
class Route:
    destination: str  # a CIDR
    nexthop: str | None  # None: on-link


@dataclass(frozen=True)
class Nic:
    """One port of a server, as its container sees it."""

    port_id: str
    host_name: str  # the host end of the veth (host_veth)
    bridge: str
    mac: str
    address: str | None  # the first fixed IPv4 address (None: the port has IPv6 only)
    prefixlen: int
    mtu: int = 1500
    gateway: str | None = None  # the default route (the first NIC that has one)
    routes: tuple[Route, ...] = ()  # the subnets' host_routes (IPv4 and IPv6)
    addresses6: tuple[str, ...] = ()  # every fixed IPv6 address, "ip/prefixlen"
    gateway6: str | None = None  # the IPv6 default route (the first NIC that has one)


@dataclass(frozen=True)
class RouterPort:
    """One port of a router (an interface, or its gateway), as its namespace holds it."""

    port_id: str
    host_name: str  # the host end of the veth, on `bridge` (router_veth)
    inner_name: str  # in the namespace: qr-<port> (interface) or qg-<port> (gateway)
    bridge: str
    mac: str
    addresses: tuple[str, ...]  # "ip/prefixlen"; the gateway also holds its floating IPs
    mtu: int = 1500


@dataclass(frozen=True)
class RouterNamespace:
    name: str  # router_namespace(cloud, router id)
    cloud: str
    router_id: str
    ports: tuple[RouterPort, ...]
    gateway: str | None = None  # the default route's next hop (the external subnet's)
    nat: str = ""  # iptables-restore text of the namespace's nat and mangle tables
    local: tuple[str, ...] = ()  # "ip/prefixlen" on its loopback (the metadata address)
    forwarding: bool = True  # IPv4 and IPv6 forwarding (a load balancer's namespace: off)
    radvd: str = ""  # radvd.conf of its router advertisements ("": none sent)
    # CIDRs reached on-link by its first port, from its loopback's addresses (a network's
    # metadata namespace: its subnets, which it holds no address of)
    onlink: tuple[str, ...] = ()


NAMESPACE_PREFIX = "cheptel-"
NETNS = "/run/netns"  # where named network namespaces are bound (as `ip netns`)


def router_namespace(cloud: str, router_id: str) -> str:
    """The network namespace of a router (/run/netns/<name>): the cloud's id in it."""
    return f"{NAMESPACE_PREFIX}{cloud}-{router_id}"


def parse_router_namespace(name: str, cloud: str) -> str | None:
    """The router id of a namespace of this cloud, else None."""
    head = f"{NAMESPACE_PREFIX}{cloud}-"
    return name[len(head):] or None if name.startswith(head) else None


BALANCER_PREFIX = "cheptel-lb-"  # a router's never starts so: a cloud id is hex


def balancer_namespace(cloud: str, balancer_id: str) -> str:
    """The network namespace holding a load balancer's VIP (and its HAProxy)."""
    return f"{BALANCER_PREFIX}{cloud}-{balancer_id}"


def parse_balancer_namespace(name: str, cloud: str) -> str | None:
    """The load balancer id of a VIP namespace of this cloud, else None."""
    head = f"{BALANCER_PREFIX}{cloud}-"
    return name[len(head):] or None if name.startswith(head) else None


def router_veth(cloud: str, port_id: str) -> str:
    """The host end of a router port's veth: unique on the host, 15 characters."""
    return "cr" + hashlib.sha256(f"{cloud}/{port_id}".encode()).hexdigest()[:13]


def host_veth(cloud: str, port_id: str) -> str:
    """The host end of a port's veth: unique on the host, 15 characters."""
    return "cv" + hashlib.sha256(f"{cloud}/{port_id}".encode()).hexdigest()[:13]


def alias(cloud: str, network_id: str) -> str:
    """What a bridge of this cloud and network is tagged with."""
    return f"{TAG} {cloud} {network_id}"


def parse_alias(text: str | None, cloud: str) -> str | None:
    """The network id of a bridge tagged with this cloud's alias, else None."""
    words = (text or "").split()
    if len(words) == 3 and words[0] == TAG and words[1] == cloud:
        return words[2]
    return None


class Plumbing(Protocol):
    def ensure_bridge(self, bridge: Bridge) -> None: ...
    def remove_bridge(self, name: str) -> None: ...
    # the bridges tagged with this cloud: bridge name -> network id
    def bridges(self, cloud: str) -> dict[str, str]: ...
    # the namespace of the process `pid` (a container's) holds exactly these NICs,
    # in this order for the new ones (eth0 first); answers port id -> interface name
    def plumb(self, pid: int, nics: Sequence[Nic]) -> dict[str, str]: ...
    def interface_exists(self, name: str) -> bool: ...
    # the router's namespace holds exactly this (made if missing)
    def ensure_router(self, router: RouterNamespace) -> None: ...
    def remove_router(self, name: str) -> None: ...
    # this cloud's router namespaces: name -> router id
    def routers(self, cloud: str) -> dict[str, str]: ...
    # this cloud's load balancers' VIP namespaces: name -> load balancer id
    def balancers(self, cloud: str) -> dict[str, str]: ...
    # a TCP socket listening on address:port inside a router's namespace (served from
    # this process); None where the plumbing has no real namespaces (the fake)
    def listen(self, namespace: str, address: str, port: int) -> socket.socket | None: ...
