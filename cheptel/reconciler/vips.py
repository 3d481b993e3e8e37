"""Load balancers' VIPs as network namespaces, as neutron-lbaas's `qlbaas-*`: what each
holds (the network converger makes them, cheptel.backends.haproxy runs HAProxy inside).

A load balancer's VIP port (Octavia's: device_owner `Octavia`, device_id `lb-<lb id>`,
the load balancer's own project) gets a namespace of its own
(cheptel.backends.plumbing.balancer_namespace) holding one veth: `vip` inside, with the
port's MAC and first IPv4 address, a default route via its subnet's gateway (members on
other subnets are reached through the tenant's router), no forwarding and no NAT; the
host end is named as a server port's (host_veth) on the network's bridge, so the port's
anti-spoofing and security-group chains (cheptel.reconciler.rules) apply to it as to a
server's. A port that names a load balancer without being its VIP port (another
project's, another owner) is none of it, whoever wrote the row.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.plumbing import (
    RouterNamespace,
    RouterPort,
    balancer_namespace,
    host_veth,
)
from cheptel.loadbalancer.models import LoadBalancer
from cheptel.network.models import IPAllocation, Port, Subnet

OWNER = "Octavia"
INNER = "vip"  # the VIP's interface in its namespace


def ports(db: Session) -> dict[str, str]:
    """The VIP ports that are their load balancer's: port id -> load balancer id."""
    rows = db.execute(select(LoadBalancer.id, LoadBalancer.project_id, Port.id,
                             Port.device_owner, Port.device_id, Port.project_id)
                      .join(Port, Port.id == LoadBalancer.vip_port_id))
    return {port: lb for lb, project, port, owner, device, port_project in rows
            if owner == OWNER and device == f"lb-{lb}" and port_project == project}


def read(db: Session, cloud: str, bridges: Mapping[str, str], mtus: Mapping[str, int]
         ) -> list[RouterNamespace]:
    """Every load balancer's VIP namespace. `bridges`: network -> its bridge (the
    networks that have one); a VIP without an IPv4 address or bridge is left out."""
    vips = ports(db)
    if not vips:
        return []
    rows = {port: (network, mac) for port, network, mac in db.execute(
        select(Port.id, Port.network_id, Port.mac_address).where(Port.id.in_(vips)))}
    first: dict[str, tuple[int, str, str]] = {}
    for port, position, ip, subnet in db.execute(select(
            IPAllocation.port_id, IPAllocation.position, IPAllocation.ip_address,
            IPAllocation.subnet_id).where(IPAllocation.port_id.in_(vips))):
        if ":" not in ip and (port not in first or position < first[port][0]):
            first[port] = (position, ip, subnet)
    subnets = {sid: (cidr, gateway) for sid, cidr, gateway in db.execute(
        select(Subnet.id, Subnet.cidr, Subnet.gateway_ip).where(
            Subnet.id.in_([s for _, _, s in first.values()])))}
    out = []
    for port, lb in sorted(vips.items(), key=lambda item: item[1]):
        network, mac = rows[port]
        if port not in first or network not in bridges or first[port][2] not in subnets:
            continue
        _, ip, subnet = first[port]
        cidr, gateway = subnets[subnet]
        veth = RouterPort(port, host_veth(cloud, port), INNER, bridges[network], mac,
                          (f"{ip}/{cidr.split('/')[1]}",), mtus.get(network, 1500))
        out.append(RouterNamespace(balancer_namespace(cloud, lb), cloud, lb, (veth,),
                                   gateway, forwarding=False))
    return out
