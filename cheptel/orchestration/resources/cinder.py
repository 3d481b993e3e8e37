"""OS::Cinder::Volume and OS::Cinder::VolumeAttachment, through Cinder's routes (block
storage) and Nova's os-volume_attachments; images are found through Glance's."""

from __future__ import annotations

from typing import Any

from cheptel.errors import NotFound
from cheptel.orchestration.errors import ResourceFailure
from cheptel.orchestration.resources.base import (
    Prop,
    Record,
    ResourceType,
    gone_when_missing,
    ignore_missing,
)
from cheptel.orchestration.resources.nova import image_id
from cheptel.orchestration.service.cloud import Cloud

V = "block-storage"


def _path(cloud: Cloud, tail: str = "") -> str:
    return f"/v3/{cloud.project_id}/volumes{tail}"


def _create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    body: dict[str, Any] = {"name": p.get("name") or r.name}
    for key in ("size", "description", "volume_type", "availability_zone", "metadata",
                "snapshot_id", "source_volid", "backup_id"):
        if p.get(key) is not None:
            body[key] = p[key]
    if p.get("image"):
        body["imageRef"] = image_id(cloud, p["image"])
    r.physical_id = cloud.call(V, "POST", _path(cloud), {"volume": body})["volume"]["id"]


def _show(cloud: Cloud, r: Record) -> dict[str, Any]:
    return dict(cloud.call(V, "GET", _path(cloud, f"/{r.physical_id}"))["volume"])


def _status(cloud: Cloud, volume_id: str) -> str:
    status = str(_show(cloud, Record(volume_id))["status"])
    if status.startswith("error"):
        raise ResourceFailure(f"Went to status {status} due to \"Unknown\"")
    return status


def _status_is(cloud: Cloud, volume_id: str, wanted: str) -> bool:
    return _status(cloud, volume_id) == wanted


def _update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
    """Name, description and metadata in place (Cinder's PUT, an attached volume too)."""
    body = {k: v for k, v in changed.items() if k in ("name", "description")}
    if "metadata" in changed:
        body["metadata"] = changed["metadata"] or {}
    cloud.call(V, "PUT", _path(cloud, f"/{r.physical_id}"), {"volume": body})


def _settled(cloud: Cloud, r: Record) -> bool:
    """Made (available), or updated (available, or in-use if attached meanwhile)."""
    return _status(cloud, r.physical_id) in ("available", "in-use")


def _delete(cloud: Cloud, r: Record) -> None:
    if r.physical_id:
        ignore_missing(lambda: cloud.call(V, "DELETE", _path(cloud, f"/{r.physical_id}")))


VOLUME = ResourceType(
    name="OS::Cinder::Volume", description="A resource that implements Cinder volumes.",
    properties={
        "size": Prop("integer", "The size of the volume in GB."),
        "name": Prop("string", "A name used to distinguish the volume.",
                     update_allowed=True),
        "description": Prop("string", "A description of the volume.", update_allowed=True),
        "volume_type": Prop("string", "If specified, the type of volume to use."),
        "image": Prop("string", "If specified, the name or ID of the image to create the "
                      "volume from."),
        "snapshot_id": Prop("string", "If specified, the snapshot to create the volume "
                            "from."),
        "source_volid": Prop("string", "If specified, the volume to use as source."),
        "backup_id": Prop("string", "If specified, the backup to create the volume from."),
        "availability_zone": Prop("string", "The availability zone of the volume."),
        "metadata": Prop("map", "Key/value pairs to associate with the volume.",
                         update_allowed=True),
    },
    attributes={"size": "The size of the volume in GB.", "status": "The current status "
                "of the volume.", "attachments": "The list of attachments of the volume.",
                "display_name": "Name of the volume.", "bootable": "Boolean indicating "
                "if the volume can be booted or not.", "volume_type": "The type of the "
                "volume.", "metadata": "Key/value pairs associated with the volume."},
    create=_create, delete=_delete, show=_show, update=_update, ready=_settled,
    gone=lambda cloud, r: not r.physical_id or gone_when_missing(lambda: _show(cloud, r)),
    readers={"display_name": lambda d, r: d.get("name")})


def _attach(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    body: dict[str, Any] = {"volumeId": p["volume_id"]}
    if p.get("mountpoint"):
        body["device"] = p["mountpoint"]
    cloud.call("compute", "POST", f"/v2.1/servers/{p['instance_uuid']}/os-volume_attachments",
               {"volumeAttachment": body})
    r.physical_id = f"{p['instance_uuid']}:{p['volume_id']}"
    r.data = {"server": p["instance_uuid"], "volume": p["volume_id"]}


def _detach(cloud: Cloud, r: Record) -> None:
    if r.data.get("server"):
        ignore_missing(lambda: cloud.call(
            "compute", "DELETE",
            f"/v2.1/servers/{r.data['server']}/os-volume_attachments/{r.data['volume']}"))


def _detached(cloud: Cloud, r: Record) -> bool:
    if not r.data.get("volume"):
        return True
    try:
        return _status_is(cloud, r.data["volume"], "available")
    except NotFound:  # the volume itself is gone: so is its attachment
        return True
    except ResourceFailure:
        return False


VOLUME_ATTACHMENT = ResourceType(
    name="OS::Cinder::VolumeAttachment",
    description="Resource for associating volume to instance.",
    properties={"instance_uuid": Prop("string", "The ID of the server to which the volume "
                                      "attaches.", required=True),
                "volume_id": Prop("string", "The ID of the volume to be attached.",
                                  required=True),
                "mountpoint": Prop("string", "The location where the volume is exposed on "
                                   "the instance.")},
    attributes={}, create=_attach, delete=_detach, show=lambda cloud, r: dict(r.data),
    ready=lambda cloud, r: _status_is(cloud, r.data["volume"], "in-use"),
    gone=_detached)

TYPES = [VOLUME, VOLUME_ATTACHMENT]
