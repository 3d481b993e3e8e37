"""Cinder's attach API over the attachment rows (cheptel.volume.service.attachments):
the volume actions of the old flow (os-reserve, os-attach, os-begin_detaching,
os-detach, os-initialize_connection, os-force_detach, ...) and the attachments API
(3.27+). Statuses and messages are Cinder's (cinder/volume/api.py, manager.py).

What is real and what is recorded: an attachment whose instance is a live server of the
volume's project is mounted into that server by the volume converger (`attaching` ->
`attached`, the volume `in-use`; detaching unmounts). Any other instance id, or a host
by name, is recorded only, as Cinder records what it cannot check: nothing is mounted,
and the row names no server (so it shows `instance: null`, and no other project's server
ever sees it). Callers kick the converger (deps.reconciler.schedule) after commit when a
function here says so.

One difference is deliberate: Cinder refuses a user's delete of an attachment Nova uses
(bug #2004555), since a real host would keep the device; here a delete from either side
unmounts for real, so it is allowed (unknown ids and ambiguous detaches are still the
409 Cinder gives).
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from cheptel.backends.file_blocks import FileBlockStore
from cheptel.compute.models import Server
from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import attachments, qos, volumes
from cheptel.volume.service import listing as paging

if TYPE_CHECKING:
    from cheptel.app import Deps

# a mountpoint that names a device ("/dev/vdb"): the mount directory is its last part
DEVICE = re.compile(r"^/dev/[a-z][a-z0-9]{0,15}$")
# statuses a detach never leaves for another (the volume's storage is being changed)
BUSY = ("creating", "deleting", "extending", "downloading")
SORT_KEYS = {"id", "created_at", "updated_at", "volume_id", "attach_status", "status",
             "instance_uuid", "attached_at", "attach_mode"}
ATTACHMENT_FILTERS = {"volume_id", "status", "instance_id", "attach_status"}
PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "all_tenants"}
MAX_LIMIT = 1000


def local_server(db: Session, instance: str | None, volume: Volume) -> str | None:
    """The server the volume may be mounted into: a live server of the volume's project.
    None for anything else (recorded only)."""
    if not instance:
        return None
    server = db.get(Server, instance) if len(instance) <= 36 else None
    if server is None or server.deleted or server.project_id != volume.project_id:
        return None
    return server.id


def _device(db: Session, server_id: str | None, mountpoint: str | None) -> str | None:
    """The device an attachment gets: any mountpoint when nothing is mounted; for a
    server, a device path that is free there (or the next free one when none is asked)."""
    if server_id is None:
        return mountpoint
    if mountpoint is not None and not DEVICE.match(mountpoint):
        raise BadRequest(f"Invalid input received: mountpoint {mountpoint[:64]} is not a "
                         f"device path such as /dev/vdb.")
    return attachments.device_for(db, server_id, mountpoint)


def _invalid(reason: str, prefix: str = "") -> BadRequest:
    return BadRequest(f"{prefix}Invalid volume: {reason}")


# --- the volume actions ------------------------------------------------------------------

def reserve(db: Session, v: Volume, now: float) -> None:
    """os-reserve: `available` -> `attaching`, no attachment yet (Cinder's old flow)."""
    if v.status != "available":
        raise _invalid(f"Volume status must be available to reserve, but the status is "
                       f"{v.status}.")
    v.status, v.updated_at = "attaching", now
    db.flush()


def unreserve(db: Session, v: Volume, now: float) -> None:
    """os-unreserve: `attaching` -> `in-use` if attached, else `available`; any other
    status is left alone (Cinder's conditional update)."""
    if v.status != "attaching":
        return
    if attachments.of_volume(db, v.id):
        attachments.settle(db, v.id, now)
    else:
        v.status, v.updated_at = "available", now
        db.flush()


def begin_detaching(db: Session, v: Volume, now: float) -> None:
    if v.status != "in-use" or not any(a.status == "attached"
                                       for a in attachments.of_volume(db, v.id)):
        raise _invalid("Unable to detach volume. Volume status must be 'in-use' and "
                       "attach_status must be 'attached' to detach.")
    v.status, v.updated_at = "detaching", now
    db.flush()


def roll_detaching(db: Session, v: Volume, now: float) -> None:
    """`detaching` -> `in-use`, unless a detach is really under way (then it finishes)."""
    if v.status != "detaching":
        return
    rows = attachments.of_volume(db, v.id)
    if any(a.status == "detaching" for a in rows):
        return
    if rows:
        v.status, v.updated_at = "in-use", now
        attachments.settle(db, v.id, now)
    else:
        v.status, v.updated_at = "available", now
    db.flush()


def attach(db: Session, v: Volume, instance: str | None, host_name: str | None,
           mountpoint: str, mode: str, now: float) -> bool:
    """os-attach: record the attachment; True when the host must mount it (a server of
    the volume's project), else it is attached at once, as Cinder's bookkeeping."""
    prefix = "Error attaching volume - InvalidVolume: "
    if v.status == "maintenance":
        raise _invalid("The volume cannot be attached in maintenance mode.")
    if v.readonly and mode != "ro":
        raise BadRequest(f"Invalid attaching mode '{mode}' for volume {v.id}.")
    server = local_server(db, instance, v)
    rows = attachments.of_volume(db, v.id)
    for a in rows:  # already tracked: Cinder answers with it
        if (server is not None and a.server_id == server) or \
                (instance is None and host_name and a.host_name == host_name):
            attachments.settle(db, v.id, now)
            return False
    if rows or v.status == "in-use":
        raise _invalid("volume is already attached and multiple attachments are not "
                       "enabled", prefix)
    if v.status not in ("available", "attaching"):
        raise _invalid(f"Volume {v.id} status must be available or attaching to attach, "
                       f"but the current status is {v.status}.", prefix)
    try:
        device = _device(db, server, mountpoint)
    except Conflict as exc:
        raise _invalid(exc.message, prefix) from None
    v.status = "available"  # os-reserve's `attaching` holds no row: create() starts over
    att = attachments.create(db, v, server, now, status="attaching" if server else "attached",
                             device=device, mode=mode, host_name=host_name)
    if server is None:
        att.attached_at = now
        db.flush()
    return server is not None


def _deletable(db: Session, v: Volume, attachment_id: str | None) -> VolumeAttachment | None:
    """Cinder's attachment_deletion_allowed for a caller that is not a service: the one
    attachment named (or the volume's only one); an unknown id, or none named while there
    are several, is its 409."""
    rows = attachments.of_volume(db, v.id)
    if attachment_id is None:
        if not rows:
            return None
        if len(rows) == 1:
            return rows[0]
        raise Conflict("Detach volume from instance  using the Compute API")
    att = db.get(VolumeAttachment, attachment_id) if len(attachment_id) <= 36 else None
    if att is None or att.project_id != v.project_id:
        raise Conflict("Detach volume from instance  using the Compute API")
    if att.volume_id != v.id:
        raise BadRequest("Invalid input received: Mismatched volume and attachment")
    return att


def release(db: Session, v: Volume, att: VolumeAttachment, now: float) -> bool:
    """Detach one attachment; True when the host must unmount it first (the converger
    deletes the row then). The volume's status ends as its remaining attachments say,
    whatever it was (Cinder's finish_detach), unless its storage is being changed."""
    if v.status not in attachments.ATTACH_STATUSES and v.status not in BUSY:
        v.status, v.updated_at = "detaching", now
    if att.server_id is None or att.status == "reserved" or att.device is None:
        db.delete(att)  # nothing was mounted
        db.flush()
        attachments.settle(db, v.id, now)
        return False
    if att.status != "detaching":
        attachments.begin_detach(db, att, now)
    return True


def detach(db: Session, v: Volume, attachment_id: str | None, now: float) -> bool:
    """os-detach; True when the converger must unmount."""
    att = _deletable(db, v, attachment_id)
    if v.status == "maintenance":
        raise _invalid("The volume cannot be detached in maintenance mode.")
    if att is None:  # nothing attached: Cinder says `available` and moves on
        if v.status in attachments.ATTACH_STATUSES:
            v.status, v.updated_at = "available", now
            db.flush()
        return False
    return release(db, v, att, now)


def terminate_connection(db: Session, v: Volume, now: float) -> None:
    """os-terminate_connection: nothing to undo on the host (mounts follow the
    attachments), then Cinder's unreserve."""
    _deletable(db, v, None)
    unreserve(db, v, now)


def force_detach(db: Session, v: Volume, attachment_id: str | None, now: float) -> bool:
    """os-force_detach (admin): terminate the connection, then detach."""
    terminate_connection(db, v, now)
    try:
        return detach(db, v, attachment_id, now)
    except BadRequest as exc:
        if exc.message.startswith("Invalid volume:"):
            raise BadRequest(f"Error force detaching volume - InvalidVolume: {exc.message}"
                             ) from None
        raise


def check_reset(db: Session, v: Volume, status: str | None) -> None:
    """os-reset_status refuses `deleting` (the storage would never go) and `in-use`
    without an attachment, as Cinder."""
    if status == "deleting":
        raise BadRequest(f"Cannot reset-state to {status}")
    if status == "in-use" and not attachments.of_volume(db, v.id):
        raise BadRequest("Cannot reset-state to in-use because volume does not have any "
                         "attachments.")


def detach_all(db: Session, v: Volume, now: float) -> bool:
    """os-reset_status with attach_status `detached`: every attachment goes (the mounted
    ones once unmounted: True, the converger must run) and the volume ends `available`."""
    needed = False
    for att in attachments.of_volume(db, v.id):
        needed = release(db, v, att, now) or needed
    return needed


def connection_data(deps: Deps, v: Volume, mode: str | None = None) -> dict[str, Any]:
    """What a host would connect with: cheptel's volumes are local files holding ext4,
    attached by loop devices on this host ("local", the volume's file as device_path)."""
    blocks = deps.blocks
    path = str(blocks.path(v.id)) if isinstance(blocks, FileBlockStore) else None
    db = object_session(v)
    return {"device_path": path, "volume_id": v.id,
            "access_mode": mode or ("ro" if v.readonly else "rw"), "encrypted": False,
            "qos_specs": qos.front_end_specs(db, v.volume_type_id) if db else None,
            "cacheable": False, "discard": False}


def initialize_connection(deps: Deps, v: Volume, connector: Any) -> dict[str, Any]:
    if v.status == "maintenance":
        raise _invalid("The volume connection cannot be initialized in maintenance mode.")
    if not isinstance(connector, dict):
        raise BadRequest("Invalid input received: Connector doesn't have required "
                         "information: a JSON object")
    multipath = connector.get("enforce_multipath", False)
    data = {**connection_data(deps, v), "enforce_multipath": multipath}
    return {"driver_volume_type": "local", "data": data, "enforce_multipath": multipath}


# --- the attachments API ----------------------------------------------------------------

def get(db: Session, creds: Creds, attachment_id: str) -> VolumeAttachment:
    att = db.get(VolumeAttachment, attachment_id) if len(attachment_id) <= 36 else None
    if att is None or not (creds.is_admin or att.project_id == creds.project_id):
        raise NotFound(f"Volume attachment could not be found with filter: "
                       f"attachment_id = {attachment_id[:64]}.")
    return att


def connection_info(deps: Deps, v: Volume | None, att: VolumeAttachment) -> dict[str, Any]:
    """Cinder's flattened connection_info of an attachment once it has a connector."""
    if att.connector is None or v is None:
        return {}
    return {**connection_data(deps, v, att.mode), "driver_volume_type": "local",
            "attachment_id": att.id,
            "enforce_multipath": att.connector.get("enforce_multipath", False)}


def _connect(db: Session, v: Volume, att: VolumeAttachment, connector: dict[str, Any],
             now: float) -> None:
    """A connector given: the attachment is `attaching` (the converger mounts it when it
    names a server; a recorded one waits for os-complete, as in Cinder)."""
    if att.device is None:
        mountpoint = connector.get("mountpoint")
        asked = mountpoint[:255] if isinstance(mountpoint, str) and mountpoint else None
        if att.server_id is not None and asked is not None and not DEVICE.match(asked):
            asked = None  # not a device path: the next free device
        att.device = _device(db, att.server_id, asked)
    host = connector.get("host")
    if isinstance(host, str):
        att.host_name = host[:255]
    att.connector = connector
    if att.status == "reserved":
        att.status = "attaching"
    att.updated_at = now
    db.flush()
    attachments.settle(db, v.id, now)


def create(db: Session, creds: Creds, body: dict[str, Any], now: float) -> VolumeAttachment:
    """POST /attachments: `reserved` without a connector, `attaching` with one."""
    v = volumes.get_visible(db, creds, body["volume_uuid"])
    server = local_server(db, body.get("instance_uuid"), v)
    mode = None if v.readonly else body.get("mode")  # the readonly flag wins, as Cinder
    att = attachments.create(db, v, server, now, status="reserved", mode=mode)
    if body.get("connector"):
        _connect(db, v, att, body["connector"], now)
    return att


def update(db: Session, att: VolumeAttachment, connector: dict[str, Any],
           now: float) -> None:
    v = db.get(Volume, att.volume_id)
    if v is None:
        raise NotFound(f"Volume {att.volume_id} could not be found.")
    if "error" in v.status:
        raise Conflict(f"Resource conflict: Volume attachments can not be updated if the "
                       f"volume is in an error state. The Volume {v.id} currently has a "
                       f"status of: {v.status} ")
    if att.status == "detaching":
        raise Conflict(f"Resource conflict: attachment {att.id} is being detached.")
    _connect(db, v, att, connector, now)


def complete(db: Session, att: VolumeAttachment, now: float) -> bool:
    """os-complete: the attachment is attached (True: the converger must mount it first;
    a mounted or recorded one is attached at once)."""
    if att.status == "reserved" and att.server_id is not None:
        att.device = att.device or _device(db, att.server_id, None)
        att.status, att.updated_at = "attaching", now
        db.flush()
        attachments.settle(db, att.volume_id, now)
        return True
    if att.status in ("reserved", "attaching") and att.server_id is None:
        att.status, att.attached_at, att.updated_at = "attached", now, now
        db.flush()
        attachments.settle(db, att.volume_id, now)
    return att.status == "attaching"


def delete(db: Session, att: VolumeAttachment, now: float) -> tuple[list[VolumeAttachment],
                                                                   bool]:
    """DELETE /attachments/{id}: the volume's other attachments, and whether the converger
    must unmount this one (its row goes once it has)."""
    v = db.get(Volume, att.volume_id)
    others = [a for a in attachments.of_volume(db, att.volume_id) if a.id != att.id]
    if v is None:
        db.delete(att)
        db.flush()
        return others, False
    return others, release(db, v, att, now)


# the attachments API's sort names for its attributes
SORT_ATTRS = {"attach_status": "status", "instance_uuid": "server_id", "attach_mode": "mode"}


def _sort_key(attr: str, a: VolumeAttachment) -> tuple[bool, Any]:
    value = getattr(a, attr)
    return (value is None, value if value is not None else 0)


def listing(db: Session, creds: Creds, query: dict[str, str],
            filters_checked: bool) -> list[VolumeAttachment]:
    """GET /attachments[/detail]: the project's attachments (every project's for the
    admin with all_tenants), filtered by volume_id, instance_id and status, sorted and
    paged as Cinder (created_at desc; marker, limit, offset). `filters_checked` (3.31+):
    an unknown filter is a 400 for a non-admin; before, it is ignored."""
    unknown = set(query) - ATTACHMENT_FILTERS - PAGING
    if unknown and filters_checked and not creds.is_admin:
        raise BadRequest(f"Invalid filters {', '.join(sorted(unknown))[:200]} are found in "
                         f"query options.")
    limit, offset = paging._int(query, "limit"), paging._int(query, "offset") or 0
    order = paging._sort(query, SORT_KEYS, SORT_ATTRS)
    stmt = select(VolumeAttachment)
    if not (creds.is_admin and "all_tenants" in query):
        stmt = stmt.where(VolumeAttachment.project_id == creds.project_id)
    found = list(db.scalars(stmt))
    wanted = {"volume_id": query.get("volume_id"), "server_id": query.get("instance_id"),
              "status": query.get("attach_status", query.get("status"))}
    found = [a for a in found if all(want is None or getattr(a, attr) == want
                                     for attr, want in wanted.items())]
    for attr, desc in reversed(order):
        found.sort(key=partial(_sort_key, attr), reverse=desc)
    marker = query.get("marker")
    if marker is not None:
        ids = [a.id for a in found]
        if marker not in ids:
            raise NotFound(f"Volume attachment could not be found with filter: "
                           f"attachment_id = {marker[:64]}.")
        found = found[ids.index(marker) + 1:]
    size = min(limit, MAX_LIMIT) if limit is not None else MAX_LIMIT
    return found[offset:][:size]
