"""Server bodies as Nova renders them, per microversion (nova/api/openstack/compute/views)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cheptel.common import iso
from cheptel.compute import states, views_volumes
from cheptel.compute.addresses import addresses as neutron_addresses
from cheptel.compute.addresses import (
    addresses_of_servers,
    group_names_of_servers,
    port_rows,
)
from cheptel.compute.microversion import Version
from cheptel.compute.models import Server
from cheptel.compute.service import server_groups, server_metadata, volume_attachments
from cheptel.policy import Creds
from cheptel.volume.models import VolumeAttachment
from cheptel.volume.service import attachments

PROGRESS_STATUSES = {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}


def _t(ts: float | None) -> str | None:
    return iso(ts, micro=False)


def links(base: str, kind: str, oid: str) -> list[dict]:
    return [{"rel": "self", "href": f"{base}/compute/v2.1/{kind}/{oid}"},
            {"rel": "bookmark", "href": f"{base}/compute/{kind}/{oid}"}]


def host_id(server: Server) -> str:
    if not server.host:
        return ""
    return hashlib.sha224((server.project_id + server.host).encode()).hexdigest()


def summary(base: str, server: Server) -> dict:
    return {"id": server.id, "name": server.name, "links": links(base, "servers", server.id)}


def flavor_view(base: str, server: Server, version: Version) -> dict:
    f = server.flavor
    if version.at_least("2.47"):
        body = {"vcpus": f["vcpus"], "ram": f["ram"], "disk": f["disk"],
                "ephemeral": f.get("ephemeral", 0), "swap": f.get("swap", 0),
                "original_name": f["name"]}
        body["extra_specs"] = dict(f.get("extra_specs") or {})
        return body
    return {"id": server.flavor_id, "links": [
        {"rel": "bookmark", "href": f"{base}/compute/flavors/{server.flavor_id}"}]}


def status_of(server: Server) -> str:
    if server.deleted:
        return "DELETED"
    return states.status(server.vm_state, server.task_state)


EXTENDED_IP_KEYS = ("OS-EXT-IPS:type", "OS-EXT-IPS-MAC:mac_addr")


def addresses(db: Session, server: Server, extended: bool = True) -> dict:
    """Addresses by network, mirrored from Neutron's ports; without the OS-EXT-IPS keys for
    /ips and the pre-2.75 PUT and rebuild bodies (Nova's extend_address)."""
    found = neutron_addresses(db, server)
    return found if extended else _strip_extended(found)


@dataclass
class Related:
    """What a server's body shows from other tables, loaded for a whole page at once
    (GET /servers/detail): a constant number of queries, whatever the page's size."""

    metadata: dict[str, dict[str, str]]
    tags: dict[str, set[str]]
    addresses: dict[str, dict[str, list[dict]]]  # with the OS-EXT-IPS keys
    groups: dict[str, list[str]]  # security group names
    volumes: dict[str, list[VolumeAttachment]]  # the mappings of volumes (attachments)

    @classmethod
    def load(cls, db: Session, servers: list[Server], version: Version) -> Related:
        ids = [s.id for s in servers]
        ports = port_rows(db, servers)
        return cls(
            metadata=server_metadata.metadata_of_servers(db, ids),
            tags=server_metadata.tags_of_servers(db, ids) if version.at_least("2.26") else {},
            addresses=addresses_of_servers(db, servers, ports=ports),
            groups=group_names_of_servers(db, servers, ports=ports),
            volumes=attachments.of_servers(db, ids))

    @classmethod
    def one(cls, db: Session, server: Server, full: bool, version: Version) -> Related:
        sid = server.id
        ports = port_rows(db, [server])  # read once for the addresses and the groups
        return cls(
            metadata={sid: server_metadata.metadata_of(db, sid)},
            tags={sid: server_metadata.tags_of(db, sid)} if version.at_least("2.26") else {},
            addresses=addresses_of_servers(db, [server], ports=ports),
            groups=group_names_of_servers(db, [server], ports=ports) if full else {},
            volumes=attachments.of_servers(db, [sid]) if full else {})


def detail_many(db: Session, base: str, servers: list[Server], creds: Creds,
                version: Version) -> list[dict]:
    """GET /servers/detail: every body of the page, their related rows loaded at once."""
    related = Related.load(db, servers, version)
    return [detail(db, base, s, creds, version, related=related) for s in servers]


def _strip_extended(found: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {net: [{k: v for k, v in a.items() if k not in EXTENDED_IP_KEYS} for a in addrs]
            for net, addrs in found.items()}


def detail(db: Session, base: str, server: Server, creds: Creds, version: Version,
           *, show: bool = False, action: str | None = None,
           related: Related | None = None) -> dict:
    """GET /servers/{id} (show) and /servers/detail; with action "update" or "rebuild",
    the PUT and rebuild bodies, which before 2.75 leave out the extended attributes."""
    status = status_of(server)
    full = action is None or version.at_least("2.75")
    extended = creds.is_admin and full  # the OS-EXT-SRV-ATTR attributes (admin policy)
    if related is None:
        related = Related.one(db, server, full, version)
    found = related.addresses[server.id]
    body: dict = {
        "id": server.id, "name": server.name, "status": status,
        "tenant_id": server.project_id, "user_id": server.user_id,
        "metadata": related.metadata[server.id], "hostId": host_id(server),
        "image": {"id": server.image_id, "links": [
            {"rel": "bookmark", "href": f"{base}/compute/images/{server.image_id}"}]}
        if server.image_id else "",  # booted from a volume: Nova's empty image
        "flavor": flavor_view(base, server, version),
        "created": _t(server.created_at), "updated": _t(server.updated_at),
        "addresses": found if full else _strip_extended(found),
        "accessIPv4": server.access_ipv4 or "", "accessIPv6": server.access_ipv6 or "",
        "links": links(base, "servers", server.id),
        "OS-DCF:diskConfig": server.disk_config or "MANUAL",
    }
    if status in PROGRESS_STATUSES:
        body["progress"] = server.progress or 0
    if server.fault and status in ("ERROR", "DELETED"):
        fault = dict(server.fault)
        if not creds.is_admin:
            fault.pop("details", None)
        body["fault"] = fault
    if full:
        body.update({
            "OS-EXT-AZ:availability_zone": server.availability_zone,
            "config_drive": "True" if server.config_drive else "",
            "key_name": server.key_name,
            "OS-SRV-USG:launched_at": iso(server.launched_at),
            "OS-SRV-USG:terminated_at": iso(server.terminated_at),
            "OS-EXT-STS:task_state": server.task_state,
            "OS-EXT-STS:vm_state": server.vm_state,
            "OS-EXT-STS:power_state": server.power_state,
            "os-extended-volumes:volumes_attached": views_volumes.volumes_attached(
                volume_attachments.in_order(related.volumes[server.id]), version),
        })
        groups = related.groups[server.id]
        if groups:  # the groups of its Neutron ports; Nova leaves the key out when none
            body["security_groups"] = [{"name": name} for name in groups]
    elif action == "rebuild" and version.at_least("2.54"):
        body["key_name"] = server.key_name
    if extended:
        body["OS-EXT-SRV-ATTR:host"] = server.host
        body["OS-EXT-SRV-ATTR:instance_name"] = f"cheptel-{server.id}"
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.host
        if version.at_least("2.3"):
            body.update({
                "OS-EXT-SRV-ATTR:hostname": server.hostname,
                "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
                "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
                "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:root_device_name": None,
            })
            if action != "rebuild":  # rebuild has its own user_data from 2.57
                body["OS-EXT-SRV-ATTR:user_data"] = server.user_data
    if version.at_least("2.9"):
        body["locked"] = server.locked
    if version.at_least("2.16") and extended:
        body["host_status"] = "UP" if server.host else ""
    if version.at_least("2.19"):
        body["description"] = server.description
    if version.at_least("2.26"):
        body["tags"] = sorted(related.tags[server.id])
    if version.at_least("2.63"):
        body["trusted_image_certificates"] = None
    if version.at_least("2.71") and (show or action is not None):
        body["server_groups"] = server_groups.groups_of(db, server.id)
    if version.at_least("2.73"):
        body["locked_reason"] = server.locked_reason
    if version.at_least("2.90") and not extended:  # 2.90 shows it to everyone
        body["OS-EXT-SRV-ATTR:hostname"] = server.hostname
    if action == "rebuild" and version.at_least("2.57"):
        body["user_data"] = server.user_data
    return body
