"""Subnets (IPv4 and IPv6): CIDR, gateway, pools, DNS servers, host routes, the IPv6
address modes (service/ipv6.py); SubnetInUse on delete.

As Neutron with allow_overlapping_ips = True: the subnets of one network never overlap,
those of two networks may (every router is a namespace of its own, and the host routes
no tenant address). External networks are the exception: their gateways are the host's
addresses, in its one routing table, so their subnets never overlap each other's.
"""

from __future__ import annotations

import ipaddress

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cheptel.network.errors import (
    bad_request,
    bad_resource_request,
    conflict,
    invalid_input,
    missing,
    not_found,
    policy_denied,
)
from cheptel.network.models import IPAllocation, Network, Port, Subnet, SubnetPool
from cheptel.network.service import ipam, ipv6, networks, quotas, subnetpools
from cheptel.network.service.common import OWNER_ROUTER_INTERFACE, apply, new_id, stamp, touch
from cheptel.policy import Creds

MAX_DNS_NAMESERVERS = 5
MAX_HOST_ROUTES = 20
# a smaller subnet leaves no address for a port beside the gateway (IPv4: network and
# broadcast addresses); Neutron's limits with DHCP on, here whatever enable_dhcp says
MAX_PREFIXLEN = {4: 30, 6: 126}


def visible(creds: Creds):  # type: ignore[no-untyped-def]
    query = select(Subnet)
    if not creds.is_admin:
        query = query.join(Network, Network.id == Subnet.network_id).where(or_(
            Subnet.project_id == creds.project_id, Network.project_id == creds.project_id,
            Network.shared.is_(True), Network.external.is_(True)))
    return query


def list_visible(db: Session, creds: Creds) -> list[Subnet]:
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, subnet_id: str) -> Subnet:
    subnet = db.scalar(visible(creds).where(Subnet.id == subnet_id))
    if subnet is None:
        raise missing("subnet", subnet_id)
    return subnet


def get_writable(db: Session, creds: Creds, subnet_id: str, action: str) -> Subnet:
    subnet = get_visible(db, creds, subnet_id)
    if not (creds.is_admin or creds.project_id in (subnet.project_id,
                                                   subnet.network.project_id)):
        raise policy_denied(action)
    return subnet


def network_for_child(db: Session, creds: Creds, network_id: str, project_id: str,
                      action: str) -> Network:
    """The network a subnet or port is made on: visible, and the project's or shared."""
    net = networks.get_visible(db, creds, network_id)
    if creds.is_admin or net.project_id == project_id:
        return net
    if not net.shared:  # neutron hides the network then (a plain 404)
        raise not_found("HTTPNotFound", "The resource could not be found.")
    if action == "create_subnet":
        raise policy_denied(action)
    return net


def _overlapping(db: Session, cidr: str, net: Network) -> None:
    new = ipaddress.ip_network(cidr)
    network_id = net.id
    scope = select(Network.id).where(Network.external.is_(True)) if net.external else (
        select(Network.id).where(Network.id == net.id))
    for other in db.scalars(select(Subnet.cidr).where(Subnet.network_id.in_(scope))):
        if new.overlaps(ipaddress.ip_network(other)):
            raise invalid_input(f"Requested subnet with cidr: {cidr} for network: "
                                f"{network_id} overlaps with another subnet")


def _version(version: int, address: str, name: str) -> None:
    """db_base_plugin_v2._validate_ip_version."""
    if ipaddress.ip_network(address, strict=False).version != version:
        raise invalid_input(f"{name} '{address}' does not match the ip_version '{version}'")


def _check_lists(subnet_id: str, version: int, values: dict) -> None:
    if len(values.get("dns_nameservers", [])) > MAX_DNS_NAMESERVERS:
        raise bad_request(f"Unable to complete operation for {subnet_id}. The number of DNS "
                          f"nameservers exceeds the limit {MAX_DNS_NAMESERVERS}.",
                          "DNSNameServersExhausted")
    if len(values.get("host_routes", [])) > MAX_HOST_ROUTES:
        raise bad_request(f"Unable to complete operation for {subnet_id}. The number of host "
                          f"routes exceeds the limit {MAX_HOST_ROUTES}.", "HostRoutesExhausted")
    for server in values.get("dns_nameservers", []):
        _version(version, server, "dns_nameserver")
    for route in values.get("host_routes", []):
        _version(version, route["nexthop"], "nexthop")
        _version(version, route["destination"], "destination")


def _check_modes(values: dict, cidr: str) -> None:
    version = values["ip_version"]
    if version == 4:
        for mode in ("ipv6_ra_mode", "ipv6_address_mode"):
            if values.get(mode):
                raise invalid_input(f"{mode} is not valid when ip_version is 4")
    else:
        ipv6.check_modes(values, cidr)


def _check_cidr(values: dict) -> str:
    """db_base_plugin_v2._validate_subnet's checks of the CIDR."""
    cidr = values.get("cidr")
    if cidr is None:
        raise bad_resource_request("subnet", "a subnetpool must be specified in the absence "
                                   "of a cidr")
    version = values["ip_version"]
    _version(version, cidr, "cidr")
    net = ipaddress.ip_network(cidr)
    if net.prefixlen == 0:
        raise invalid_input("0 is not allowed as CIDR prefix length")
    if net.prefixlen > MAX_PREFIXLEN[version]:
        raise invalid_input(f"cidr {cidr} is too small: a subnet needs a prefix length of "
                            f"{MAX_PREFIXLEN[version]} or less")
    if values.get("enable_dhcp", True):
        if net.is_multicast:
            raise invalid_input("Multicast IP subnet is not supported if enable_dhcp is True")
        if net.is_loopback:
            raise invalid_input("Loopback IP subnet is not supported if enable_dhcp is True")
    return cidr


def create(db: Session, now: float, net: Network, project_id: str, values: dict,
           subnet_id: str | None = None, pool: SubnetPool | None = None) -> Subnet:
    """A subnet of `net`: on the given cidr, or carved from `pool` (the subnetpool_id the
    caller may use) by cidr or prefixlen."""
    if pool is not None:
        if values["ip_version"] != pool.ip_version:
            raise bad_resource_request("subnets", f"Cannot allocate IPv{values['ip_version']} "
                                       f"subnet from IPv{pool.ip_version} subnet pool")
        if values.get("cidr"):
            _check_cidr(values)
            _overlapping(db, values["cidr"], net)
        values = {**values, "cidr": subnetpools.allocate(db, pool, project_id,
                                                         values.get("cidr"),
                                                         values.get("prefixlen"))}
    elif values.get("prefixlen") is not None and values.get("cidr"):
        raise bad_request("cidr and prefixlen must not be supplied together")
    cidr = _check_cidr(values)
    version = values["ip_version"]
    sid = subnet_id or new_id()
    quotas.check(db, project_id, "subnet")
    _overlapping(db, cidr, net)
    gateway = values["gateway_ip"] if "gateway_ip" in values else ipam.first_host(cidr)
    ipam.check_gateway(cidr, gateway)
    pools = values.get("allocation_pools") or ipam.default_pools(cidr, gateway)
    ipam.check_pools(cidr, gateway, pools)
    _check_lists(sid, version, values)
    _check_modes(values, cidr)
    subnet = Subnet(id=sid, project_id=project_id, network_id=net.id,
                    name=values.get("name", ""), description=values.get("description", ""),
                    ip_version=version, cidr=cidr, gateway_ip=gateway,
                    ipv6_ra_mode=values.get("ipv6_ra_mode"),
                    ipv6_address_mode=values.get("ipv6_address_mode"),
                    enable_dhcp=values.get("enable_dhcp", True), allocation_pools=pools,
                    dns_nameservers=values.get("dns_nameservers", []),
                    host_routes=values.get("host_routes", []), tags=[],
                    subnetpool_id=pool.id if pool is not None else None, **stamp(now))
    db.add(subnet)
    db.flush()
    db.expire(net, ["subnets"])
    if ipv6.is_auto_address(subnet):
        ipam.add_auto_addresses(db, subnet)
    return subnet


def update(db: Session, now: float, subnet: Subnet, values: dict) -> Subnet:
    gateway = values.get("gateway_ip", subnet.gateway_ip)
    if "gateway_ip" in values and gateway != subnet.gateway_ip:
        ipam.check_gateway(subnet.cidr, gateway)
        holder = db.scalar(select(IPAllocation.port_id).join(Port).where(
            IPAllocation.subnet_id == subnet.id, IPAllocation.ip_address == subnet.gateway_ip,
            Port.device_owner == OWNER_ROUTER_INTERFACE))
        if holder is not None:
            raise conflict("GatewayIpInUse", f"Current gateway ip {subnet.gateway_ip} already "
                           f"in use by port {holder}. Unable to update.")
    if "allocation_pools" in values or "gateway_ip" in values:
        pools = values.get("allocation_pools", subnet.allocation_pools)
        ipam.check_pools(subnet.cidr, gateway, pools)
    _check_lists(subnet.id, subnet.ip_version, values)
    ipv6.check_update(subnet, values)
    if apply(subnet, values, ("name", "description", "gateway_ip", "allocation_pools",
                              "dns_nameservers", "host_routes", "enable_dhcp")):
        touch(subnet, now)
    db.flush()
    return subnet


def delete(db: Session, subnet: Subnet) -> None:
    """A subnet with addresses in use is a 409, but an auto-address subnet's addresses
    on ports that are not a router's interface go with it (as Neutron's
    _remove_subnet_ip_allocations_from_ports)."""
    in_use = select(IPAllocation.port_id).where(IPAllocation.subnet_id == subnet.id)
    if ipv6.is_auto_address(subnet):
        in_use = in_use.join(Port, Port.id == IPAllocation.port_id).where(
            Port.device_owner == OWNER_ROUTER_INTERFACE)
    if db.scalar(in_use.limit(1)) is not None:
        raise conflict("SubnetInUse", f"Unable to complete operation on subnet {subnet.id}: "
                       "One or more ports have an IP allocation from this subnet.")
    for allocation in db.scalars(select(IPAllocation).where(
            IPAllocation.subnet_id == subnet.id)):
        db.delete(allocation)
    network = subnet.network
    db.delete(subnet)
    db.flush()
    db.expire(network, ["subnets"])
