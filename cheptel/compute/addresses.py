"""A server's `addresses`, mirrored from Neutron: its ports' fixed IPs and the floating IPs
mapped to them, keyed by network name (what Nova shows, and what Ansible polls for).

A server's ports are those whose device_id names it AND that belong to its project, as
Nova lists them (device_id and tenant_id): a port another project pointed at the server,
however it was written, is never the server's.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute.models import Server
from cheptel.network.models import FloatingIP, Network, Port, SecurityGroup


def ports_of(db: Session, server: Server) -> list[Port]:
    """The server's NICs, oldest first: compute ports of its project naming it."""
    q = select(Port).where(Port.device_id == server.id, Port.device_owner.like("compute:%"),
                           Port.project_id == server.project_id)
    return sorted(db.scalars(q), key=lambda p: (p.created_at, p.id))


def addresses(db: Session, server: Server, *, extended: bool = True) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for port in ports_of(db, server):
        network = db.get(Network, port.network_id)
        name = network.name if network is not None else port.network_id
        entries = out.setdefault(name, [])
        floating = {f.fixed_ip_address: f.floating_ip_address for f in db.scalars(
            select(FloatingIP).where(FloatingIP.port_id == port.id))}
        for alloc in sorted(port.fixed_ips, key=lambda a: a.position):
            version = 6 if ":" in alloc.ip_address else 4
            entries.append(_entry(alloc.ip_address, version, "fixed", port.mac_address,
                                  extended))
            if alloc.ip_address in floating:
                entries.append(_entry(floating[alloc.ip_address], 4, "floating",
                                      port.mac_address, extended))
    return out


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
