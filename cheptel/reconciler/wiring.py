"""What the host wires for a network: a network's bridge name, the container a port is
wired to, and the NIC (cheptel.backends.plumbing.Nic) the port becomes in that container.
Read by the network converger (cheptel.reconciler.network) for its passes and for one
server's wiring at its start."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.plumbing import Nic, Route, host_veth
from cheptel.compute.models import Server
from cheptel.network.models import IPAllocation, Network, Port, Subnet
from cheptel.reconciler import routers

# (port, network, container, MAC, its fixed addresses with their subnets, in order)
NicRow = tuple[str, str, str, str, tuple[tuple[str, str], ...]]

COMPUTE = "compute:"


def bridge_for(cloud_id: str, network_id: str) -> str:
    """The Linux bridge of a network: unique on the host (15 characters at most)."""
    return "cb" + hashlib.sha256(f"{cloud_id}/{network_id}".encode()).hexdigest()[:13]


def container_of(device_owner: str, device_id: str, project_id: str,
                 servers: Mapping[str, str]) -> str | None:
    """The container a port (its device_owner, device_id and project_id columns) is wired
    to: its server's, when the port is a compute port of that server's own project
    (servers: live server id -> project id). A port naming another project's server is no
    NIC of it, whoever wrote the row."""
    if device_owner.startswith(COMPUTE) and device_id and (
            servers.get(device_id) == project_id):
        return f"cheptel-{device_id}"
    return None


def server_projects(db: Session) -> dict[str, str]:
    """Live server id -> its project (what container_of checks ports against)."""
    rows = db.execute(select(Server.id, Server.project_id).where(Server.deleted.is_(False)))
    return {server_id: project_id for server_id, project_id in rows}


def nic_of(cloud_id: str, port_id: str, mac: str, net: Network,
           fixed: Sequence[tuple[str, Subnet]]) -> Nic:
    """How a port (its fixed addresses on `net`, in order, with their subnets) appears in
    its server: its first IPv4 address, every IPv6 one, the gateways and host routes of
    those subnets; with IPv4, the metadata service on-link (its router, or the network's
    own metadata namespace without one, answers for 169.254.169.254: routers.read)."""
    v4 = next(((ip, s) for ip, s in fixed if s.ip_version == 4), None)
    v6 = [(ip, s) for ip, s in fixed if s.ip_version == 6]
    subnets = ([v4[1]] if v4 else []) + [s for _, s in v6]
    routes = tuple(dict.fromkeys([*([Route(routers.METADATA, None)] if v4 else []), *(
        Route(r["destination"], r["nexthop"]) for s in subnets for r in s.host_routes or [])]))
    return Nic(port_id=port_id, host_name=host_veth(cloud_id, port_id),
               bridge=bridge_for(cloud_id, net.id), mac=mac,
               address=v4[0] if v4 else None,
               prefixlen=int(v4[1].cidr.split("/")[1]) if v4 else 0, mtu=net.mtu or 1500,
               gateway=v4[1].gateway_ip if v4 else None, routes=routes,
               addresses6=tuple(f"{ip}/{s.cidr.split('/')[1]}" for ip, s in v6),
               gateway6=next((s.gateway_ip for _, s in v6 if s.gateway_ip), None))


def nic_rows(db: Session, servers: Mapping[str, str],
             port_ids: list[str] | None = None) -> list[NicRow]:
    """The rows (NicRow) of the ports wired to a live server of their own project (only
    `port_ids`, when given), in order."""
    query = select(Port.id, Port.network_id, Port.device_owner, Port.device_id,
                   Port.project_id, Port.mac_address).order_by(Port.created_at, Port.id)
    if port_ids is not None:
        query = query.where(Port.id.in_(port_ids))
    fixed: dict[str, list[tuple[int, str, str]]] = {}
    ips = select(IPAllocation.port_id, IPAllocation.position, IPAllocation.ip_address,
                 IPAllocation.subnet_id)
    if port_ids is not None:
        ips = ips.where(IPAllocation.port_id.in_(port_ids))
    for port_id, position, ip, subnet_id in db.execute(ips):
        fixed.setdefault(port_id, []).append((position, ip, subnet_id))
    rows = []
    for port_id, network_id, owner, device, project, mac in db.execute(query):
        container = container_of(owner, device, project, servers)
        if container is not None and port_id in fixed:
            rows.append((port_id, network_id, container, mac, tuple(
                (ip, subnet_id) for _, ip, subnet_id in sorted(fixed[port_id]))))
    return rows


def nic_of_row(cloud_id: str, row: NicRow, nets: Mapping[str, Network]) -> Nic | None:
    """The NIC a row of nic_rows becomes on its network (None: the network or its
    subnets are not among `nets`)."""
    port_id, network_id, _, mac, ips = row
    net = nets.get(network_id)
    if net is None:
        return None
    subnets = {s.id: s for s in net.subnets}
    fixed = [(ip, subnets[sid]) for ip, sid in ips if sid in subnets]
    if not fixed:
        return None
    return nic_of(cloud_id, port_id, mac, net, fixed)

