"""Attachments: a volume given to a server (Nova's attach, Cinder's attachments).

One row per attachment (models.VolumeAttachment) is both Cinder's attachment and Nova's
block device mapping. A request writes the intent and the volume's status in one
transaction (`attaching`, `detaching`); the volume converger (cheptel.reconciler.volumes)
then mounts or unmounts on the host (`attach_on_host`, `detach_on_host`) and writes the
outcome: `in-use` once mounted, `available` once no mount and no loop device remain. A
crash in between leaves a transitional row that the converger's scan picks up again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStoreError, Busy
from cheptel.backends.engine import VOLUMES_PATH, EngineError
from cheptel.compute.models import Server
from cheptel.errors import BadRequest, Conflict
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import throttling, volumes

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

# the volume statuses the attachments decide (any other status is left alone)
ATTACH_STATUSES = ("available", "reserved", "attaching", "in-use", "detaching")
# detach passes that may find the filesystem busy before it is detached lazily
BUSY_PASSES = 3
DEVICES = tuple(f"/dev/vd{c}" for c in "bcdefghijklmnopqrstuvwxyz")  # vda: the root disk


def of_volume(db: Session, volume_id: str) -> list[VolumeAttachment]:
    return list(db.scalars(select(VolumeAttachment).where(
        VolumeAttachment.volume_id == volume_id).order_by(VolumeAttachment.created_at)))


def of_servers(db: Session, server_ids: Iterable[str]) -> dict[str, list[VolumeAttachment]]:
    """The attachments of each server, oldest first (one query for a whole listing)."""
    ids = list(server_ids)
    found: dict[str, list[VolumeAttachment]] = {sid: [] for sid in ids}
    if not ids:
        return found
    for att in db.scalars(select(VolumeAttachment).where(
            VolumeAttachment.server_id.in_(ids)).order_by(VolumeAttachment.created_at)):
        found[str(att.server_id)].append(att)
    return found


def of_volumes(db: Session, volume_ids: Iterable[str]) -> dict[str, list[VolumeAttachment]]:
    ids = list(volume_ids)
    found: dict[str, list[VolumeAttachment]] = {vid: [] for vid in ids}
    if not ids:
        return found
    for att in db.scalars(select(VolumeAttachment).where(
            VolumeAttachment.volume_id.in_(ids)).order_by(VolumeAttachment.created_at)):
        found[att.volume_id].append(att)
    return found


def device_for(db: Session, server_id: str, asked: str | None) -> str:
    """The device a new attachment gets: the asked one if free (Nova's 409
    DevicePathInUse if not), else the first free of /dev/vdb../dev/vdz."""
    taken = {a.device for a in of_servers(db, [server_id])[server_id]}
    if asked:
        if asked in taken:
            raise Conflict(f"The supplied device path ({asked}) is in use.")
        return asked
    return first_free(taken)


def first_free(taken: set[str | None]) -> str:
    """The first of /dev/vdb../dev/vdz not taken (a 400 once all are)."""
    for device in DEVICES:
        if device not in taken:
            return device
    raise BadRequest("No free disk device names for prefix 'vd'")


def create(db: Session, volume: Volume, server_id: str | None, now: float, *,
           status: str = "attaching", device: str | None = None, tag: str | None = None,
           delete_on_termination: bool = False, mode: str | None = None,
           host_name: str | None = None, boot_index: int | None = None) -> VolumeAttachment:
    """Record an attachment of an `available` volume (Cinder's reserve checks: a volume
    attached, or being attached, elsewhere is refused; it is not multiattach)."""
    if "error" in volume.status:
        raise BadRequest(f"Invalid volume: Volume attachments can not be created if the "
                         f"volume is in an error state. The Volume {volume.id} currently "
                         f"has a status of: {volume.status} ")
    if volume.status != "available":
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available "
                         f"or downloading to reserve, but the current status is "
                         f"{volume.status}.")
    if mode is None:
        mode = "ro" if volume.readonly else "rw"
    att = VolumeAttachment(
        id=str(uuid.uuid4()), volume_id=volume.id, server_id=server_id,
        project_id=volume.project_id, bdm_uuid=str(uuid.uuid4()), device=device,
        mode=mode, status=status, tag=tag, delete_on_termination=delete_on_termination,
        boot_index=boot_index, host_name=host_name, connector=None, busy_passes=0,
        created_at=now, attached_at=None, updated_at=now)
    db.add(att)
    volume.status, volume.updated_at = status if status != "attached" else "in-use", now
    db.flush()
    return att


def begin_detach(db: Session, att: VolumeAttachment, now: float) -> None:
    """Ask the host to unmount (the converger finishes it: `available`)."""
    att.status, att.updated_at = "detaching", now
    volume = db.get(Volume, att.volume_id)
    if volume is not None and volume.status in ATTACH_STATUSES:
        volume.status, volume.updated_at = "detaching", now
    db.flush()


def settle(db: Session, volume_id: str, now: float) -> None:
    """The volume's status from its attachments (when an attachment decides it)."""
    volume = db.get(Volume, volume_id)
    if volume is None or volume.status not in ATTACH_STATUSES:
        return
    found = {a.status for a in of_volume(db, volume_id)}
    shown = next((s for a, s in (("attached", "in-use"), ("detaching", "detaching"),
                                 ("attaching", "attaching"), ("reserved", "reserved"))
                  if a in found), "available")
    if volume.status != shown:
        volume.status, volume.updated_at = shown, now
    db.flush()


# --- the host side (the volume converger) -------------------------------------------------

def pending(db: Session) -> list[str]:
    """Volumes with an attachment the host has yet to carry out."""
    return sorted({a.volume_id for a in db.scalars(select(VolumeAttachment).where(
        VolumeAttachment.status.in_(("attaching", "detaching"))))})


def converge(deps: Deps, volume_id: str) -> None:
    """Carry out this volume's attaching and detaching rows on the host. A detach that
    finds the filesystem busy stays `detaching`: the next pass (pending) tries again."""
    with deps.sessions() as db:
        rows = [a for a in of_volume(db, volume_id) if a.status in ("attaching", "detaching")]
        for a in rows:
            db.expunge(a)
    for att in rows:
        if att.status == "attaching":
            _attach_on_host(deps, att)
        else:
            _detach_on_host(deps, att)


def _device(att: VolumeAttachment) -> str:
    return str(att.mount_name)


def _mounted(att: VolumeAttachment) -> bool:
    """Whether the host mounts this attachment: it names a server and a device (else it is
    only recorded, as an attachment to a host by name)."""
    return att.server_id is not None and bool(att.device)


def kick_builders(deps: Deps, volume_id: str) -> None:
    """Servers still building that wait for this volume (boot mappings): converge them."""
    with deps.sessions() as db:
        waiting = [a.server_id for a in of_volume(db, volume_id) if a.server_id and (
            (s := db.get(Server, a.server_id)) is not None and s.vm_state == "building")]
    if waiting:
        deps.reconciler.kick(*[str(w) for w in waiting])


def _check_container(deps: Deps, server_id: str) -> None:
    """A server's container made before volumes could be attached has no /mnt/volumes
    bind: it would never see the mount (a rebuild makes it again, with the bind)."""
    name = f"cheptel-{server_id}"  # cheptel.reconciler.servers.container_name
    try:
        if deps.containers.inspect(name) is not None and not deps.containers.path_exists(
                name, VOLUMES_PATH):
            raise BlockStoreError(f"the container of server {server_id} predates volume "
                                  f"attachments (no {VOLUMES_PATH}): rebuild the server")
    except EngineError as exc:
        raise BlockStoreError(str(exc)) from exc


def _attach_on_host(deps: Deps, att: VolumeAttachment) -> None:
    error = None
    if att.server_id is not None and _mounted(att):
        try:
            _check_container(deps, att.server_id)
            deps.blocks.attach(att.volume_id, att.server_id, _device(att), att.mode == "ro")
        except BlockStoreError as exc:
            log.warning("volume %s: attach to %s failed: %s", att.volume_id, att.server_id,
                        exc)
            error = str(exc)
    with deps.sessions() as db, db.begin():
        row = db.get(VolumeAttachment, att.id)
        if row is None or row.status != "attaching":
            return  # detached meanwhile: the next pass unmounts what this one mounted
        now = deps.clock()
        if error is None:
            row.status, row.attached_at, row.updated_at = "attached", now, now
        else:
            db.delete(row)
            volume = db.get(Volume, att.volume_id)
            if volume is not None:
                volume.error_message = f"attach failed: {error}"
        db.flush()
        settle(db, att.volume_id, now)
    if error is None and att.server_id is not None:
        throttling.enforce(deps, {att.server_id})
    kick_builders(deps, att.volume_id)


def _detach_on_host(deps: Deps, att: VolumeAttachment) -> bool:
    """Unmount; False when the filesystem is busy and not yet forced (retried)."""
    if att.server_id is not None and _mounted(att):
        lazy = att.busy_passes >= BUSY_PASSES
        try:
            deps.blocks.detach(att.server_id, _device(att), lazy=lazy)
            deps.blocks.free_loops(att.volume_id)
        except Busy:
            with deps.sessions() as db, db.begin():
                row = db.get(VolumeAttachment, att.id)
                if row is not None:
                    row.busy_passes += 1
            return False
        except BlockStoreError as exc:
            log.warning("volume %s: detach from %s failed: %s", att.volume_id,
                        att.server_id, exc)
            return False
    with deps.sessions() as db, db.begin():
        row = db.get(VolumeAttachment, att.id)
        if row is None or row.status != "detaching":
            return True
        db.delete(row)
        db.flush()
        now = deps.clock()
        settle(db, att.volume_id, now)
        volume = db.get(Volume, att.volume_id)
        terminated = att.server_id is not None and _server_gone(db, att.server_id)
        if terminated and att.delete_on_termination and volume is not None \
                and volume.status == "available":
            volume.status, volume.updated_at = "deleting", now  # Nova deletes it too
        doomed = volume is not None and volume.status == "deleting"
    if terminated:
        deps.blocks.remove_server_dir(str(att.server_id))
    if doomed:
        volumes.finish_delete(deps, att.volume_id)
    return True


def release_server(db: Session, server_id: str, now: float) -> list[str]:
    """A server is deleted: every attachment of it starts detaching (the volumes whose
    delete_on_termination is set are deleted once detached, as Nova does)."""
    found = []
    for att in of_servers(db, [server_id])[server_id]:
        if att.status != "detaching":
            begin_detach(db, att, now)
        found.append(att.volume_id)
    return found


def _server_gone(db: Session, server_id: str) -> bool:
    server = db.get(Server, server_id)
    return server is None or server.deleted


def drift(deps: Deps) -> list[str]:
    """Compare the rows with the host's mounts: remount what an attached row lost (a
    host reboot), unmount what no row holds; return the volumes to converge."""
    mounts = deps.blocks.mounts()
    with deps.sessions() as db:
        rows = list(db.scalars(select(VolumeAttachment).where(
            VolumeAttachment.server_id.is_not(None))))
        wanted = {(str(a.server_id), _device(a)): a for a in rows if _mounted(a)}
        for a in rows:
            db.expunge(a)
    for key, att in wanted.items():
        if att.status == "attached" and mounts.get(key) != att.volume_id:
            try:
                deps.blocks.attach(att.volume_id, key[0], key[1], att.mode == "ro")
                log.info("volume %s: remounted for server %s", att.volume_id, key[0])
            except BlockStoreError as exc:
                log.warning("volume %s: remount for %s failed: %s", att.volume_id, key[0],
                            exc)
    for key, volume_id in mounts.items():
        if key not in wanted:
            try:
                deps.blocks.detach(*key, lazy=True)
                log.info("volume %s: unmounted from %s, which no attachment holds",
                         volume_id, key[0])
            except BlockStoreError as exc:
                log.warning("volume %s: cannot unmount %s: %s", volume_id, key, exc)
    return sorted({a.volume_id for a in wanted.values()
                   if a.status in ("attaching", "detaching")})
