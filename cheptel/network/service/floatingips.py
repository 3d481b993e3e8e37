"""Floating IPs: an address of an external network (held by a network:floatingip port),
mapped to a port's fixed IP through the router that joins the two networks."""

from __future__ import annotations

import ipaddress

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cheptel.network.errors import bad_resource_request, conflict, missing, not_found
from cheptel.network.models import FloatingIP, Network, Port, Router
from cheptel.network.service import networks, ports, quotas, routers
from cheptel.network.service.common import (
    OWNER_DHCP,
    OWNER_FLOATINGIP,
    new_id,
    owned,
    stamp,
    touch,
)
from cheptel.policy import Creds


def visible(creds: Creds) -> Select:
    return owned(FloatingIP, creds)


def list_visible(db: Session, creds: Creds) -> list[FloatingIP]:
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, fip_id: str) -> FloatingIP:
    fip = db.scalar(visible(creds).where(FloatingIP.id == fip_id))
    if fip is None:
        raise missing("floatingip", fip_id)
    return fip


def _external(db: Session, creds: Creds, network_id: str) -> Network:
    """The floating network: one the caller sees (another project's private network is a
    404, as Neutron's lookup with the caller's context), and external (else 400)."""
    net = networks.get_visible(db, creds, network_id)
    if not net.external:
        raise bad_resource_request("floatingip", f"Network {network_id} is not a valid "
                                   "external network")
    return net


def _ipv4_only(net: Network, spec: dict) -> None:
    """A floating IP is an IPv4 address (Neutron's L3 NAT is IPv4 only)."""
    asked = next((s for s in net.subnets if s.id == spec.get("subnet_id")), None)
    if asked is not None and asked.ip_version != 4 or ":" in spec.get("ip_address", ""):
        raise bad_resource_request("floatingip", "Floating IPs can only be allocated from "
                                   "an IPv4 subnet")
    if not any(s.ip_version == 4 for s in net.subnets):
        raise bad_resource_request("floatingip", f"Network {net.id} does not contain any "
                                   "IPv4 subnet")


def create(db: Session, now: float, creds: Creds, project_id: str, values: dict) -> FloatingIP:
    net = _external(db, creds, values["floating_network_id"])
    quotas.check(db, project_id, "floatingip")
    spec: dict = {}
    if values.get("subnet_id"):
        if all(s.id != values["subnet_id"] for s in net.subnets):
            raise bad_resource_request("floatingip", f"Subnet {values['subnet_id']} does not "
                                       f"belong to network {net.id}")
        spec["subnet_id"] = values["subnet_id"]
    if values.get("floating_ip_address"):
        spec["ip_address"] = values["floating_ip_address"]
    if not net.subnets:
        raise bad_resource_request("floatingip", f"Network {net.id} has no subnet to allocate "
                                   "a floating IP from")
    _ipv4_only(net, spec)
    fid = new_id()
    port = ports.create(db, now, net, "", {"device_id": fid, "device_owner": OWNER_FLOATINGIP,
                                           "fixed_ips": [spec] if spec else None},
                        status="N/A")
    fip = FloatingIP(id=fid, project_id=project_id, floating_network_id=net.id,
                     floating_port_id=port.id, floating_ip_address=next(
                         a.ip_address for a in port.fixed_ips if ":" not in a.ip_address),
                     description=values.get("description", ""), status="DOWN", tags=[],
                     **stamp(now))
    db.add(fip)
    db.flush()
    if values.get("port_id"):
        associate(db, now, creds, fip, values["port_id"], values.get("fixed_ip_address"))
    return fip


def _fixed_ip(port: Port, fip: FloatingIP, wanted: str | None) -> tuple[str, str]:
    """(fixed IP, its subnet) of the port the floating IP is to map to."""
    v4 = [(a.ip_address, a.subnet_id) for a in port.fixed_ips
          if ipaddress.ip_address(a.ip_address).version == 4]
    if wanted is not None:
        if ipaddress.ip_address(wanted).version != 4:
            raise bad_resource_request("floatingip", "Cannot process floating IP association "
                                       f"with {wanted}, since that is not an IPv4 address")
        for address, subnet_id in v4:
            if address == wanted:
                return address, subnet_id
        raise bad_resource_request("floatingip", f"Port {port.id} does not have fixed ip "
                                   f"{wanted}")
    if not v4:
        raise bad_resource_request("floatingip", f"Cannot add floating IP to port {port.id} "
                                   "that has no fixed IPv4 addresses")
    if len(v4) > 1:
        raise bad_resource_request("floatingip", f"Port {port.id} has multiple fixed IPv4 "
                                   "addresses. Must provide a specific IPv4 address when "
                                   "assigning a floating IP")
    return v4[0]


def _router_between(db: Session, subnet_id: str, external_id: str) -> Router | None:
    """A router with an interface on the subnet and its gateway on the external network."""
    for port in db.scalars(select(Port).where(Port.device_owner ==
                                              routers.OWNER_ROUTER_INTERFACE)):
        if any(a.subnet_id == subnet_id for a in port.fixed_ips):
            router = db.get(Router, port.device_id)
            if router is not None and routers.is_interface_of(port, router) and (
                    router.gw_port is not None) and (
                    router.gw_port.network_id == external_id):
                return router
    return None


def associate(db: Session, now: float, creds: Creds, fip: FloatingIP, port_id: str,
              fixed_ip: str | None) -> None:
    port = ports.get_visible(db, creds, port_id)
    # neutron.db.l3_db._internal_fip_assoc_data refuses another project's port (unless
    # admin: cheptel refuses it to an admin too, since the dataplane maps a floating IP only
    # to a port of its own project) and a DHCP port (neutron.common.utils.is_fip_serviced);
    # any other device owner, router ports and unbound ports included, may have one
    if port.project_id != fip.project_id:
        raise bad_resource_request("floatingip", "Cannot process floating IP association "
                                   f"with Port {port.id}, since that port is owned by a "
                                   "different project")
    if port.device_owner == OWNER_DHCP:
        raise bad_resource_request("floatingip", f"Port {port.id} is unable to be assigned "
                                   "a floating IP")
    address, subnet_id = _fixed_ip(port, fip, fixed_ip)
    router = _router_between(db, subnet_id, fip.floating_network_id)
    if router is None:
        raise not_found("ExternalGatewayForFloatingIPNotFound", "External network "
                        f"{fip.floating_network_id} is not reachable from subnet {subnet_id}.  "
                        f"Therefore, cannot associate Port {port.id} with a Floating IP.")
    other = db.scalar(select(FloatingIP).where(
        FloatingIP.port_id == port.id, FloatingIP.fixed_ip_address == address,
        FloatingIP.floating_network_id == fip.floating_network_id, FloatingIP.id != fip.id))
    if other is not None:
        raise conflict("FloatingIPPortAlreadyAssociated", "Cannot associate floating IP "
                       f"{fip.floating_ip_address} ({fip.id}) with port {port.id} using fixed "
                       f"IP {address}, as that fixed IP already has a floating IP on external "
                       f"network {fip.floating_network_id}.")
    fip.port_id, fip.fixed_ip_address, fip.router_id = port.id, address, router.id
    fip.status = "ACTIVE"  # the dataplane sets ERROR if it cannot apply the mapping
    touch(fip, now)
    db.flush()


def update(db: Session, now: float, creds: Creds, fip: FloatingIP, values: dict) -> FloatingIP:
    if "description" in values and values["description"] != fip.description:
        fip.description = values["description"]
        touch(fip, now)
    if "port_id" in values:
        if values["port_id"] is None:
            if fip.port_id is not None:
                ports.disassociate(fip, now)
        else:
            associate(db, now, creds, fip, values["port_id"], values.get("fixed_ip_address"))
    elif values.get("fixed_ip_address") is not None:
        if fip.port_id is None:
            raise bad_resource_request("floatingip", "fixed_ip_address cannot be specified "
                                       "without a port_id")
        associate(db, now, creds, fip, fip.port_id, values["fixed_ip_address"])
    db.flush()
    return fip


def delete(db: Session, now: float, fip: FloatingIP) -> None:
    port = db.get(Port, fip.floating_port_id)
    db.delete(fip)
    db.flush()
    if port is not None:
        ports.delete(db, now, port, service=True)
