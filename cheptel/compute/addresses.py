"""A server's `addresses`, mirrored from Neutron: its ports' fixed IPs and the floating IPs
mapped to them, keyed by network name (what Nova shows, and what Ansible polls for).

A server's ports are those whose device_id names it AND that belong to its project, as
Nova lists them (device_id and tenant_id): a port another project pointed at the server,
however it was written, is never the server's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute.models import Server
from cheptel.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    SecurityGroup,
)

CHUNK = 500  # ids a query (SQLite and PostgreSQL cap the parameters of one statement)


def chunks(ids: Iterable[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i:i + CHUNK] for i in range(0, len(unique), CHUNK)]


def ports_of(db: Session, server: Server) -> list[Port]:
    """The server's NICs, oldest first: compute ports of its project naming it."""
    q = select(Port).where(Port.device_id == server.id, Port.device_owner.like("compute:%"),
                           Port.project_id == server.project_id)
    return sorted(db.scalars(q), key=lambda p: (p.created_at, p.id))


@dataclass
class PortRow:
    """What a server's body shows of one of its ports (no ORM object: a listing of a
    thousand servers reads only these columns)."""

    id: str
    server_id: str
    network_id: str
    mac_address: str
    created_at: float
    fixed_ips: list[str] = field(default_factory=list)  # in position order
    group_ids: list[str] = field(default_factory=list)


def port_rows(db: Session, servers: Iterable[Server]) -> dict[str, list[PortRow]]:
    """Each server's ports (of its project), in creation order, with their fixed IPs and
    the ids of the groups of its project."""
    project = {s.id: s.project_id for s in servers}
    out: dict[str, list[PortRow]] = {sid: [] for sid in project}
    by_id: dict[str, PortRow] = {}
    for chunk in chunks(project):
        q = select(Port.id, Port.device_id, Port.network_id, Port.mac_address,
                   Port.created_at, Port.project_id).where(
            Port.device_id.in_(chunk), Port.device_owner.like("compute:%"))
        for port_id, server_id, network_id, mac, created, port_project in db.execute(
                q).tuples():
            port = PortRow(port_id, server_id, network_id, mac, created)
            if port_project == project[server_id]:
                by_id[port.id] = port
                out[port.server_id].append(port)
    owner = {port_id: project[port.server_id] for port_id, port in by_id.items()}
    for chunk in chunks(by_id):
        ips = select(IPAllocation.port_id, IPAllocation.ip_address).where(
            IPAllocation.port_id.in_(chunk)).order_by(IPAllocation.port_id,
                                                     IPAllocation.position)
        for port_id, address in db.execute(ips).tuples():
            by_id[port_id].fixed_ips.append(address)
        groups = select(PortSecurityGroup.port_id, SecurityGroup.id,
                        SecurityGroup.project_id).join(
            SecurityGroup, SecurityGroup.id == PortSecurityGroup.security_group_id).where(
            PortSecurityGroup.port_id.in_(chunk))
        for port_id, group_id, group_project in db.execute(groups).tuples():
            if group_project == owner[port_id]:
                by_id[port_id].group_ids.append(group_id)
    for ports in out.values():
        ports.sort(key=lambda p: (p.created_at, p.id))
    return out


def addresses(db: Session, server: Server, *, extended: bool = True) -> dict[str, list[dict]]:
    return addresses_of_servers(db, [server], extended=extended)[server.id]


def addresses_of_servers(db: Session, servers: Iterable[Server], *, extended: bool = True,
                         ports: dict[str, list[PortRow]] | None = None
                         ) -> dict[str, dict[str, list[dict]]]:
    """The `addresses` of many servers in a constant number of queries."""
    if ports is None:
        ports = port_rows(db, servers)
    every = [p for found in ports.values() for p in found]
    names: dict[str, str] = {}
    for chunk in chunks(p.network_id for p in every):
        names.update(db.execute(select(Network.id, Network.name).where(
            Network.id.in_(chunk))).tuples().all())
    floating: dict[str, dict[str, str]] = {}
    for chunk in chunks(p.id for p in every):
        q = select(FloatingIP.port_id, FloatingIP.fixed_ip_address,
                   FloatingIP.floating_ip_address).where(FloatingIP.port_id.in_(chunk))
        for port_id, fixed, address in db.execute(q).tuples():
            if port_id is not None and fixed is not None:
                floating.setdefault(port_id, {})[fixed] = address
    result: dict[str, dict[str, list[dict]]] = {}
    for server_id, found in ports.items():
        out: dict[str, list[dict]] = {}
        for port in found:
            entries = out.setdefault(names.get(port.network_id, port.network_id), [])
            mapped = floating.get(port.id, {})
            for ip in port.fixed_ips:
                entries.append(_entry(ip, 6 if ":" in ip else 4, "fixed", port.mac_address,
                                      extended))
                if ip in mapped:
                    entries.append(_entry(mapped[ip], 4, "floating", port.mac_address,
                                          extended))
        result[server_id] = out
    return result


def _entry(addr: str, version: int, kind: str, mac: str, extended: bool) -> dict:
    entry: dict = {"version": version, "addr": addr}
    if extended:
        entry["OS-EXT-IPS:type"] = kind
        entry["OS-EXT-IPS-MAC:mac_addr"] = mac
    return entry


def groups_of_server(db: Session, server: Server) -> list[SecurityGroup]:
    """The security groups (of the server's project) on its ports, each once, in port
    order."""
    seen: dict[str, SecurityGroup] = {}
    for port in ports_of(db, server):
        for binding in port.sg_bindings:
            group = db.get(SecurityGroup, binding.security_group_id)
            if group is not None and group.project_id == server.project_id:
                seen.setdefault(group.id, group)
    return list(seen.values())


def group_names_of_servers(db: Session, servers: Iterable[Server],
                           ports: dict[str, list[PortRow]] | None = None
                           ) -> dict[str, list[str]]:
    """The names of groups_of_server for many servers, in a constant number of queries."""
    if ports is None:
        ports = port_rows(db, servers)
    names: dict[str, str] = {}
    for chunk in chunks(g for found in ports.values() for p in found for g in p.group_ids):
        names.update(db.execute(select(SecurityGroup.id, SecurityGroup.name).where(
            SecurityGroup.id.in_(chunk))).tuples().all())
    result: dict[str, list[str]] = {}
    for server_id, found in ports.items():
        seen = dict.fromkeys(g for p in found for g in p.group_ids if g in names)
        result[server_id] = [names[g] for g in seen]
    return result
