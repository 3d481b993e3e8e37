"""Address management (IPv4 and IPv6): allocation pools, the gateway, and fixed IPs.

An address is taken by inserting an ip_allocations row, whose primary key (subnet_id,
ip_address) makes a double allocation impossible even between two processes: the insert
runs in a savepoint and a refused one tries the next free address.

A pool is never enumerated: the lowest free address is found by walking from the pool's
start past the addresses already taken, so a /64 costs what its ports cost. The ports of
a network get one address of an IPv4 subnet, one of a stateful IPv6 subnet and the EUI-64
address of every auto-address (SLAAC, DHCPv6-stateless) subnet (see ipv6.py).
"""

from __future__ import annotations

import ipaddress

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.network.errors import bad_request, conflict, invalid_input
from cheptel.network.models import IPAllocation, Network, Port, Subnet
from cheptel.network.service import ipv6
from cheptel.network.service.common import OWNER_ROUTER_INTERFACE, insert


def pool_text(pool: dict) -> str:
    return f"{pool['start']}-{pool['end']}"


# Addresses are compared as integers of one subnet's IP version (never IPv4 with IPv6).

def host_range(cidr: str) -> tuple[int, int]:
    """The addresses pools may hold: all but the network address, and but the broadcast
    address in IPv4 (IPv6 has none), as neutron's ipam utils."""
    net = ipaddress.ip_network(cidr)
    return int(net.network_address) + 1, int(net.broadcast_address) - (net.version == 4)


def text(cidr: str, address: int) -> str:
    return str(ipaddress.ip_address(address) if ipaddress.ip_network(cidr).version == 4
               else ipaddress.IPv6Address(address))


def first_host(cidr: str) -> str:
    """The default gateway: the first address after the network's (::1 of an IPv6 one)."""
    return text(cidr, host_range(cidr)[0])


def _in(cidr: str, address: str | None) -> int | None:
    """The address, if it is of the subnet's IP version."""
    if address is None:
        return None
    ip = ipaddress.ip_address(address)
    return int(ip) if ip.version == ipaddress.ip_network(cidr).version else None


def default_pools(cidr: str, gateway: str | None) -> list[dict]:
    """Every host address but the gateway, as Neutron's default pools."""
    first, last = host_range(cidr)
    gw = _in(cidr, gateway)
    if gw is None or not first <= gw <= last:
        return [{"start": text(cidr, first), "end": text(cidr, last)}]
    pools = []
    if gw > first:
        pools.append({"start": text(cidr, first), "end": text(cidr, gw - 1)})
    if gw < last:
        pools.append({"start": text(cidr, gw + 1), "end": text(cidr, last)})
    return pools


def check_gateway(cidr: str, gateway: str | None) -> None:
    """neutron.ipam.utils.check_gateway_invalid_in_subnet: a gateway inside the subnet may
    not be its network or broadcast address; one outside it is not checked (Neutron
    assumes it is on link)."""
    if gateway is None:
        return
    address, net = ipaddress.ip_address(gateway), ipaddress.ip_network(cidr)
    if address.version != net.version:
        raise invalid_input(f"gateway_ip '{gateway}' does not match the ip_version "
                            f"'{net.version}'")
    if address == net.network_address or (net.version == 4
                                          and address == net.broadcast_address):
        raise invalid_input("Gateway is not valid on subnet")


def gateway_on_subnet(cidr: str, gateway: str | None) -> str | None:
    """The gateway if it is a host address of the subnet, else None (the bridge then takes
    the engine's choice, as for a subnet without a gateway)."""
    if gateway is None:
        return None
    first, last = host_range(cidr)
    gw = _in(cidr, gateway)
    return gateway if gw is not None and first <= gw <= last else None


def check_pools(cidr: str, gateway: str | None, pools: list[dict]) -> None:
    """neutron ipam_backend_mixin._validate_allocation_pools, with its errors."""
    first, last = host_range(cidr)
    ranges = []
    for pool in pools:
        start, end = _in(cidr, pool["start"]), _in(cidr, pool["end"])
        if start is None or end is None or start > end:
            raise bad_request(f"The allocation pool {pool_text(pool)} is not valid.",
                              "InvalidAllocationPool")
        if start < first or end > last:
            raise bad_request(f"The allocation pool {pool_text(pool)} spans beyond the subnet "
                              f"cidr {cidr}.", "OutOfBoundsAllocationPool")
        ranges.append((start, end, pool))
    ranges.sort(key=lambda r: r[0])
    for (_, end1, pool1), (start2, _, pool2) in zip(ranges, ranges[1:], strict=False):
        if start2 <= end1:
            raise conflict("OverlappingAllocationPools", "Found overlapping allocation pools: "
                           f"{pool_text(pool1)} {pool_text(pool2)} for subnet {cidr}.")
    gw = _in(cidr, gateway)
    if gw is not None:
        for start, end, pool in ranges:
            if start <= gw <= end:
                raise conflict("GatewayConflictWithAllocationPools",
                               f"Gateway ip {gateway} conflicts with allocation pool "
                               f"{pool_text(pool)}.")


def used(db: Session, subnet_id: str) -> set[str]:
    return set(db.scalars(select(IPAllocation.ip_address)
                          .where(IPAllocation.subnet_id == subnet_id)))


def _free(subnet: Subnet, taken: set[str]) -> str | None:
    """The lowest free address of the pools (pools as stored, in order): at most one step
    per address taken, whatever the size of the pool."""
    for pool in subnet.allocation_pools:
        address = ipaddress.ip_address(pool["start"])
        end = ipaddress.ip_address(pool["end"])
        while int(address) <= int(end):
            if str(address) not in taken:
                return str(address)
            address += 1
    return None


def _take(db: Session, subnet: Subnet, port: Port, address: str, position: int) -> bool:
    return insert(db, IPAllocation(subnet_id=subnet.id, ip_address=address, port_id=port.id,
                                   network_id=subnet.network_id, position=position))


def allocate_any(db: Session, subnet: Subnet, port: Port, position: int) -> str | None:
    """The next free address of the subnet's pools for the port; None if it is full."""
    taken = used(db, subnet.id)
    while True:
        address = _free(subnet, taken)
        if address is None or _take(db, subnet, port, address, position):
            return address
        taken.add(address)  # another request took it meanwhile: try the next one


def _valid_for(subnet: Subnet, port: Port, address: str) -> bool:
    """neutron's ipam utils check_subnet_ip: in the subnet, not its network address (but
    for a router's or a DHCP port in IPv6), not its IPv4 broadcast address."""
    net, ip = ipaddress.ip_network(subnet.cidr), ipaddress.ip_address(address)
    if ip.version != net.version or ip not in net:
        return False
    if net.version == 6:
        return ip != net.network_address or port.device_owner.startswith(
            ("network:router", "network:dhcp"))
    return ip not in (net.network_address, net.broadcast_address)


def allocate_address(db: Session, subnet: Subnet, port: Port, address: str,
                     position: int) -> None:
    """An explicit address: anywhere in the subnet but its network, broadcast and (for
    anything but a router interface) gateway addresses."""
    if not _valid_for(subnet, port, address):
        raise bad_request(f"IP address {address} is not a valid IP for the specified subnet.",
                          "InvalidIpForSubnet")
    taken = db.get(IPAllocation, (subnet.id, address)) is not None or (
        address == subnet.gateway_ip and port.device_owner != OWNER_ROUTER_INTERFACE)
    if taken or not _take(db, subnet, port, address, position):
        raise conflict("IpAddressAlreadyAllocated",
                       f"IP address {address} already allocated in subnet {subnet.id}")


def _subnet_for(net: Network, spec: dict) -> Subnet:
    if "subnet_id" in spec:
        for subnet in net.subnets:
            if subnet.id == spec["subnet_id"]:
                return subnet
        raise invalid_input(f"Failed to create port on network {net.id}, because fixed_ips "
                            f"included invalid subnet {spec['subnet_id']}")
    ip = ipaddress.ip_address(spec["ip_address"])
    for subnet in net.subnets:
        if ip in ipaddress.ip_network(subnet.cidr):
            return subnet
    raise bad_request(f"IP address {spec['ip_address']} is not a valid IP for any of the "
                      "subnets on the specified network.", "InvalidIpForNetwork")


def takes_auto_address(port: Port) -> bool:
    """Every port but a router's interface gets the EUI-64 address of each auto-address
    subnet of its network (neutron's _get_auto_address_ips)."""
    return port.device_owner != OWNER_ROUTER_INTERFACE


def _auto(db: Session, subnet: Subnet, port: Port, position: int) -> None:
    address = ipv6.eui64(subnet.cidr, port.mac_address)
    if db.get(IPAllocation, (subnet.id, address)) is not None or not _take(
            db, subnet, port, address, position):
        raise conflict("IpAddressAlreadyAllocated",
                       f"IP address {address} already allocated in subnet {subnet.id}")


def _by_family(subnets: list[Subnet]) -> list[list[Subnet]]:
    """The subnets a port without fixed_ips takes one address of: IPv4, stateful IPv6."""
    v4 = [s for s in subnets if s.ip_version == 4]
    v6 = [s for s in subnets if s.ip_version == 6 and not ipv6.is_auto_address(s)]
    return [group for group in (v4, v6) if group]


def allocate(db: Session, net: Network, port: Port, specs: list[dict] | None,
             start: int = 0, held: frozenset[str] = frozenset()) -> None:
    """Fixed IPs for a new port: as asked, or one of the first IPv4 subnet with room and
    one of the first stateful IPv6 subnet with room; plus, in both cases, the EUI-64
    address of every auto-address subnet (but those in `held`, already the port's)."""
    position = start
    auto = takes_auto_address(port)
    if specs is None:
        for group in _by_family(list(net.subnets)):
            if not any(allocate_any(db, subnet, port, position) is not None
                       for subnet in group):
                raise conflict("IpAddressGenerationFailure",
                               f"No more IP addresses available on network {net.id}.")
            position += 1
    for spec in specs or []:
        subnet = _subnet_for(net, spec)
        if auto and ipv6.is_auto_address(subnet):
            if "ip_address" in spec:
                raise invalid_input(f"IPv6 address {spec['ip_address']} cannot be directly "
                                    f"assigned to a port on subnet {subnet.id} as the subnet "
                                    "is configured for automatic addresses")
            continue  # its address is the EUI-64 one, below
        if "ip_address" in spec:
            allocate_address(db, subnet, port, spec["ip_address"], position)
        elif allocate_any(db, subnet, port, position) is None:
            raise conflict("IpAddressGenerationFailure",
                           f"No more IP addresses available for subnet {subnet.id}.")
        position += 1
    if auto:
        for subnet in net.subnets:
            if ipv6.is_auto_address(subnet) and subnet.id not in held:
                _auto(db, subnet, port, position)
                position += 1


def reallocate(db: Session, net: Network, port: Port, specs: list[dict]) -> None:
    """A port's new fixed_ips: addresses asked again are kept, others freed, new taken.
    An auto-address subnet's address stays whether asked or not (as Neutron's
    _get_changed_ips_for_port for a port that is not a router's)."""
    current = list(port.fixed_ips)
    keep: list[IPAllocation] = []
    pending: list[dict] = []
    for spec in specs:
        match = next((a for a in current if a not in keep
                      and ("ip_address" not in spec or a.ip_address == spec["ip_address"])
                      and ("subnet_id" not in spec or a.subnet_id == spec["subnet_id"])),
                     None)
        if match is not None:
            keep.append(match)
        else:
            pending.append(spec)
    automatic = {s.id for s in net.subnets if ipv6.is_auto_address(s)}
    if takes_auto_address(port):
        keep += [a for a in current if a not in keep and a.subnet_id in automatic]
    for allocation in current:
        if allocation not in keep:
            db.delete(allocation)
    db.flush()
    for position, allocation in enumerate(keep):
        allocation.position = position
    allocate(db, net, port, pending, start=len(keep),
             held=frozenset(a.subnet_id for a in keep))
    db.flush()
    db.expire(port, ["fixed_ips"])


def follow_mac(db: Session, net: Network, port: Port) -> None:
    """A port's MAC changed: its EUI-64 addresses follow it."""
    automatic = {s.id: s for s in net.subnets if ipv6.is_auto_address(s)}
    moved = [(a.subnet_id, a.position) for a in port.fixed_ips if a.subnet_id in automatic
             and a.ip_address != ipv6.eui64(automatic[a.subnet_id].cidr, port.mac_address)]
    for allocation in [a for a in port.fixed_ips
                       if (a.subnet_id, a.position) in moved]:
        db.delete(allocation)
    db.flush()
    for subnet_id, position in moved:
        _auto(db, automatic[subnet_id], port, position)
    db.flush()
    db.expire(port, ["fixed_ips"])


def add_auto_addresses(db: Session, subnet: Subnet) -> None:
    """A new auto-address subnet: every port of its network that takes such addresses
    gets its EUI-64 address there (neutron's add_auto_addrs_on_network_ports)."""
    for port in db.scalars(select(Port).where(Port.network_id == subnet.network_id)):
        if takes_auto_address(port):
            position = max((a.position for a in port.fixed_ips), default=-1) + 1
            _auto(db, subnet, port, position)
            db.expire(port, ["fixed_ips"])
