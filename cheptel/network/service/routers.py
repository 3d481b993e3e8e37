"""Routers: a gateway port on an external network (SNAT by default) and interface ports
(network:router_interface) holding their subnets' gateway addresses.

A router's interfaces are the router-interface ports naming it that belong to its own
project: add_router_interface only ever makes such ports (a subnet's interface port is the
router's project's, as in Neutron; a port handed in must already be), and every consumer
(this module, floating IPs, the dataplane) reads them through `interfaces` or
`is_interface_of`, so a port another project pointed at the router is never one."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cheptel.network.errors import bad_resource_request, conflict, missing, not_found
from cheptel.network.models import FloatingIP, IPAllocation, Network, Port, Router, Subnet
from cheptel.network.service import ports, quotas, subnets
from cheptel.network.service.common import (
    OWNER_ROUTER_GATEWAY,
    OWNER_ROUTER_INTERFACE,
    apply,
    new_id,
    owned,
    stamp,
    touch,
)
from cheptel.network.views import AVAILABILITY_ZONE
from cheptel.policy import Creds


def visible(creds: Creds) -> Select:
    return owned(Router, creds)


def list_visible(db: Session, creds: Creds) -> list[Router]:
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, router_id: str) -> Router:
    router = db.scalar(visible(creds).where(Router.id == router_id))
    if router is None:
        raise missing("router", router_id)
    return router


def interfaces(db: Session, router: Router) -> list[Port]:
    return list(db.scalars(select(Port).where(Port.device_id == router.id,
                                              Port.device_owner == OWNER_ROUTER_INTERFACE,
                                              Port.project_id == router.project_id)
                           .order_by(Port.created_at)))


def is_interface_of(port: Port, router: Router) -> bool:
    """Is this port one of the router's interfaces (see the module's docstring)?"""
    return (port.device_owner == OWNER_ROUTER_INTERFACE and port.device_id == router.id
            and port.project_id == router.project_id)


def _fips_through(db: Session, router: Router) -> bool:
    return db.scalar(select(FloatingIP.id).where(FloatingIP.router_id == router.id)
                     .limit(1)) is not None


def _clear_gateway(db: Session, now: float, router: Router) -> None:
    gw = router.gw_port
    if gw is None:
        return
    if _fips_through(db, router):
        raise conflict("RouterExternalGatewayInUseByFloatingIp", "Gateway cannot be updated "
                       f"for router {router.id}, since a gateway to external network "
                       f"{gw.network_id} is required by one or more floating IPs.")
    router.gw_port_id = None
    router.gw_port = None
    db.flush()
    ports.delete(db, now, gw, service=True)


def set_gateway(db: Session, now: float, router: Router, info: dict | None) -> None:
    """Set, change or (info None) clear the router's external gateway."""
    if info is None:
        _clear_gateway(db, now, router)
        return
    net = db.get(Network, info["network_id"])
    if net is None:
        raise missing("network", info["network_id"])
    if not net.external:
        raise bad_resource_request("router", f"Network {net.id} is not an external network")
    router.enable_snat = info.get("enable_snat", True if router.gw_port is None
                                  else router.enable_snat)
    wanted_ips = info.get("external_fixed_ips")
    gw = router.gw_port
    if gw is not None and gw.network_id == net.id:
        if wanted_ips is not None:
            ports.update(db, now, gw, {"fixed_ips": wanted_ips})
        return
    _clear_gateway(db, now, router)
    port = ports.create(db, now, net, "", {"device_id": router.id,
                                           "device_owner": OWNER_ROUTER_GATEWAY,
                                           "fixed_ips": wanted_ips}, status="ACTIVE")
    _check_new_subnets(db, router, [s for a in port.fixed_ips
                                    if (s := db.get(Subnet, a.subnet_id)) is not None])
    router.gw_port_id = port.id
    router.gw_port = port


def create(db: Session, now: float, project_id: str, values: dict) -> Router:
    quotas.check(db, project_id, "router")
    for zone in values.get("availability_zone_hints", []):
        if zone != AVAILABILITY_ZONE:
            raise not_found("AvailabilityZoneNotFound",
                            f"AvailabilityZone {zone} could not be found.")
    router = Router(id=new_id(), project_id=project_id, name=values.get("name", ""),
                    description=values.get("description", ""), status="ACTIVE",
                    admin_state_up=values.get("admin_state_up", True), enable_snat=True,
                    availability_zone_hints=values.get("availability_zone_hints", []),
                    tags=[], **stamp(now))
    db.add(router)
    db.flush()
    if values.get("external_gateway_info") is not None:
        set_gateway(db, now, router, values["external_gateway_info"])
    db.flush()
    return router


def update(db: Session, now: float, router: Router, values: dict) -> Router:
    changed = apply(router, values, ("name", "description", "admin_state_up"))
    if "external_gateway_info" in values:
        set_gateway(db, now, router, values["external_gateway_info"])
        changed = True
    if changed:
        touch(router, now)
    db.flush()
    return router


def delete(db: Session, now: float, router: Router) -> None:
    if interfaces(db, router):
        raise conflict("RouterInUse", f"Router {router.id} still has ports")
    _clear_gateway(db, now, router)
    db.delete(router)
    db.flush()


def _on_subnet(db: Session, router: Router, subnet_id: str) -> Port | None:
    for port in interfaces(db, router):
        if any(a.subnet_id == subnet_id for a in port.fixed_ips):
            return port
    return None


def _check_new_subnets(db: Session, router: Router, new: list[Subnet]) -> None:
    """A router's subnets never overlap (its gateway's included): they are all routes of
    its one namespace."""
    held = interfaces(db, router) + ([router.gw_port] if router.gw_port else [])
    attached = [db.get(Subnet, a.subnet_id) for p in held for a in p.fixed_ips]
    for subnet in new:
        for other in attached:
            if other is None:
                continue
            if other.id == subnet.id:
                raise bad_resource_request("router", f"Router already has a port on subnet "
                                           f"{subnet.id}")
            if ipaddress.ip_network(other.cidr).overlaps(ipaddress.ip_network(subnet.cidr)):
                raise bad_resource_request("router", f"Cidr {subnet.cidr} of subnet "
                                           f"{subnet.id} overlaps with cidr {other.cidr} of "
                                           f"subnet {other.id}")


@dataclass(frozen=True)
class Interface:
    """A router interface as add/remove_router_interface answer it."""

    port_id: str
    network_id: str
    subnet_ids: list[str]

    @classmethod
    def of(cls, port: Port) -> Interface:
        return cls(port.id, port.network_id, [a.subnet_id for a in port.fixed_ips])


def add_interface(db: Session, now: float, creds: Creds, router: Router,
                  subnet_id: str | None, port_id: str | None) -> Interface:
    if subnet_id and port_id:
        raise bad_resource_request("router", "Cannot specify both subnet-id and port-id")
    if not subnet_id and not port_id:
        raise bad_resource_request("router", "Either subnet_id or port_id must be specified")
    if port_id:
        port = ports.get_writable(db, creds, port_id, "update_port")
        if port.device_id:
            raise conflict("PortInUse", f"Unable to complete operation on port {port.id} for "
                           f"network {port.network_id}. Port already has an attached device "
                           f"{port.device_id}.")
        if port.project_id != router.project_id:  # an admin's: the dataplane would ignore it
            raise bad_resource_request("router", f"Cannot add interface to router because "
                                       f"port {port.id} is not owned by the project of "
                                       f"router {router.id}")
        if not port.fixed_ips:
            raise bad_resource_request("router", "Router port must have at least one fixed IP")
        _check_new_subnets(db, router, [s for a in port.fixed_ips
                                        if (s := db.get(Subnet, a.subnet_id)) is not None])
        port.device_id, port.device_owner, port.status = (router.id, OWNER_ROUTER_INTERFACE,
                                                          "ACTIVE")
        port.sg_bindings = []
        touch(port, now)
    else:
        assert subnet_id is not None
        subnet = subnets.get_visible(db, creds, subnet_id)
        if subnet.gateway_ip is None:
            raise bad_resource_request("router", "Subnet for router interface must have a "
                                       "gateway IP")
        if not creds.is_admin and subnet.project_id != creds.project_id:
            # Neutron (LP-1757482): a shared network's subnet is not the caller's to route
            raise bad_resource_request("router", f"Cannot add interface to router because "
                                       f"subnet {subnet.id} is not owned by project making "
                                       "the request")
        if subnet.network.external:  # its gateway is the host's; a router joins it by gw
            raise bad_resource_request("router", f"Subnet {subnet.id} is on the external "
                                       f"network {subnet.network_id}: set it as the "
                                       "router's external gateway instead")
        _check_new_subnets(db, router, [subnet])
        wanted = {"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}
        held = _ipv6_port(db, router, subnet)
        if held is not None:  # one port holds every IPv6 prefix of a network, as Neutron
            ports.update(db, now, held, {"fixed_ips": [
                {"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                for a in held.fixed_ips] + [wanted]})
            touch(router, now)
            db.flush()
            return Interface(held.id, held.network_id, [subnet.id])
        port = ports.create(db, now, subnet.network, router.project_id, {
            "device_id": router.id, "device_owner": OWNER_ROUTER_INTERFACE,
            "fixed_ips": [wanted]}, status="ACTIVE")
    touch(router, now)
    db.flush()
    return Interface.of(port)


def _ipv6_port(db: Session, router: Router, subnet: Subnet) -> Port | None:
    """The router's interface on an IPv6 subnet's network already holding an IPv6
    address, which a new IPv6 subnet joins (neutron's _add_interface_by_subnet)."""
    if subnet.ip_version != 6:
        return None
    return next((p for p in interfaces(db, router) if p.network_id == subnet.network_id
                 and any(":" in a.ip_address for a in p.fixed_ips)), None)


def remove_interface(db: Session, now: float, router: Router, subnet_id: str | None,
                     port_id: str | None) -> Interface:
    """Remove (and delete) an interface port."""
    if port_id:
        port = db.get(Port, port_id)
        if port is None or not is_interface_of(port, router):
            raise not_found("RouterInterfaceNotFound", f"Router {router.id} does not have an "
                            f"interface with id {port_id}")
        if subnet_id and all(a.subnet_id != subnet_id for a in port.fixed_ips):
            raise bad_resource_request("port", f"Subnet on port {port.id} does not match the "
                                       f"requested subnet {subnet_id}")
    elif subnet_id:
        found = _on_subnet(db, router, subnet_id)
        if found is None:
            raise not_found("RouterInterfaceNotFoundForSubnet", f"Router {router.id} has no "
                            f"interface on subnet {subnet_id}")
        port = found
    else:
        raise bad_resource_request("router", "Either subnet_id or port_id must be specified")
    for allocation in port.fixed_ips:
        if _fip_needs(db, router, allocation):
            raise conflict("RouterInterfaceInUseByFloatingIP", "Router interface for subnet "
                           f"{allocation.subnet_id} on router {router.id} cannot be deleted, "
                           "as it is required by one or more floating IPs.")
    if subnet_id and not port_id and len(port.fixed_ips) > 1:
        # a port of several prefixes loses that one only (_remove_interface_by_subnet)
        ports.update(db, now, port, {"fixed_ips": [
            {"subnet_id": a.subnet_id, "ip_address": a.ip_address}
            for a in port.fixed_ips if a.subnet_id != subnet_id]})
        touch(router, now)
        db.flush()
        return Interface(port.id, port.network_id, [subnet_id])
    removed = Interface.of(port)
    ports.delete(db, now, port, service=True)
    touch(router, now)
    db.flush()
    return removed


def _fip_needs(db: Session, router: Router, allocation: IPAllocation) -> bool:
    subnet = db.get(Subnet, allocation.subnet_id)
    if subnet is None:
        return False
    cidr = ipaddress.ip_network(subnet.cidr)
    return any(f.fixed_ip_address and ipaddress.ip_address(f.fixed_ip_address) in cidr
               for f in db.scalars(select(FloatingIP).where(FloatingIP.router_id == router.id)))
