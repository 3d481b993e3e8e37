"""Networks: who sees them (own, shared, external), create, update, delete (NetworkInUse)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cheptel.network.errors import conflict, invalid_input, missing, not_found
from cheptel.network.models import FloatingIP, Network, Port, Router
from cheptel.network.service import quotas
from cheptel.network.service.common import (
    OWNER_DHCP,
    OWNER_ROUTER_GATEWAY,
    apply,
    check_owner,
    new_id,
    stamp,
    touch,
)
from cheptel.network.views import AVAILABILITY_ZONE
from cheptel.policy import Creds

MAX_MTU = 1500  # DevStack's global_physnet_mtu: what a Docker bridge carries by default
MIN_MTU = 68
NETWORK_TYPES = ("local", "flat")
AUTO_DELETE_OWNERS = (OWNER_DHCP,)  # ports a network delete removes by itself


def bridge_name(network_id: str) -> str:
    """The dataplane's bridge: a Linux interface name (at most 15 characters)."""
    return "cbr" + network_id.replace("-", "")[:12]


def visible(creds: Creds):  # type: ignore[no-untyped-def]
    query = select(Network)
    if not creds.is_admin:
        query = query.where(or_(Network.project_id == creds.project_id,
                                Network.shared.is_(True), Network.external.is_(True)))
    return query


def list_visible(db: Session, creds: Creds) -> list[Network]:
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, network_id: str) -> Network:
    net = db.scalar(visible(creds).where(Network.id == network_id))
    if net is None:
        raise missing("network", network_id)
    return net


def get_writable(db: Session, creds: Creds, network_id: str, action: str) -> Network:
    net = get_visible(db, creds, network_id)
    check_owner(creds, net.project_id, action)
    return net


def _check_mtu(mtu: int) -> None:
    if mtu > MAX_MTU:
        raise invalid_input(f"Requested MTU is too big, maximum is {MAX_MTU}")
    if mtu < MIN_MTU:
        raise invalid_input(f"Requested MTU is too small, minimum is {MIN_MTU}")


def _provider(db: Session, values: dict) -> tuple[str, str | None]:
    kind = values.get("provider:network_type") or ("flat" if values.get(
        "provider:physical_network") else "local")
    physnet = values.get("provider:physical_network")
    if kind not in NETWORK_TYPES:
        raise invalid_input(f"network_type value '{kind}' not supported")
    if values.get("provider:segmentation_id") is not None:
        raise invalid_input(f"segmentation_id specified for {kind} provider network")
    if kind == "flat" and not physnet:
        raise invalid_input("physical_network required for flat provider network")
    if kind == "local" and physnet:
        raise invalid_input(f"physical_network specified for {kind} provider network")
    if physnet and db.scalar(select(Network.id).where(Network.physical_network == physnet)):
        raise conflict("FlatNetworkInUse", "Unable to create the flat network. Physical "
                       f"network {physnet} is in use.")
    return kind, physnet


def create(db: Session, now: float, project_id: str, values: dict,
           network_id: str | None = None) -> Network:
    quotas.check(db, project_id, "network")
    if "mtu" in values:
        _check_mtu(values["mtu"])
    for zone in values.get("availability_zone_hints", []):
        if zone != AVAILABILITY_ZONE:
            raise not_found("AvailabilityZoneNotFound",
                            f"AvailabilityZone {zone} could not be found.")
    external = values.get("router:external", False)
    kind, physnet = _provider(db, values)
    nid = network_id or new_id()
    net = Network(id=nid, project_id=project_id, name=values.get("name", ""),
                  description=values.get("description", ""), status="ACTIVE",
                  admin_state_up=values.get("admin_state_up", True),
                  shared=values.get("shared", False), external=external,
                  mtu=values.get("mtu", MAX_MTU),
                  port_security_enabled=values.get("port_security_enabled", True),
                  network_type=kind, physical_network=physnet, bridge=bridge_name(nid),
                  availability_zone_hints=values.get("availability_zone_hints", []), tags=[],
                  **stamp(now))
    db.add(net)
    db.flush()
    return net


def _used_by_others(db: Session, net: Network) -> bool:
    return db.scalar(select(Port.id).where(Port.network_id == net.id,
                                           Port.project_id != net.project_id,
                                           Port.project_id != "").limit(1)) is not None


def update(db: Session, now: float, net: Network, values: dict) -> Network:
    if "mtu" in values:
        _check_mtu(values["mtu"])
    if values.get("shared") is False and net.shared and _used_by_others(db, net):
        raise conflict("InvalidSharedSetting", "Unable to reconfigure sharing settings for "
                       f"network {net.id}. Multiple projects are using it.")
    if values.get("router:external") is False and net.external:
        gateway = db.scalar(select(Port.id).where(Port.network_id == net.id,
                                                  Port.device_owner == OWNER_ROUTER_GATEWAY))
        if gateway or db.scalar(select(FloatingIP.id).where(
                FloatingIP.floating_network_id == net.id).limit(1)):
            raise conflict("ExternalNetworkInUse", f"External network {net.id} cannot be "
                           "updated to be made non-external, since it has existing gateway "
                           "ports.")
    if "router:external" in values:
        values["external"] = values["router:external"]
    changed = apply(net, values, ("name", "description", "admin_state_up", "shared",
                                  "external", "mtu", "port_security_enabled"))
    if changed:
        touch(net, now)
    db.flush()
    return net


def delete(db: Session, net: Network) -> None:
    """Delete a network with its subnets; its DHCP ports and (as Neutron's l3 plugin does
    before a network delete) its floating IPs that no port uses go with it."""
    idle = list(db.scalars(select(FloatingIP).where(FloatingIP.floating_network_id == net.id,
                                                    FloatingIP.port_id.is_(None))))
    idle_ports = {f.floating_port_id for f in idle}
    ports = list(db.scalars(select(Port).where(Port.network_id == net.id)))
    if any(p.device_owner not in AUTO_DELETE_OWNERS and p.id not in idle_ports
           for p in ports):
        raise conflict("NetworkInUse", f"Unable to complete operation on network {net.id}. "
                       "There are one or more ports still in use on the network.")
    for fip in idle:
        db.delete(fip)
    db.flush()
    for port in ports:
        db.delete(port)
    db.flush()
    db.delete(net)
    db.flush()


def routers_on(db: Session, network_id: str) -> list[Router]:
    """Routers whose gateway is on this (external) network."""
    return list(db.scalars(select(Router).join(Port, Port.id == Router.gw_port_id)
                           .where(Port.network_id == network_id)))
