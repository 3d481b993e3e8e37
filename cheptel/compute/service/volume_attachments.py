"""Nova's side of volumes (os-volume_attachments): a server's block device mappings.

A mapping is the attachment row Cinder shares (cheptel.volume.models.VolumeAttachment,
written by cheptel.volume.service.attachments): attaching writes it `attaching` with the
volume, and the volume converger mounts it; detaching marks it `detaching`, and the
converger unmounts it and deletes the row. The checks and their order are Nova's
(nova/compute/api.py attach_volume, detach_volume; nova/api/openstack/compute/
volume_attachments.py), and where Nova relays Cinder's refusal, so does this module, in
the words Nova wraps around it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from cheptel.compute.models import Server
from cheptel.compute.service.servers import check_unlocked, record_action
from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import attachments, volumes

# the vm_states Nova attaches and detaches in (check_instance_state of attach_volume and
# detach_volume); the task_state must be None and the server must have been launched
VM_STATES = ("active", "paused", "stopped", "resized", "soft-delete", "shelved",
             "shelved_offloaded")


def in_order(rows: list[VolumeAttachment]) -> list[VolumeAttachment]:
    """Mappings in the order Nova lists them: as they were made, and of those a boot made
    together, the root disk first, then by boot index."""
    return sorted(rows, key=lambda a: (a.created_at, a.boot_index is None,
                                       a.boot_index or 0))


def of_server(db: Session, server: Server) -> list[VolumeAttachment]:
    """The server's mappings of volumes, in_order (whatever their status: Nova lists a
    mapping from the moment the attach reserves it)."""
    return in_order(attachments.of_servers(db, [server.id])[server.id])


def find(db: Session, server: Server, volume_id: str, asked: str) -> VolumeAttachment:
    for att in of_server(db, server):
        if att.volume_id == volume_id:
            return att
    raise NotFound(f"Instance {asked} is not attached to volume {volume_id}")


def limited(server: Server, rows: list[VolumeAttachment], offset: int, limit: int
            ) -> list[VolumeAttachment]:
    """Nova's index pages the server's whole BDM list, then drops the mappings that have
    no volume: a server booted from an image has its root disk's mapping first (source
    image, boot_index 0), so `limit=1` gives no attachment and `offset=1` skips none. A
    server booted from a volume has that volume's mapping first instead."""
    mappings: list[VolumeAttachment | None] = list(rows)
    if server.image_id:
        mappings.insert(0, None)  # the image root disk's mapping, which has no volume
    return [a for a in mappings[offset:offset + limit] if a is not None]


def check_state(server: Server, method: str) -> None:
    """nova.compute.api.check_instance_state as attach_volume and detach_volume use it."""
    for attr, state, ok in (("vm_state", server.vm_state, server.vm_state in VM_STATES),
                            ("task_state", server.task_state, server.task_state is None),
                            ("launched_at", server.launched_at, bool(server.launched_at))):
        if not ok:
            raise Conflict(f"Cannot '{method}' instance {server.id} while it is in {attr} "
                           f"{state}")


def _cinder_refused(message: str) -> BadRequest:
    """Cinder's 400, as Nova relays it (InvalidInput around the client's error text)."""
    return BadRequest(f"Invalid input received: {message} (HTTP 400) "
                      f"(Request-ID: req-{uuid.uuid4()})")


def attach(db: Session, creds: Creds, server: Server, volume_id: str, now: float,
           request_id: str, *, device: str | None = None, tag: str | None = None,
           delete_on_termination: bool = False) -> VolumeAttachment:
    """Reserve the volume for the server: the mapping, `attaching`; the host mounts it."""
    check_unlocked(server, creds)
    check_state(server, "attach_volume")
    volume = volumes.get_visible(db, creds, volume_id)
    holders = [a.server_id for a in attachments.of_volume(db, volume.id)
               if a.server_id is not None]
    if holders:  # no volume is multiattach: Nova's _check_volume_already_attached
        raise BadRequest(f"Invalid volume: volume {volume.id} is already attached to "
                         f"instances: {' '.join(holders)}")
    chosen = attachments.device_for(db, server.id, device)
    try:
        att = attachments.create(db, volume, server.id, now, device=chosen, tag=tag,
                                 delete_on_termination=delete_on_termination)
    except BadRequest as exc:
        raise _cinder_refused(exc.message) from None
    record_action(db, server, creds, "attach_volume", request_id, now, result="Success")
    return att


def detach(db: Session, creds: Creds, server: Server, volume_id: str, now: float,
           request_id: str, asked: str) -> VolumeAttachment:
    """Start unmounting (the converger finishes: the mapping goes, the volume is
    `available`)."""
    volume = volumes.get_visible(db, creds, volume_id)
    att = find(db, server, volume.id, asked)
    if att.boot_index == 0:
        raise BadRequest("Cannot detach a root device volume")
    check_unlocked(server, creds)
    check_state(server, "detach_volume")
    if not _attached(volume, att):  # Cinder's begin_detaching, relayed as InvalidVolume
        raise BadRequest("Invalid volume: " + _cinder_refused(
            "Invalid volume: Unable to detach volume. Volume status must be 'in-use' and "
            "attach_status must be 'attached' to detach.").message)
    attachments.begin_detach(db, att, now)
    record_action(db, server, creds, "detach_volume", request_id, now, result="Success")
    return att


def _attached(volume: Volume, att: VolumeAttachment) -> bool:
    return volume.status == "in-use" and att.status == "attached"


def swap(db: Session, creds: Creds, volume_id: str) -> None:
    """A PUT naming another volume asks Nova to swap them, which only Cinder's volume
    migration does; nothing here migrates, so every swap is Nova's 409 for a volume that
    is not migrating (after its 404 for an unknown one)."""
    volumes.get_visible(db, creds, volume_id)
    raise Conflict(f"volume {volume_id} is not migrating; this API should only be called "
                   "by Cinder")


def update(db: Session, server: Server, volume_id: str, changes: dict,
           delete_on_termination: bool | None) -> VolumeAttachment:
    """PUT from 2.85: only delete_on_termination changes; the other fields must be what
    they are (Nova's _update_volume_regular)."""
    att = next((a for a in of_server(db, server) if a.volume_id == volume_id), None)
    if att is None:
        raise NotFound(f"No volume Block Device Mapping with id {volume_id}.")
    for key, current in (("id", volume_id), ("serverId", server.id), ("device", att.device),
                         ("tag", att.tag)):
        if key in changes and changes[key] != current:
            raise BadRequest(f"The {key} property is not mutable")
    if delete_on_termination is not None:
        att.delete_on_termination = delete_on_termination
    db.flush()
    return att
