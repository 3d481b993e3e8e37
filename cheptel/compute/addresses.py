"""A server's `addresses`, mirrored from Neutron: its ports' fixed IPs and the floating IPs
mapped to them, keyed by network name (what Nova shows, and what Ansible polls for)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from cheptel.network.models import FloatingIP, Network, Port, SecurityGroup

CHUNK = 500  # ids a query (SQLite and PostgreSQL cap the parameters of one statement)


def chunks(ids: Iterable[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i:i + CHUNK] for i in range(0, len(unique), CHUNK)]


def ports_of(db: Session, server_id: str) -> list[Port]:
    return ports_of_servers(db, [server_id])[server_id]


def ports_of_servers(db: Session, server_ids: Iterable[str]) -> dict[str, list[Port]]:
    """Each server's ports (fixed IPs and group bindings loaded), in creation order."""
    out: dict[str, list[Port]] = {}
    for chunk in chunks(server_ids):
        out.update({sid: [] for sid in chunk})
        q = select(Port).where(Port.device_id.in_(chunk), Port.device_owner.like("compute:%"))
        for port in db.scalars(q):
            out[port.device_id].append(port)
    for ports in out.values():
        ports.sort(key=lambda p: (p.created_at, p.id))
    return out


def addresses(db: Session, server_id: str, *, extended: bool = True) -> dict[str, list[dict]]:
    return addresses_of_servers(db, [server_id], extended=extended)[server_id]


def addresses_of_servers(db: Session, server_ids: Iterable[str], *, extended: bool = True,
                         ports: dict[str, list[Port]] | None = None
                         ) -> dict[str, dict[str, list[dict]]]:
    """The `addresses` of many servers in a constant number of queries."""
    if ports is None:
        ports = ports_of_servers(db, server_ids)
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
            floating.setdefault(port_id, {})[fixed] = address
    result: dict[str, dict[str, list[dict]]] = {}
    for server_id, found in ports.items():
        out: dict[str, list[dict]] = {}
        for port in found:
            entries = out.setdefault(names.get(port.network_id, port.network_id), [])
            mapped = floating.get(port.id, {})
            for alloc in sorted(port.fixed_ips, key=lambda a: a.position):
                version = 6 if ":" in alloc.ip_address else 4
                entries.append(_entry(alloc.ip_address, version, "fixed", port.mac_address,
                                      extended))
                if alloc.ip_address in mapped:
                    entries.append(_entry(mapped[alloc.ip_address], 4, "floating",
                                          port.mac_address, extended))
        result[server_id] = out
    return result


def _entry(addr: str, version: int, kind: str, mac: str, extended: bool) -> dict:
    entry: dict = {"version": version, "addr": addr}
    if extended:
        entry["OS-EXT-IPS:type"] = kind
        entry["OS-EXT-IPS-MAC:mac_addr"] = mac
    return entry


def groups_of_server(db: Session, server_id: str) -> list[SecurityGroup]:
    """The security groups on a server's ports, each once, in port order."""
    return groups_of_servers(db, [server_id])[server_id]


def groups_of_servers(db: Session, server_ids: Iterable[str],
                      ports: dict[str, list[Port]] | None = None
                      ) -> dict[str, list[SecurityGroup]]:
    if ports is None:
        ports = ports_of_servers(db, server_ids)
    wanted = [b.security_group_id for found in ports.values() for p in found
              for b in p.sg_bindings]
    groups: dict[str, SecurityGroup] = {}
    for chunk in chunks(wanted):  # the rules stay unloaded until asked for
        q = select(SecurityGroup).where(SecurityGroup.id.in_(chunk)).options(
            lazyload(SecurityGroup.rules))
        groups.update((g.id, g) for g in db.scalars(q))
    result: dict[str, list[SecurityGroup]] = {}
    for server_id, found in ports.items():
        seen: dict[str, SecurityGroup] = {}
        for port in found:
            for binding in port.sg_bindings:
                group = groups.get(binding.security_group_id)
                if group is not None:
                    seen.setdefault(group.id, group)
        result[server_id] = list(seen.values())
    return result
