"""IPv4 address management: allocation pools, the gateway, and fixed IPs for ports.

An address is taken by inserting an ip_allocations row, whose primary key (subnet_id,
ip_address) makes a double allocation impossible even between two processes: the insert
runs in a savepoint and a refused one tries the next free address.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.network.errors import bad_request, conflict, invalid_input
from cheptel.network.models import IPAllocation, Network, Port, Subnet
from cheptel.network.service.common import OWNER_ROUTER_INTERFACE, insert


def pool_text(pool: dict) -> str:
    return f"{pool['start']}-{pool['end']}"


def host_range(cidr: str) -> tuple[IPv4Address, IPv4Address]:
    net = IPv4Network(cidr)
    return net.network_address + 1, net.broadcast_address - 1


def default_pools(cidr: str, gateway: str | None) -> list[dict]:
    """Every host address but the gateway, as Neutron's default pools."""
    first, last = host_range(cidr)
    if gateway is None or not first <= IPv4Address(gateway) <= last:
        return [{"start": str(first), "end": str(last)}]
    gw = IPv4Address(gateway)
    pools = []
    if gw > first:
        pools.append({"start": str(first), "end": str(gw - 1)})
    if gw < last:
        pools.append({"start": str(gw + 1), "end": str(last)})
    return pools


def check_gateway(cidr: str, gateway: str | None) -> None:
    """neutron.ipam.utils.check_gateway_invalid_in_subnet: a gateway inside the subnet may
    not be its network or broadcast address; one outside it is not checked (Neutron
    assumes it is on link)."""
    if gateway is None:
        return
    address, net = ipaddress.ip_address(gateway), IPv4Network(cidr)
    if address.version != 4 or address in (net.network_address, net.broadcast_address):
        raise invalid_input("Gateway is not valid on subnet")


def gateway_on_subnet(cidr: str, gateway: str | None) -> str | None:
    """The gateway if it is a host address of the subnet, else None (the bridge then takes
    the engine's choice, as for a subnet without a gateway)."""
    if gateway is None:
        return None
    first, last = host_range(cidr)
    return gateway if first <= IPv4Address(gateway) <= last else None


def check_pools(cidr: str, gateway: str | None, pools: list[dict]) -> None:
    """neutron ipam_backend_mixin._validate_allocation_pools, with its errors."""
    first, last = host_range(cidr)
    ranges = []
    for pool in pools:
        start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
        if start.version != 4 or end.version != 4 or start > end:
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
    if gateway is not None:
        gw = IPv4Address(gateway)
        for start, end, pool in ranges:
            if start <= gw <= end:
                raise conflict("GatewayConflictWithAllocationPools",
                               f"Gateway ip {gateway} conflicts with allocation pool "
                               f"{pool_text(pool)}.")


def used(db: Session, subnet_id: str) -> set[str]:
    return set(db.scalars(select(IPAllocation.ip_address)
                          .where(IPAllocation.subnet_id == subnet_id)))


def _free(subnet: Subnet, taken: set[str]) -> str | None:
    """The lowest free address of the pools (pools as stored, in order)."""
    for pool in subnet.allocation_pools:
        address = IPv4Address(pool["start"])
        end = IPv4Address(pool["end"])
        while address <= end:
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


def allocate_address(db: Session, subnet: Subnet, port: Port, address: str,
                     position: int) -> None:
    """An explicit address: anywhere in the subnet but its network, broadcast and (for
    anything but a router interface) gateway addresses."""
    first, last = host_range(subnet.cidr)
    ip = ipaddress.ip_address(address)
    if ip.version != 4 or not first <= ip <= last:
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


def allocate(db: Session, net: Network, port: Port, specs: list[dict] | None,
             start: int = 0) -> None:
    """Fixed IPs for a new port: as asked, or one from the first subnet with room."""
    if specs is None:
        if not net.subnets:
            return
        for subnet in net.subnets:
            if allocate_any(db, subnet, port, start) is not None:
                return
        raise conflict("IpAddressGenerationFailure",
                       f"No more IP addresses available on network {net.id}.")
    for position, spec in enumerate(specs, start):
        subnet = _subnet_for(net, spec)
        if "ip_address" in spec:
            allocate_address(db, subnet, port, spec["ip_address"], position)
        elif allocate_any(db, subnet, port, position) is None:
            raise conflict("IpAddressGenerationFailure",
                           f"No more IP addresses available for subnet {subnet.id}.")


def reallocate(db: Session, net: Network, port: Port, specs: list[dict]) -> None:
    """A port's new fixed_ips: addresses asked again are kept, others freed, new taken."""
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
    for allocation in current:
        if allocation not in keep:
            db.delete(allocation)
    db.flush()
    for position, allocation in enumerate(keep):
        allocation.position = position
    allocate(db, net, port, pending, start=len(keep))
    db.flush()
    db.expire(port, ["fixed_ips"])
