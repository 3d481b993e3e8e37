"""Load balancers: create (its VIP port on the tenant's subnet), update, delete (with
`cascade`), failover, and the status tree and statistics."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, CheptelError, Conflict
from cheptel.loadbalancer.models import (
    AvailabilityZone,
    Flavor,
    HealthMonitor,
    L7Policy,
    Listener,
    LoadBalancer,
    Member,
    Pool,
)
from cheptel.loadbalancer.service import quotas
from cheptel.loadbalancer.service.common import (
    ACTIVE,
    ERROR,
    OFFLINE,
    PENDING_CREATE,
    PENDING_DELETE,
    PENDING_UPDATE,
    apply,
    lock,
    new_id,
    stamp,
    tags,
    validation,
)
from cheptel.network.models import Network, Port, Subnet
from cheptel.network.service import networks as net_service
from cheptel.network.service import ports as port_service
from cheptel.network.service import subnets as subnet_service
from cheptel.policy import Creds

PROVIDERS = ("amphora", "octavia")  # one engine (HAProxy), Octavia's two default names
OWNER = "Octavia"  # the VIP port's device_owner (Octavia's)


def device_id(lb_id: str) -> str:
    return f"lb-{lb_id}"


def _provider(values: dict[str, Any], flavor: Flavor | None) -> str:
    provider = values.get("provider") or "amphora"
    if provider not in PROVIDERS:
        raise BadRequest(f"Provider '{provider}' is not enabled.")
    return provider


def _flavor(db: Session, flavor_id: str | None) -> Flavor | None:
    if not flavor_id:
        return None
    flavor = db.get(Flavor, flavor_id)
    if flavor is None:
        raise validation("Invalid flavor_id.")
    if not flavor.enabled:
        raise BadRequest(f"The selected flavor is not allowed in this deployment: "
                         f"{flavor_id}")
    return flavor


def _zone(db: Session, name: str | None) -> None:
    if not name:
        return
    zone = db.get(AvailabilityZone, name)
    if zone is None:
        raise validation("Invalid availability zone.")
    if not zone.enabled:
        raise BadRequest("The selected availability_zone is not allowed in this "
                         f"deployment: {name}")


def _vip(db: Session, creds: Creds, values: dict[str, Any]
         ) -> tuple[Network, Subnet, str | None, Port | None]:
    """The VIP's network, subnet, address (None: the next free one) and the user's port
    (vip_port_id), as Octavia validates them (visible to the caller, else 400)."""
    port_id, net_id = values.get("vip_port_id"), values.get("vip_network_id")
    subnet_id, address = values.get("vip_subnet_id"), values.get("vip_address")
    if not (port_id or net_id or subnet_id):
        raise validation("VIP must contain one of: vip_port_id, vip_network_id, "
                         "vip_subnet_id.")
    port = None
    if port_id:
        port = _visible(lambda: port_service.get_visible(db, creds, port_id),
                        f"Port {port_id} not found.")
        if port.device_id or port.device_owner:
            raise validation(f"Port {port_id} already has a compute device attached "
                             "to it.") if port.device_owner.startswith("compute:") else \
                validation(f"Port {port_id} is already in use.")
        net_id = port.network_id
        fixed = [(ip.subnet_id, ip.ip_address) for ip in port.fixed_ips]
        match = [f for f in fixed if (subnet_id and f[0] == subnet_id)
                 or (address and _same(f[1], address))] if (subnet_id or address) \
            else fixed[:1] if len(fixed) == 1 else []
        if not match:
            raise validation("No VIP address found on the specified VIP port within the "
                             "specified subnet." if subnet_id else
                             "Specified VIP address not found on the specified VIP port."
                             if address else "VIP port's subnet could not be determined. "
                             "Please specify either a VIP subnet or address.")
        subnet_id, address = match[0]
    if subnet_id:
        subnet = _visible(lambda: subnet_service.get_visible(db, creds, subnet_id),
                          f"Subnet {subnet_id} not found.")
        if net_id and subnet.network_id != net_id:
            raise validation(f"Subnet {subnet_id} is not in network {net_id}.")
        net = db.get(Network, subnet.network_id)
        assert net is not None
    else:
        assert net_id is not None
        net = _visible(lambda: net_service.get_visible(db, creds, net_id),
                       f"Network {net_id} not found.")
        subnet = _subnet_of(net, address)
    if subnet.ip_version != 4:
        raise validation("cheptel's load balancers have IPv4 VIPs only.")
    if address and not _in(address, subnet.cidr):
        raise validation(f"VIP address {address} is not in subnet {subnet.id}.")
    return net, subnet, address, port


def _visible(get: Any, message: str) -> Any:
    try:
        return get()
    except CheptelError:
        raise validation(message) from None


def _same(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


def _in(address: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _subnet_of(net: Network, address: str | None) -> Subnet:
    subnets = list(net.subnets)
    if not subnets:
        raise validation("Supplied network does not contain a subnet.")
    if address:
        for s in subnets:
            if _in(address, s.cidr):
                return s
        raise validation("Supplied network does not contain a subnet for VIP address "
                         "specified.")
    return next((s for s in subnets if s.ip_version == 4), subnets[0])


def create(db: Session, creds: Creds, values: dict[str, Any], now: float,
           project_id: str) -> LoadBalancer:
    flavor = _flavor(db, values.get("flavor_id"))
    _zone(db, values.get("availability_zone"))
    provider = _provider(values, flavor)
    net, subnet, address, user_port = _vip(db, creds, values)
    quotas.check(db, project_id, "load_balancer")
    lb_id = new_id()
    owner = {"device_owner": OWNER, "device_id": device_id(lb_id)}
    if user_port is not None:
        port = user_port
        port.device_owner, port.device_id = OWNER, device_id(lb_id)
    else:
        fixed: dict[str, Any] = {"subnet_id": subnet.id}
        if address:
            fixed["ip_address"] = address
        spec: dict[str, Any] = {**owner, "name": f"octavia-lb-{lb_id}",
                                "fixed_ips": [fixed], "port_security_enabled": False}
        if values.get("vip_sg_ids"):
            spec["port_security_enabled"] = True
            spec["security_groups"] = list(values["vip_sg_ids"])
        try:
            port = port_service.create(db, now, net, project_id, spec)
        except CheptelError as exc:
            if exc.code == 409:  # the address is taken (Neutron's IpAddressAlreadyAllocated)
                raise validation(exc.message) from None
            raise
        port.auto_delete = True
    ip = next((a.ip_address for a in port.fixed_ips if a.subnet_id == subnet.id), None)
    lb = LoadBalancer(
        id=lb_id, project_id=project_id, name=values.get("name") or "",
        description=values.get("description") or "",
        admin_state_up=values.get("admin_state_up", True),
        provisioning_status=PENDING_CREATE, operating_status=OFFLINE,
        vip_address=ip or "", vip_port_id=port.id, vip_subnet_id=subnet.id,
        vip_network_id=net.id, provider=provider, flavor_id=values.get("flavor_id"),
        availability_zone=values.get("availability_zone"), tags=tags(values), **stamp(now))
    db.add(lb)
    db.flush()
    return lb


def update(db: Session, lb: LoadBalancer, values: dict[str, Any], now: float) -> None:
    lock(db, lb, now)
    apply(lb, values, ("name", "description", "admin_state_up", "tags"))


def children(db: Session, lb_id: str) -> tuple[list[str], list[str]]:
    """The ids of the load balancer's listeners and pools, oldest first."""
    listeners = db.scalars(select(Listener.id).where(Listener.loadbalancer_id == lb_id)
                           .order_by(Listener.created_at, Listener.id)).all()
    pools = db.scalars(select(Pool.id).where(Pool.loadbalancer_id == lb_id)
                       .order_by(Pool.created_at, Pool.id)).all()
    return list(listeners), list(pools)


def delete(db: Session, lb: LoadBalancer, now: float, cascade: bool) -> None:
    listeners, pools = children(db, lb.id)
    if (listeners or pools) and not cascade:
        raise validation(f"Cannot delete Load Balancer {lb.id} - it has children")
    lock(db, lb, now, status=PENDING_DELETE)
    rows: list[Listener | Pool] = [*db.scalars(select(Listener).where(
        Listener.loadbalancer_id == lb.id)), *db.scalars(select(Pool).where(
            Pool.loadbalancer_id == lb.id))]
    for row in rows:
        row.provisioning_status = PENDING_DELETE


def failover(db: Session, lb: LoadBalancer, now: float) -> None:
    """Octavia's failover: from ACTIVE or ERROR to PENDING_UPDATE; the reconciler
    restarts the balancer's HAProxy from its configuration."""
    if lb.provisioning_status not in (ACTIVE, ERROR):
        raise Conflict(f"Invalid state {lb.provisioning_status} of loadbalancer "
                       f"resource {lb.id}")
    lb.provisioning_status, lb.updated_at = PENDING_UPDATE, now
    lb.error = "failover"


def status_tree(db: Session, lb: LoadBalancer) -> dict[str, Any]:
    """Octavia's `GET /loadbalancers/{id}/status`."""
    def brief(row: Any) -> dict[str, Any]:
        return {"id": row.id, "name": row.name, "provisioning_status":
                row.provisioning_status, "operating_status": row.operating_status}

    pools = {p.id: p for p in db.scalars(select(Pool).where(Pool.loadbalancer_id == lb.id))}
    listeners = db.scalars(select(Listener).where(Listener.loadbalancer_id == lb.id)
                           .order_by(Listener.created_at)).all()
    docs = []
    for lis in listeners:
        used = [lis.default_pool_id] if lis.default_pool_id else []
        used += [pid for pid in db.scalars(select(L7Policy.redirect_pool_id).where(
            L7Policy.listener_id == lis.id)) if pid and pid not in used]
        pool_docs = []
        for pid in used:
            pool = pools.get(pid)
            if pool is None:
                continue
            doc = brief(pool)
            monitor = db.scalar(select(HealthMonitor).where(HealthMonitor.pool_id == pid))
            if monitor is not None:
                doc["health_monitor"] = {**brief(monitor), "type": monitor.type}
            doc["members"] = [{**brief(m), "address": m.address,
                               "protocol_port": m.protocol_port}
                              for m in db.scalars(select(Member).where(
                                  Member.pool_id == pid).order_by(Member.created_at))]
            pool_docs.append(doc)
        docs.append({**brief(lis), "pools": pool_docs})
    return {"loadbalancer": {**brief(lb), "listeners": docs}}
