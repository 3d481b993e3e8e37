"""Database rows -> Cinder v3 documents (cinder/api/v3/views/volumes.py and friends)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from cheptel.common import iso
from cheptel.volume.microversion import Version
from cheptel.volume.models import (
    GroupSnapshot,
    GroupType,
    QosSpecs,
    Volume,
    VolumeAttachment,
    VolumeBackup,
    VolumeGroup,
    VolumeMessage,
    VolumeSnapshot,
    VolumeTransfer,
    VolumeType,
)


def _time(ts: float | None) -> str | None:
    text = iso(ts)
    return text[:-1] if text else None  # Cinder prints naive UTC: no trailing Z


def links(base: str, kind: str, project_id: str, obj_id: str) -> list[dict[str, str]]:
    root = base.split("/v3/")[0]
    return [{"rel": "self", "href": f"{base}/{kind}/{obj_id}"},
            {"rel": "bookmark", "href": f"{root}/{project_id}/{kind}/{obj_id}"}]


def metadata(v: Volume) -> dict[str, str]:
    meta = dict(v.meta)
    if v.readonly is not None:  # Cinder shows its admin metadata's readonly flag here
        meta["readonly"] = "True" if v.readonly else "False"
    return meta


def volume_summary(base: str, v: Volume) -> dict[str, Any]:
    return {"id": v.id, "name": v.name, "links": links(base, "volumes", v.project_id, v.id)}


def attachment_summary(a: VolumeAttachment) -> dict[str, Any]:
    """One entry of a volume's `attachments` (cinder/api/v2/views/volumes.py)."""
    return {"id": a.volume_id, "attachment_id": a.id, "volume_id": a.volume_id,
            "server_id": a.server_id, "host_name": a.host_name, "device": a.device,
            "attached_at": _time(a.attached_at)}


def volume(base: str, v: Volume, vt: VolumeType | None, version: Version,
           admin: bool, extended: bool = True,
           attached: list[VolumeAttachment] | None = None) -> dict[str, Any]:
    """Cinder's detail view; `extended`: with the attributes its extensions add to show
    and detail (tenant, host, migration), which create and update answers lack;
    `attached`: the volume's attachments (only those the host completed are shown)."""
    doc: dict[str, Any] = {
        "id": v.id, "name": v.name, "description": v.description, "status": v.status,
        "size": v.size, "availability_zone": v.availability_zone,
        "created_at": _time(v.created_at), "updated_at": _time(v.updated_at),
        "attachments": [attachment_summary(a) for a in attached or ()
                        if a.status == "attached"],
        "volume_type": vt.name if vt else None,
        "snapshot_id": v.snapshot_id, "source_volid": v.source_volid,
        "metadata": metadata(v),
        "links": links(base, "volumes", v.project_id, v.id), "user_id": v.user_id,
        "bootable": "true" if v.bootable else "false", "encrypted": False,
        "replication_status": None, "consistencygroup_id": None, "multiattach": False,
        "migration_status": None,
    }
    if extended:
        doc["os-vol-tenant-attr:tenant_id"] = v.project_id
    if extended and v.image_meta is not None:  # Cinder's os-vol-image-meta (show, detail)
        doc["volume_image_metadata"] = dict(v.image_meta)
    if extended and admin:
        doc["os-vol-host-attr:host"] = "cheptel@file#file"
        doc["os-vol-mig-status-attr:migstat"] = None
        doc["os-vol-mig-status-attr:name_id"] = None
    if version.at_least("3.13"):
        doc["group_id"] = v.group_id
    if version.at_least("3.21") and admin:
        doc["provider_id"] = None
    if version.at_least("3.48"):
        doc["shared_targets"] = False
        doc["service_uuid"] = None
    if version.at_least("3.61") and admin:
        doc["cluster_name"] = None
    if version.at_least("3.63"):
        doc["volume_type_id"] = v.volume_type_id
    if version.at_least("3.64"):
        doc["encryption_key_id"] = None
    if version.at_least("3.65"):
        doc["consumes_quota"] = True
    return doc


def next_link(base: str, kind: str, query: dict[str, str], last: str) -> list[dict[str, str]]:
    q = {k: v for k, v in query.items() if k != "marker"}
    q["marker"] = last
    return [{"rel": "next", "href": f"{base}/{kind}?{urlencode(q)}"}]


def volume_type(vt: VolumeType, admin: bool, answer: str = "show") -> dict[str, Any]:
    """A type as show and list give it; `answer` "create" leaves out the admin's
    qos_specs_id, "update" the access flag too (Tempest's schemas of Cinder's answers)."""
    doc: dict[str, Any] = {"id": vt.id, "name": vt.name, "description": vt.description,
                           "is_public": vt.is_public, "extra_specs": dict(vt.extra_specs)}
    if answer != "update":
        doc["os-volume-type-access:is_public"] = vt.is_public
    if admin and answer == "show":
        doc["qos_specs_id"] = vt.qos_specs_id
    return doc


def qos_specs(q: QosSpecs) -> dict[str, Any]:
    return {"id": q.id, "name": q.name, "consumer": q.consumer, "specs": dict(q.specs)}


def qos_specs_doc(q: QosSpecs, base: str) -> dict[str, Any]:
    """One QoS specs as create and show give it: the links beside, not inside."""
    return {"qos_specs": qos_specs(q),
            "links": links(base, "qos-specs", base.rsplit("/", 1)[1], q.id)}


def quota_set(project_id: str, limits: dict[str, int],
              usage: dict[str, int] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": project_id}
    for resource, limit in limits.items():
        if usage is None:
            doc[resource] = limit
        else:
            doc[resource] = {"limit": limit, "in_use": usage.get(resource, 0),
                             "reserved": 0, "allocated": 0}
    return doc


def absolute_limits(limits: dict[str, int], usage: dict[str, int]) -> dict[str, int]:
    return {
        "maxTotalVolumes": limits["volumes"], "totalVolumesUsed": usage["volumes"],
        "maxTotalVolumeGigabytes": limits["gigabytes"],
        "totalGigabytesUsed": usage["gigabytes"],
        "maxTotalSnapshots": limits["snapshots"], "totalSnapshotsUsed": usage["snapshots"],
        "maxTotalBackups": limits["backups"], "totalBackupsUsed": usage["backups"],
        "maxTotalBackupGigabytes": limits["backup_gigabytes"],
        "totalBackupGigabytesUsed": usage["backup_gigabytes"],
    }


def snapshot(s: VolumeSnapshot, version: Version | None, extended: bool = False
             ) -> dict[str, Any]:
    """Cinder's snapshot view (cinder/api/views/snapshots.py summary). `version`: the
    detail view's fields by microversion (cinder/api/v3/views/snapshots.py; None for the
    summary list, which has none of them); `extended`: os-extended-snapshot-attributes,
    which extends show and the detailed list (not create and update)."""
    doc: dict[str, Any] = {
        "id": s.id, "created_at": _time(s.created_at), "updated_at": _time(s.updated_at),
        "name": s.name, "description": s.description, "volume_id": s.volume_id,
        "status": s.status, "size": s.volume_size, "metadata": dict(s.meta),
    }
    if version is not None:
        if version.at_least("3.14"):
            doc["group_snapshot_id"] = s.group_snapshot_id
        if version.at_least("3.41"):
            doc["user_id"] = s.user_id
        if version.at_least("3.65"):
            doc["consumes_quota"] = True
    if extended:
        doc["os-extended-snapshot-attributes:project_id"] = s.project_id
        doc["os-extended-snapshot-attributes:progress"] = s.progress
    return doc


# --- the attachments API (cinder/api/v3/views/attachments.py) --------------------------

def attachment_brief(a: VolumeAttachment) -> dict[str, Any]:
    """The summary view: what the list and the delete answer give of each."""
    return {"id": a.id, "status": a.status, "instance": a.server_id,
            "volume_id": a.volume_id}


def attachment_detail(a: VolumeAttachment, connection_info: dict[str, Any]) -> dict[str, Any]:
    """The detailed view; Cinder prints an unset time as ''."""
    return {**attachment_brief(a), "attached_at": _time(a.attached_at) or "",
            "detached_at": "", "attach_mode": a.mode, "connection_info": connection_info}


def message(base: str, m: VolumeMessage, user_message: str) -> dict[str, Any]:
    """cinder/api/v3/views/messages.py detail (resource_* only when set)."""
    doc: dict[str, Any] = {
        "id": m.id, "event_id": m.event_id, "user_message": user_message,
        "message_level": m.message_level, "created_at": _time(m.created_at),
        "guaranteed_until": _time(m.expires_at), "request_id": m.request_id,
        "links": links(base, "messages", m.project_id, m.id)}
    if m.resource_type:
        doc["resource_type"] = m.resource_type
    if m.resource_uuid:
        doc["resource_uuid"] = m.resource_uuid
    return doc


# --- transfers (cinder/api/views/transfers.py) ------------------------------------------

def _transfer_links(base: str, t: VolumeTransfer) -> list[dict[str, str]]:
    # the caller's project in both links (Cinder's view builder reads the request's)
    return links(base, "os-volume-transfer", base.rsplit("/", 1)[-1], t.id)


def transfer_summary(base: str, t: VolumeTransfer) -> dict[str, Any]:
    """The list's and the accept answer's view. Links name os-volume-transfer whatever
    the path, as Cinder's view builder does."""
    return {"id": t.id, "volume_id": t.volume_id, "name": t.name,
            "links": _transfer_links(base, t)}


def transfer(base: str, t: VolumeTransfer, version: Version,
             auth_key: str | None = None) -> dict[str, Any]:
    """Show and the detailed list; with `auth_key`, the create answer (the one place the
    key is ever shown). no_snapshots from 3.55; the history fields from 3.57 (a live
    transfer is never accepted: accepting removes it)."""
    doc: dict[str, Any] = {"id": t.id, "created_at": _time(t.created_at), "name": t.name,
                           "volume_id": t.volume_id}
    if auth_key is not None:
        doc["auth_key"] = auth_key
    doc["links"] = _transfer_links(base, t)
    if version.at_least("3.55"):
        doc["no_snapshots"] = t.no_snapshots
    if version.at_least("3.57"):
        doc["destination_project_id"] = None
        doc["source_project_id"] = t.source_project_id
        doc["accepted"] = False
    return doc


# --- generic volume groups (cinder/api/v3/views/group_types.py, groups.py,
# group_snapshots.py) ------------------------------------------------------------------

def group_type(gt: GroupType, specs: bool) -> dict[str, Any]:
    """`specs`: the caller may see them (group:access_group_types_specs, the admin)."""
    doc: dict[str, Any] = {"id": gt.id, "name": gt.name, "description": gt.description,
                           "is_public": gt.is_public}
    if specs:
        doc["group_specs"] = dict(gt.group_specs)
    return doc


def group_summary(g: VolumeGroup) -> dict[str, Any]:
    return {"id": g.id, "name": g.name}


def group(g: VolumeGroup, version: Version, volume_ids: list[str] | None,
          project: bool) -> dict[str, Any]:
    """The detail view; `volume_ids`: with `list_volume` from 3.25; `project`: the
    admin's project_id from 3.58."""
    doc: dict[str, Any] = {
        "id": g.id, "status": g.status, "availability_zone": g.availability_zone,
        "created_at": _time(g.created_at), "name": g.name, "description": g.description,
        "group_type": g.group_type_id, "volume_types": list(g.volume_type_ids)}
    if version.at_least("3.14"):
        doc["group_snapshot_id"] = g.group_snapshot_id
        doc["source_group_id"] = g.source_group_id
    if version.at_least("3.25") and volume_ids is not None:
        doc["volumes"] = volume_ids
    if version.at_least("3.38"):
        doc["replication_status"] = "disabled"
    if version.at_least("3.58") and project:
        doc["project_id"] = g.project_id
    return doc


def group_snapshot_summary(gs: GroupSnapshot) -> dict[str, Any]:
    return {"id": gs.id, "name": gs.name, "group_type_id": gs.group_type_id}


def group_snapshot(gs: GroupSnapshot, version: Version, project: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": gs.id, "group_id": gs.group_id, "group_type_id": gs.group_type_id,
        "status": gs.status, "created_at": _time(gs.created_at), "name": gs.name,
        "description": gs.description}
    if version.at_least("3.58") and project:
        doc["project_id"] = gs.project_id
    return doc


# --- backups (cinder/api/views/backups.py, cinder/api/v3/views/backups.py) -------------

def backup_summary(base: str, b: VolumeBackup) -> dict[str, Any]:
    return {"id": b.id, "name": b.name, "links": links(base, "backups", b.project_id, b.id)}


def backup(base: str, b: VolumeBackup, version: Version, has_children: bool,
           admin: bool) -> dict[str, Any]:
    """The detail view; `admin`: the backup_project_attribute policy passed (project
    from 3.18, user from 3.56, as show and the detailed list add them)."""
    doc: dict[str, Any] = {
        "id": b.id, "status": b.status, "size": b.size, "object_count": b.object_count,
        "availability_zone": b.availability_zone, "container": b.container,
        "created_at": _time(b.created_at), "updated_at": _time(b.updated_at),
        "name": b.name, "description": b.description, "fail_reason": b.fail_reason,
        "volume_id": b.volume_id, "links": links(base, "backups", b.project_id, b.id),
        "is_incremental": b.parent_id is not None, "has_dependent_backups": has_children,
        "snapshot_id": b.snapshot_id, "data_timestamp": _time(b.data_timestamp),
    }
    if version.at_least("3.43"):
        doc["metadata"] = dict(b.meta)
    if admin and version.at_least("3.18"):
        doc["os-backup-project-attr:project_id"] = b.project_id
    if admin and version.at_least("3.56"):
        doc["user_id"] = b.user_id
    return doc
