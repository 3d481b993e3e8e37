"""IPv4 subnets: CIDR, gateway, pools, DNS servers, host routes; SubnetInUse on delete.

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
from cheptel.network.service import ipam, networks, quotas, subnetpools
from cheptel.network.service.common import OWNER_ROUTER_INTERFACE, apply, new_id, stamp, touch
from cheptel.policy import Creds

MAX_DNS_NAMESERVERS = 5
MAX_HOST_ROUTES = 20
MAX_PREFIXLEN = 30  # a smaller subnet leaves no address for a port beside the gateway


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


def _check_lists(subnet_id: str, values: dict) -> None:
    if len(values.get("dns_nameservers", [])) > MAX_DNS_NAMESERVERS:
        raise bad_request(f"Unable to complete operation for {subnet_id}. The number of DNS "
                          f"nameservers exceeds the limit {MAX_DNS_NAMESERVERS}.",
                          "DNSNameServersExhausted")
    if len(values.get("host_routes", [])) > MAX_HOST_ROUTES:
        raise bad_request(f"Unable to complete operation for {subnet_id}. The number of host "
                          f"routes exceeds the limit {MAX_HOST_ROUTES}.", "HostRoutesExhausted")
    for server in values.get("dns_nameservers", []):
        if ipaddress.ip_address(server).version != 4:
            raise invalid_input(f"IPv6 address {server} can not be a DNS server of an IPv4 "
                                "subnet")
    for route in values.get("host_routes", []):
        if (ipaddress.ip_network(route["destination"]).version != 4
                or ipaddress.ip_address(route["nexthop"]).version != 4):
            raise invalid_input(f"Host route {route} is not IPv4")


def _check_cidr(values: dict) -> str:
    cidr = values.get("cidr")
    if values.get("ip_version") == 6 or values.get("ipv6_ra_mode") or values.get(
            "ipv6_address_mode") or (cidr and ipaddress.ip_network(cidr).version == 6):
        raise invalid_input("IPv6 subnets are not supported by cheptel; use an IPv4 cidr "
                            "and ip_version 4")
    if cidr is None:
        raise bad_resource_request("subnet", "a subnetpool must be specified in the absence "
                                   "of a cidr")
    prefixlen = ipaddress.ip_network(cidr).prefixlen
    if prefixlen == 0:
        raise invalid_input("0 is not allowed as CIDR prefix length")
    if prefixlen > MAX_PREFIXLEN:
        raise invalid_input(f"cidr {cidr} is too small: a subnet needs a prefix length of "
                            f"{MAX_PREFIXLEN} or less")
    return cidr


def create(db: Session, now: float, net: Network, project_id: str, values: dict,
           subnet_id: str | None = None, pool: SubnetPool | None = None) -> Subnet:
    """A subnet of `net`: on the given cidr, or carved from `pool` (the subnetpool_id the
    caller may use) by cidr or prefixlen."""
    if pool is not None:
        if values.get("cidr"):
            _check_cidr(values)
            _overlapping(db, values["cidr"], net)
        values = {**values, "cidr": subnetpools.allocate(db, pool, project_id,
                                                         values.get("cidr"),
                                                         values.get("prefixlen"))}
    elif values.get("prefixlen") is not None and values.get("cidr"):
        raise bad_request("cidr and prefixlen must not be supplied together")
    cidr = _check_cidr(values)
    sid = subnet_id or new_id()
    quotas.check(db, project_id, "subnet")
    _overlapping(db, cidr, net)
    first, _ = ipam.host_range(cidr)
    gateway = values["gateway_ip"] if "gateway_ip" in values else str(first)
    ipam.check_gateway(cidr, gateway)
    pools = values.get("allocation_pools") or ipam.default_pools(cidr, gateway)
    ipam.check_pools(cidr, gateway, pools)
    _check_lists(sid, values)
    subnet = Subnet(id=sid, project_id=project_id, network_id=net.id,
                    name=values.get("name", ""), description=values.get("description", ""),
                    ip_version=4, cidr=cidr, gateway_ip=gateway,
                    enable_dhcp=values.get("enable_dhcp", True), allocation_pools=pools,
                    dns_nameservers=values.get("dns_nameservers", []),
                    host_routes=values.get("host_routes", []), tags=[],
                    subnetpool_id=pool.id if pool is not None else None, **stamp(now))
    db.add(subnet)
    db.flush()
    db.expire(net, ["subnets"])
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
    _check_lists(subnet.id, values)
    if apply(subnet, values, ("name", "description", "gateway_ip", "allocation_pools",
                              "dns_nameservers", "host_routes", "enable_dhcp")):
        touch(subnet, now)
    db.flush()
    return subnet


def delete(db: Session, subnet: Subnet) -> None:
    if db.scalar(select(IPAllocation.port_id).where(IPAllocation.subnet_id == subnet.id)
                 .limit(1)) is not None:
        raise conflict("SubnetInUse", f"Unable to complete operation on subnet {subnet.id}: "
                       "One or more ports have an IP allocation from this subnet.")
    network = subnet.network
    db.delete(subnet)
    db.flush()
    db.expire(network, ["subnets"])
