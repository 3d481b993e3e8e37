"""Ports: a MAC and fixed IPs on a network, owned by a device; security groups (the
project's default group unless told otherwise), port security, allowed address pairs.

A port is DOWN until its device is attached: the dataplane (or Nova, through
devices.set_port_status) marks it ACTIVE.
"""

from __future__ import annotations

import secrets
import time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cheptel.compute.models import Server
from cheptel.network.errors import bad_request, conflict, missing, not_found, policy_denied
from cheptel.network.models import FloatingIP, Network, Port, PortSecurityGroup, Router
from cheptel.network.service import ipam, quotas, security_groups
from cheptel.network.service.common import (
    OWNER_COMPUTE,
    OWNER_ROUTER_INTERFACE,
    SERVICE_OWNERS,
    apply,
    check_owner,
    new_id,
    stamp,
    touch,
)
from cheptel.policy import Creds

MAC_PREFIX = "fa:16:3e"
# what binding a port on this host gives: a Linux bridge port (the network's Docker
# bridge), filtered (security groups in iptables), L2 connectivity
VIF_BRIDGE = "bridge"
VIF_UNBOUND = "unbound"
VIF_BINDING_FAILED = "binding_failed"
BRIDGE_DETAILS = {"port_filter": True, "connectivity": "l2"}


def visible(creds: Creds):  # type: ignore[no-untyped-def]
    query = select(Port)
    if not creds.is_admin:
        query = query.join(Network, Network.id == Port.network_id).where(or_(
            Port.project_id == creds.project_id, Network.project_id == creds.project_id))
    return query


def list_visible(db: Session, creds: Creds) -> list[Port]:
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, port_id: str) -> Port:
    port = db.scalar(visible(creds).where(Port.id == port_id))
    if port is None:
        raise missing("port", port_id)
    return port


def _mac(db: Session, network_id: str) -> str:
    while True:
        mac = MAC_PREFIX + "".join(f":{b:02x}" for b in secrets.token_bytes(3))
        if db.scalar(select(Port.id).where(Port.network_id == network_id,
                                           Port.mac_address == mac)) is None:
            return mac


def _check_mac(db: Session, network_id: str, mac: str, port_id: str | None = None) -> None:
    holder = db.scalar(select(Port.id).where(Port.network_id == network_id,
                                             Port.mac_address == mac))
    if holder is not None and holder != port_id:
        raise conflict("MacAddressInUse", f"Unable to complete operation for network "
                       f"{network_id}. The mac address {mac} is in use.")


def check_fixed_ip_policy(creds: Creds, net: Network, specs: list[dict] | None,
                          action: str) -> None:
    """Choosing an address is for the network's owner (or an admin), as in Neutron."""
    if creds.is_admin or net.project_id == creds.project_id or not specs:
        return
    if any("ip_address" in s for s in specs):
        raise policy_denied(action, "fixed_ips:ip_address")


def device_project(db: Session, device_owner: str, device_id: str) -> str | None:
    """The project of the device a port names, when cheptel keeps that device: a router
    (network:router_interface) or a server (compute:*); None otherwise."""
    if not device_id:
        return None
    if device_owner == OWNER_ROUTER_INTERFACE:
        router = db.get(Router, device_id)
        return router.project_id if router is not None else None
    if device_owner.startswith("compute:"):
        server = db.get(Server, device_id)
        return server.project_id if server is not None else None
    return None


def check_device(db: Session, creds: Creds, project_id: str, values: dict,
                 port: Port | None = None) -> None:
    """A port never attaches by its own say-so: outside an admin, its device_id may not
    name another project's router (Neutron's _enforce_device_owner_not_router_intf_or_
    device_id: 409 DeviceIDNotOwnedByTenant) nor, as device_owner compute:*, another
    project's server (the same answer: Nova would never bind it)."""
    if creds.is_admin or not ({"device_id", "device_owner"} & set(values)):
        return
    owner = values.get("device_owner", port.device_owner if port is not None else "")
    device = values.get("device_id", port.device_id if port is not None else "")
    found = device_project(db, owner, device)
    if found is not None and found != project_id:
        raise conflict("DeviceIDNotOwnedByTenant", f"The following device_id {device} is "
                       "not owned by your tenant or matches another tenants router.")


def _security(db: Session, now: float, port: Port, values: dict, create: bool) -> None:
    """Port security, security groups and address pairs, as a consistent set."""
    enabled = port.port_security_enabled
    groups = values.get("security_groups")
    pairs = values.get("allowed_address_pairs", port.allowed_address_pairs)
    if groups is None and create:
        trusted = port.device_owner.startswith("network:")
        groups = [] if trusted or not enabled or not port.project_id else [
            security_groups.ensure_default(db, now, port.project_id).id]
    if not enabled and (groups if groups is not None else port.security_group_ids):
        if create or "port_security_enabled" not in values:
            raise bad_request("Port security must be enabled and port must have an IP "
                              "address in order to use security groups.",
                              "PortSecurityAndIPRequiredForSecurityGroups")
        raise conflict("PortSecurityPortHasSecurityGroup", "Port has security group "
                       "associated. Cannot disable port security or ip address until "
                       "security group is removed")
    if not enabled and pairs:
        raise conflict("AddressPairAndPortSecurityRequired", "Port Security must be enabled "
                       "in order to have allowed address pairs on a port.")
    for pair in pairs:
        pair.setdefault("mac_address", port.mac_address)
    port.allowed_address_pairs = [dict(p) for p in pairs]
    if groups is not None:
        for group_id in dict.fromkeys(groups):
            security_groups.get_for_project(db, port.project_id, group_id)
        current = {b.security_group_id: b for b in port.sg_bindings}
        port.sg_bindings = [current.get(g) or PortSecurityGroup(port_id=port.id,
                                                                security_group_id=g)
                            for g in dict.fromkeys(groups)]


def bind(port: Port, host: str, local_host: str) -> None:
    """Bind the port to `host` as ML2 would with one compute host: this host binds a
    normal vNIC to its Linux bridge; another host (no agent there) or a vNIC type this
    host cannot plug fails (binding_failed); no host leaves the port unbound."""
    port.binding_host_id = host
    if not host:
        port.binding_vif_type, port.binding_vif_details = VIF_UNBOUND, {}
    elif host == local_host and port.binding_vnic_type == "normal":
        port.binding_vif_type, port.binding_vif_details = VIF_BRIDGE, dict(BRIDGE_DETAILS)
    else:
        port.binding_vif_type, port.binding_vif_details = VIF_BINDING_FAILED, {}


def _binding(port: Port, values: dict, local_host: str) -> bool:
    """The binding:* attributes of a POST or PUT; True if any was given."""
    given = {"binding:host_id", "binding:vnic_type", "binding:profile"} & set(values)
    if "binding:profile" in values:
        port.binding_profile = dict(values["binding:profile"])
    if "binding:vnic_type" in values:
        port.binding_vnic_type = values["binding:vnic_type"]
    if {"binding:host_id", "binding:vnic_type"} & given:
        bind(port, values.get("binding:host_id", port.binding_host_id), local_host)
    return bool(given)


def create(db: Session, now: float, net: Network, project_id: str, values: dict,
           status: str = "DOWN", local_host: str = "") -> Port:
    """A port on `net` (visibility and policy already checked by the caller); local_host
    is this compute host's name, for a binding:host_id in `values`."""
    if project_id:
        quotas.check(db, project_id, "port")
    mac = values.get("mac_address")
    if mac is not None:
        _check_mac(db, net.id, mac)
    port = Port(id=new_id(), project_id=project_id, network_id=net.id,
                name=values.get("name", ""), description=values.get("description", ""),
                mac_address=mac or _mac(db, net.id),
                admin_state_up=values.get("admin_state_up", True), status=status,
                device_id=values.get("device_id", ""),
                device_owner=values.get("device_owner", ""),
                port_security_enabled=values.get("port_security_enabled",
                                                 net.port_security_enabled),
                allowed_address_pairs=[], tags=[], binding_host_id="",
                binding_vnic_type="normal", binding_profile={},
                binding_vif_type=VIF_UNBOUND, binding_vif_details={}, **stamp(now))
    _binding(port, values, local_host)
    _security(db, now, port, values, create=True)
    db.add(port)
    db.flush()
    ipam.allocate(db, net, port, values.get("fixed_ips"))
    db.flush()
    db.expire(port, ["fixed_ips"])
    return port


def get_writable(db: Session, creds: Creds, port_id: str, action: str) -> Port:
    port = get_visible(db, creds, port_id)
    check_owner(creds, port.project_id, action)
    return port


def update(db: Session, now: float, port: Port, values: dict, local_host: str = "") -> Port:
    net = db.get(Network, port.network_id)
    assert net is not None
    new_mac = "mac_address" in values and values["mac_address"] != port.mac_address
    if new_mac:
        if port.status == "ACTIVE":
            raise conflict("PortBound", f"Unable to complete operation on port {port.id}, "
                           "port is already bound.")
        _check_mac(db, net.id, values["mac_address"], port.id)
    changed = apply(port, values, ("name", "description", "admin_state_up", "device_id",
                                   "device_owner", "mac_address", "port_security_enabled"))
    if {"security_groups", "port_security_enabled", "allowed_address_pairs"} & set(values):
        _security(db, now, port, values, create=False)
        changed = True
    if _binding(port, values, local_host):
        changed = True
    if "fixed_ips" in values:
        ipam.reallocate(db, net, port, values["fixed_ips"])
        changed = True
    if new_mac:  # the EUI-64 addresses follow the MAC
        ipam.follow_mac(db, net, port)
    if "fixed_ips" in values or new_mac:
        _drop_stale_floating_ips(db, now, port)
    if changed:
        touch(port, now)
    db.flush()
    return port


def _drop_stale_floating_ips(db: Session, now: float, port: Port) -> None:
    addresses = {a.ip_address for a in port.fixed_ips}
    for fip in db.scalars(select(FloatingIP).where(FloatingIP.port_id == port.id)):
        if fip.fixed_ip_address not in addresses:
            disassociate(fip, now)


def disassociate(fip: FloatingIP, now: float) -> None:
    fip.port_id = fip.fixed_ip_address = fip.router_id = None
    fip.status = "DOWN"
    touch(fip, now)


def delete(db: Session, now: float, port: Port, service: bool = False) -> None:
    """Delete a port; a router's or a floating IP's port only through its owner."""
    if port.device_owner in SERVICE_OWNERS and not service:
        raise conflict("ServicePortInUse", f"Port {port.id} cannot be deleted directly via "
                       f"the port API: has device owner {port.device_owner}.")
    for fip in db.scalars(select(FloatingIP).where(FloatingIP.port_id == port.id)):
        disassociate(fip, now)
    db.flush()
    db.delete(port)
    db.flush()


# -- what compute calls ----------------------------------------------------------------------

def _network_for_device(db: Session, project_id: str, network_id: str, admin: bool) -> Network:
    """As POST /v2.0/ports sees it: the project's or a shared network (404 otherwise)."""
    net = db.get(Network, network_id)
    if net is None or not (admin or net.project_id == project_id or net.shared
                           or net.external):
        raise missing("network", network_id)
    if not (admin or net.project_id == project_id or net.shared):
        raise not_found("HTTPNotFound", "The resource could not be found.")
    return net


def allocate_port(db: Session, project_id: str, network_id: str, device_id: str,
                  device_owner: str = OWNER_COMPUTE, fixed_ip: str | None = None, *,
                  security_groups: list[str] | None = None, admin: bool = False,
                  name: str = "", now: float | None = None) -> Port:
    """A new port of the project on the network for a device (a server), status DOWN,
    deleted with the device (release_ports).

    fixed_ip: the address to take (409 IpAddressAlreadyAllocated if taken), else the next
    free one. security_groups: ids (see security_groups.resolve); None: the project's
    default group. Quota and visibility as for POST /v2.0/ports."""
    net = _network_for_device(db, project_id, network_id, admin)
    values: dict = {"device_id": device_id, "device_owner": device_owner, "name": name}
    if fixed_ip is not None:
        values["fixed_ips"] = [{"ip_address": fixed_ip}]
    if security_groups is not None:
        values["security_groups"] = security_groups
    port = create(db, time.time() if now is None else now, net, project_id, values)
    port.auto_delete = True
    db.flush()
    return port


def bind_port(db: Session, creds: Creds, port_id: str, device_id: str,
              device_owner: str = OWNER_COMPUTE, *, project_id: str | None = None,
              now: float | None = None) -> Port:
    """Give a port the user made to a device of `project_id`; 409 PortInUse if another
    device has it, 400 PortNotUsable if the port belongs to another project (Nova's check:
    a server only ever uses its own project's ports, whoever asks)."""
    port = get_writable(db, creds, port_id, "update_port")
    if project_id is not None and port.project_id != project_id:
        raise bad_request(f"Port {port.id} not usable for instance {device_id}.",
                          "PortNotUsable")
    if port.device_id and port.device_id != device_id:
        raise conflict("PortInUse", f"Unable to complete operation on port {port.id} for "
                       f"network {port.network_id}. Port already has an attached device "
                       f"{port.device_id}.")
    port.device_id, port.device_owner = device_id, device_owner
    touch(port, time.time() if now is None else now)
    db.flush()
    return port


def ports_of_device(db: Session, device_id: str, project_id: str) -> list[Port]:
    """The device's ports, oldest first (a server's NICs in order): only those of the
    device's project, so that a port another project pointed at it is never its."""
    return list(db.scalars(select(Port).where(Port.device_id == device_id,
                                              Port.project_id == project_id)
                           .order_by(Port.created_at, Port.id)))


def release_port(db: Session, port_id: str, *, now: float | None = None) -> None:
    """Detach one port from its device: deleted if compute made it, else unbound."""
    port = db.get(Port, port_id)
    if port is None:
        return
    at = time.time() if now is None else now
    if port.auto_delete:
        delete(db, at, port)
    else:
        port.device_id, port.device_owner, port.status = "", "", "DOWN"
        port.binding_profile = {}  # as Nova unbinds a port it did not make
        bind(port, "", "")
        touch(port, at)
        db.flush()


def release_ports(db: Session, device_id: str, project_id: str, *,
                  now: float | None = None) -> list[str]:
    """Detach every port of a device of `project_id` (see release_port); their floating
    IPs stay allocated but are disassociated. Returns the ids of the ports deleted."""
    deleted = []
    for port in ports_of_device(db, device_id, project_id):
        if port.device_owner in SERVICE_OWNERS:
            continue
        if port.auto_delete:
            deleted.append(port.id)
        release_port(db, port.id, now=now)
    return deleted


def set_port_status(db: Session, port_id: str, status: str, *,
                    now: float | None = None) -> None:
    """The dataplane's report: ACTIVE once attached, DOWN when detached, ERROR."""
    port = db.get(Port, port_id)
    if port is not None and port.status != status:
        port.status = status
        touch(port, time.time() if now is None else now)
        db.flush()
