"""Volume attachments as Nova renders them, per microversion (nova/api/openstack/compute/
volume_attachments.py, and the server view's os-extended-volumes:volumes_attached); and
the volumes of Nova's os-volumes proxy (volumes.py)."""

from __future__ import annotations

from typing import Any

from cheptel.common import iso
from cheptel.compute.microversion import Version
from cheptel.volume import views as volume_views
from cheptel.volume.models import Volume, VolumeAttachment, VolumeSnapshot


def attachment(att: VolumeAttachment, version: Version) -> dict[str, Any]:
    """index and show: `id` (the volume's) until 2.89, then attachment_id and bdm_uuid;
    tag from 2.70, delete_on_termination from 2.79; device when there is one."""
    newest = version.at_least("2.89")
    body: dict[str, Any] = {} if newest else {"id": att.volume_id}
    body.update({"volumeId": att.volume_id, "serverId": att.server_id})
    if att.device:
        body["device"] = att.device
    if version.at_least("2.70"):
        body["tag"] = att.tag
    if version.at_least("2.79"):
        body["delete_on_termination"] = att.delete_on_termination
    if newest:
        body["attachment_id"] = att.id
        body["bdm_uuid"] = att.bdm_uuid
    return body


def attached(att: VolumeAttachment, server_id: str, version: Version) -> dict[str, Any]:
    """The attach answer: the server id as the URL gave it, `device` always, and never
    the 2.89 fields (Nova did not apply 2.89 to it)."""
    body: dict[str, Any] = {"id": att.volume_id, "serverId": server_id,
                            "volumeId": att.volume_id, "device": att.device}
    if version.at_least("2.70"):
        body["tag"] = att.tag
    if version.at_least("2.79"):
        body["delete_on_termination"] = att.delete_on_termination
    return body


def volumes_attached(rows: list[VolumeAttachment], version: Version) -> list[dict[str, Any]]:
    """A server's os-extended-volumes:volumes_attached: every mapping with a volume."""
    if version.at_least("2.3"):
        return [{"id": a.volume_id, "delete_on_termination": a.delete_on_termination}
                for a in rows]
    return [{"id": a.volume_id} for a in rows]


def proxied_volume(v: Volume, type_name: str | None,
                   attached: list[VolumeAttachment]) -> dict[str, Any]:
    """os-volumes (before 2.36): Cinder's volume in Nova's old words
    (nova/api/openstack/compute/volumes.py _translate_volume_summary_view): the first
    attachment once attached, else `[{}]`."""
    done = [a for a in attached if a.status == "attached" and a.server_id is not None]
    attachments: list[dict[str, Any]] = [{}]
    if done:
        first: dict[str, Any] = {"id": v.id, "volumeId": v.id, "serverId": done[0].server_id}
        if done[0].device:
            first["device"] = done[0].device
        attachments = [first]
    created = iso(v.created_at)
    return {"id": v.id, "status": v.status, "size": v.size,
            "availabilityZone": v.availability_zone,
            "createdAt": created[:-1] if created else None,  # Cinder's naive UTC
            "attachments": attachments, "displayName": v.name,
            "displayDescription": v.description, "volumeType": type_name,
            "snapshotId": None, "metadata": volume_views.metadata(v)}


def proxied_snapshot(s: VolumeSnapshot) -> dict[str, Any]:
    """os-snapshots (before 2.36): nova/api/openstack/compute/snapshots.py's view."""
    created = iso(s.created_at)
    return {"id": s.id, "volumeId": s.volume_id, "status": s.status, "size": s.volume_size,
            "createdAt": created[:-1] if created else None, "displayName": s.name,
            "displayDescription": s.description}
