"""A server's `addresses`, mirrored from Neutron: its ports' fixed IPs and the floating IPs
mapped to them, keyed by network name (what Nova shows, and what Ansible polls for)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.network.models import FloatingIP, Network, Port, SecurityGroup


def ports_of(db: Session, server_id: str) -> list[Port]:
    q = select(Port).where(Port.device_id == server_id, Port.device_owner.like("compute:%"))
    return sorted(db.scalars(q), key=lambda p: (p.created_at, p.id))


def addresses(db: Session, server_id: str, *, extended: bool = True) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for port in ports_of(db, server_id):
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


def groups_of_server(db: Session, server_id: str) -> list[SecurityGroup]:
    """The security groups on a server's ports, each once, in port order."""
    seen: dict[str, SecurityGroup] = {}
    for port in ports_of(db, server_id):
        for binding in port.sg_bindings:
            group = db.get(SecurityGroup, binding.security_group_id)
            if group is not None:
                seen.setdefault(group.id, group)
    return list(seen.values())
