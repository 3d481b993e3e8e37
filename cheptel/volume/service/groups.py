"""Generic volume groups and group snapshots (cinder/group/api.py).

A group is a row: its volumes name it (Volume.group_id), so adding and removing
volumes is a database change and the group stays `available`. Making one from a group
snapshot or another group copies each source into a new volume of the group; a group
snapshot is a snapshot of each of its volumes, each made by the snapshots' storage
(service/snapshots: a copy of the file, frozen if the volume is mounted). As for volumes,
a write records its intent (`creating`, `deleting`) and commits, the storage steps run
after the commit (finish_* below), and `recover` finishes them at start.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound, PayloadTooLarge
from cheptel.policy import Creds
from cheptel.volume.models import (
    GroupSnapshot,
    Volume,
    VolumeAttachment,
    VolumeGroup,
    VolumeSnapshot,
    VolumeType,
)
from cheptel.volume.service import group_types, quotas, snapshots, types, volumes

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

# cinder/objects/fields.py GroupStatus.ALL, GroupSnapshotStatus.ALL
STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating", "in-use",
            "error_deleting")
SNAPSHOT_STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating",
                     "error_deleting")
ADD_OK = ("available", "in-use")  # VALID_ADD_VOL_TO_GROUP_STATUS
REMOVE_OK = ("available", "in-use", "error", "error_deleting")


def _reserved(db: Session, type_id: str | None, what: str) -> None:
    if group_types.is_cgsnapshot_type(db, type_id):
        raise BadRequest(f"Group_type {type_id} is reserved for migrating CGs to groups. "
                         f"Migrated {what} can only be operated by CG "
                         f"{'snapshot ' if what == 'group snapshots' else ''}APIs.")


def get_visible(db: Session, creds: Creds, group_id: str) -> VolumeGroup:
    g = db.get(VolumeGroup, group_id) if len(group_id) <= 36 else None
    if g is None or not (creds.is_admin or g.project_id == creds.project_id):
        raise NotFound(f"Group {group_id} could not be found.")
    return g


def get_usable(db: Session, creds: Creds, group_id: str) -> VolumeGroup:
    """A group the groups API may operate on (not of the reserved CG type: 400)."""
    g = get_visible(db, creds, group_id)
    _reserved(db, g.group_type_id, "group")
    return g


def get_snapshot_visible(db: Session, creds: Creds, gsnap_id: str) -> GroupSnapshot:
    gs = db.get(GroupSnapshot, gsnap_id) if len(gsnap_id) <= 36 else None
    if gs is None or not (creds.is_admin or gs.project_id == creds.project_id):
        raise NotFound(f"GroupSnapshot {gsnap_id} could not be found.")
    _reserved(db, gs.group_type_id, "group snapshots")
    return gs


def members(db: Session, group_id: str) -> list[Volume]:
    return list(db.scalars(select(Volume).where(Volume.group_id == group_id)
                           .order_by(Volume.created_at, Volume.id)))


def snapshot_members(db: Session, gsnap_id: str) -> list[VolumeSnapshot]:
    return list(db.scalars(select(VolumeSnapshot).where(
        VolumeSnapshot.group_snapshot_id == gsnap_id).order_by(VolumeSnapshot.created_at,
                                                              VolumeSnapshot.id)))


def _check_quota(db: Session, project_id: str) -> None:
    limit = quotas.limits(db, project_id)["groups"]
    used = db.scalar(select(func.count()).select_from(VolumeGroup).where(
        VolumeGroup.project_id == project_id)) or 0
    if 0 <= limit < used + 1:
        raise PayloadTooLarge(f"GroupLimitExceeded: Maximum number of groups allowed "
                              f"({limit}) exceeded")


def _new(creds: Creds, name: str | None, description: str | None, type_id: str,
         volume_type_ids: list[str], now: float, **source: str | None) -> VolumeGroup:
    assert creds.project_id is not None  # api/common.caller refuses a project-less token
    return VolumeGroup(id=str(uuid.uuid4()), project_id=creds.project_id,
                       user_id=creds.user_id, name=name, description=description,
                       status="creating", availability_zone=volumes.AZ,
                       group_type_id=type_id, volume_type_ids=volume_type_ids,
                       group_snapshot_id=source.get("group_snapshot_id"),
                       source_group_id=source.get("source_group_id"), created_at=now,
                       updated_at=None)


def create(db: Session, creds: Creds, body: dict[str, Any], now: float) -> VolumeGroup:
    """A `creating` group of a group type and volume types (by name or id)."""
    gt = group_types.by_name_or_id(db, creds, body["group_type"])
    _reserved(db, gt.id, "group")
    vts: list[VolumeType] = []
    for ref in body["volume_types"]:
        vt = types.by_name_or_id(db, creds, ref)
        if vt.id not in [v.id for v in vts]:
            vts.append(vt)
    az = body.get("availability_zone") or volumes.AZ
    if az != volumes.AZ:
        raise BadRequest(f"Invalid input received: Availability zone '{az}' is invalid.")
    assert creds.project_id is not None
    _check_quota(db, creds.project_id)
    g = _new(creds, _strip(body.get("name")), _strip(body.get("description")), gt.id,
             [v.id for v in vts], now)
    db.add(g)
    db.flush()
    return g


def _strip(text: str | None) -> str | None:
    return text.strip() if text else text


def create_from_source(db: Session, creds: Creds, body: dict[str, Any], now: float
                       ) -> tuple[VolumeGroup, list[str]]:
    """A `creating` group made from a group snapshot (a volume from each snapshot) or a
    group (a clone of each volume): returns it and its new volumes' ids."""
    gs_id, src_id = body.get("group_snapshot_id"), body.get("source_group_id")
    if gs_id:
        gs = get_snapshot_visible(db, creds, gs_id)
        source_group = db.get(VolumeGroup, gs.group_id)
        type_id = gs.group_type_id
        vt_ids = list(source_group.volume_type_ids) if source_group else []
        snaps = snapshot_members(db, gs.id)
        if not snaps:
            raise BadRequest("Invalid group: Group snapshot is empty. No group will be "
                             "created.")
        sources: list[dict[str, Any]] = [
            {"snapshot_id": s.id, "volume_type": s.volume_type_id} for s in snaps]
    else:
        assert src_id is not None  # the schema wants one of the two
        src = get_usable(db, creds, src_id)
        type_id, vt_ids = src.group_type_id, list(src.volume_type_ids)
        vols = members(db, src.id)
        if not vols:
            raise BadRequest("Invalid group: Source Group is empty. No group will be "
                             "created.")
        sources = [{"source_volid": v.id, "volume_type": v.volume_type_id} for v in vols]
    assert creds.project_id is not None
    _check_quota(db, creds.project_id)
    g = _new(creds, _strip(body.get("name")), _strip(body.get("description")), type_id,
             vt_ids, now, group_snapshot_id=gs_id, source_group_id=src_id)
    db.add(g)
    db.flush()
    made = []
    for source in sources:
        v = volumes.create(db, creds, {**source, "availability_zone": g.availability_zone},
                           now)
        v.group_id = g.id
        if v.volume_type_id not in g.volume_type_ids:
            g.volume_type_ids = [*g.volume_type_ids, v.volume_type_id]
        made.append(v.id)
    db.flush()
    return g, made


def check_new_volume(db: Session, creds: Creds, group: VolumeGroup,
                     volume_type: str | None) -> None:
    """A volume created into `group` must be of one of its volume types."""
    vt = types.by_name_or_id(db, creds, volume_type) if volume_type else types.default(db)
    if vt.id not in group.volume_type_ids:
        raise BadRequest(f"Invalid input received: Invalid volume_type provided: "
                         f"{vt.name} (requested type must be supported by this group).")


def update(db: Session, creds: Creds, g: VolumeGroup, body: dict[str, Any],
           now: float) -> None:
    """Name, description, and volumes in (`add_volumes`) and out (`remove_volumes`,
    comma-separated ids), with Cinder's checks and messages."""
    name, description = _strip(body.get("name")), _strip(body.get("description"))
    if name == g.name:
        name = None
    if description == g.description:
        description = None
    add = [i for i in (body.get("add_volumes") or "").strip(",").split(",") if i]
    remove = [i for i in (body.get("remove_volumes") or "").strip(",").split(",") if i]
    both = [i for i in add if i in remove]
    if both:
        raise BadRequest(f"Invalid volume: UUIDs {both} are in both add and remove volume "
                         f"list.")
    current = {v.id: v for v in members(db, g.id)}
    adding: list[Volume] = []
    for vid in add:
        if vid in current or vid in [v.id for v in adding]:
            continue
        vol = db.get(Volume, vid) if len(vid) <= 36 else None
        if vol is None or not (creds.is_admin or vol.project_id == creds.project_id):
            raise BadRequest(f"Invalid volume: Cannot add volume {vid[:64]} to group "
                             f"{g.id} because volume cannot be found.")
        if vol.group_id:
            raise BadRequest(f"Invalid volume: Cannot add volume {vol.id} to group {g.id} "
                             f"because it is already in group {vol.group_id}.")
        if vol.project_id != g.project_id:
            raise BadRequest(f"Invalid volume: Cannot add volume {vol.id} to group {g.id} "
                             f"as they belong to different projects.")
        if vol.volume_type_id not in g.volume_type_ids:
            raise BadRequest(f"Invalid volume: Cannot add volume {vol.id} to group {g.id} "
                             f"because volume type {vol.volume_type_id} is not supported "
                             f"by the group.")
        if vol.status not in ADD_OK:
            raise BadRequest(f"Invalid volume: Cannot add volume {vol.id} to group {g.id} "
                             f"because volume is in an invalid state: {vol.status}. Valid "
                             f"states are: {ADD_OK}.")
        adding.append(vol)
    removing: list[Volume] = []
    for vid in remove:
        vol = current.get(vid)
        if vol is None:
            raise BadRequest(f"Invalid volume: Cannot remove volume {vid[:64]} from group "
                             f"{g.id} because it is not in the group.")
        if vol.status not in REMOVE_OK:
            raise BadRequest(f"Invalid volume: Cannot remove volume {vol.id} from group "
                             f"{g.id} because volume is in an invalid state: {vol.status}. "
                             f"Valid states are: {REMOVE_OK}.")
        if vol not in removing:
            removing.append(vol)
    if name is None and description is None and not adding and not removing:
        raise BadRequest(f"Invalid group: Cannot update group {g.id} because no valid "
                         f"name, description, add_volumes, or remove_volumes were "
                         f"provided.")
    if (adding or removing) and g.status != "available":
        raise BadRequest("Invalid group: Group status must be available.")
    if name is not None:
        g.name = name
    if description is not None:
        g.description = description
    for vol in adding:
        vol.group_id, vol.updated_at = g.id, now
    for vol in removing:
        vol.group_id, vol.updated_at = None, now
    # Cinder's manager passes through `updating`; here nothing moves on the host
    g.status, g.updated_at = "available", now
    db.flush()


def mark_deleting(db: Session, g: VolumeGroup, delete_volumes: bool, now: float
                  ) -> list[str]:
    """`deleting`, with its volumes if `delete_volumes` (Cinder's checks): returns the
    ids of the volumes to delete after the commit."""
    if not delete_volumes and g.status not in ("available", "error"):
        raise BadRequest(f"Invalid group: Group status must be available or error, but "
                         f"current status is: {g.status}")
    if db.scalar(select(GroupSnapshot.id).where(GroupSnapshot.group_id == g.id).limit(1)):
        raise BadRequest("Invalid group: Group has existing snapshots.")
    vols = members(db, g.id)
    if vols and not delete_volumes:
        raise BadRequest(f"Invalid group: Group {g.id} still contains volumes. The "
                         f"delete-volumes flag is required to delete it.")
    for vol in vols:
        attached = vol.status in ("in-use", "detaching") or db.scalar(
            select(VolumeAttachment.id).where(VolumeAttachment.volume_id == vol.id,
                                              VolumeAttachment.status == "attached"
                                              ).limit(1))
        if attached:
            raise BadRequest(f"Invalid group: Volume in group {g.id} is attached. Need to "
                             f"detach first.")
        if snapshots.of_volume(db, vol.id):
            raise BadRequest("Invalid group: Volume in group still has dependent "
                             "snapshots.")
    copying = db.scalar(select(VolumeGroup.id).where(VolumeGroup.status == "creating")
                        .where(VolumeGroup.source_group_id == g.id).limit(1))
    if copying is not None or (delete_volumes and g.status in ("creating", "updating")):
        reason = ("Group status must be available or error and must not have dependent "
                  "group snapshots" if delete_volumes else
                  "Group must not have attached volumes, volumes with snapshots, or "
                  "dependent group snapshots")
        raise BadRequest(f"Invalid group: Cannot delete group {g.id}. {reason}, and it "
                         f"cannot be the source for an ongoing group or group snapshot "
                         f"creation.")
    for vol in vols:
        vol.status, vol.updated_at = "deleting", now
    g.status, g.updated_at = "deleting", now
    db.flush()
    return [v.id for v in vols]


def reset_status(db: Session, g: VolumeGroup, status: str, now: float) -> None:
    g.status, g.updated_at = _status(status, STATUSES, "Group status", "status are"), now
    db.flush()


def _status(status: str, valid: tuple[str, ...], what: str, are: str) -> str:
    if not status.strip():
        raise BadRequest("Invalid input received: The 'status' can not be empty.")
    if status.lower() not in valid:
        raise BadRequest(f"Invalid input received: {what}: {status[:32]} is invalid, "
                         f"valid {are}: {valid}.")
    return status.lower()


# --- group snapshots -------------------------------------------------------------------

def create_snapshot(db: Session, creds: Creds, g: VolumeGroup, body: dict[str, Any],
                    now: float) -> GroupSnapshot:
    """A `creating` group snapshot and a `creating` snapshot of each of its volumes
    (attached ones too, as Cinder's group snapshots take them; the copy is frozen)."""
    if g.status != "available":  # Cinder's manager would fail it; refuse it up front
        raise BadRequest(f"Invalid group: Group {g.id} status must be available, but "
                         f"current status is: {g.status}.")
    assert creds.project_id is not None
    gs = GroupSnapshot(id=str(uuid.uuid4()), project_id=creds.project_id,
                       user_id=creds.user_id, group_id=g.id, group_type_id=g.group_type_id,
                       name=body.get("name"), description=body.get("description"),
                       status="creating", created_at=now, updated_at=None)
    db.add(gs)
    db.flush()
    for vol in members(db, g.id):
        snap = snapshots.create(db, creds, vol, {"name": gs.name,
                                                 "description": gs.description},
                                True, now)
        snap.group_snapshot_id = gs.id
    db.flush()
    return gs


def mark_snapshot_deleting(db: Session, gs: GroupSnapshot, now: float) -> list[str]:
    copying = db.scalar(select(VolumeGroup.id).where(VolumeGroup.status == "creating")
                        .where(VolumeGroup.group_snapshot_id == gs.id).limit(1))
    if gs.status not in ("available", "error") or copying is not None:
        raise BadRequest("Invalid group snapshot: GroupSnapshot status must be available "
                         "or error, and no Group can be currently using it as source for "
                         "its creation.")
    snaps = snapshot_members(db, gs.id)
    for s in snaps:
        s.status, s.updated_at = "deleting", now
    gs.status, gs.updated_at = "deleting", now
    db.flush()
    return [s.id for s in snaps]


def reset_snapshot_status(db: Session, gs: GroupSnapshot, status: str, now: float) -> None:
    gs.status = _status(status, SNAPSHOT_STATUSES, "Group snapshot status",
                        "statuses are")
    gs.updated_at = now
    db.flush()


# --- the host side (after commit, and at start) ----------------------------------------

def finish_create(deps: Deps, group_id: str, volume_ids: list[str]) -> None:
    """Make a `creating` group's new volumes (copies of its source), then say
    `available` (`error` if one of them could not be made)."""
    for vid in volume_ids:
        volumes.materialize(deps, vid)
    with deps.sessions() as db, db.begin():
        g = db.get(VolumeGroup, group_id)
        if g is not None and g.status == "creating":
            _settle(db, g, deps.clock())


def _settle(db: Session, g: VolumeGroup, now: float) -> None:
    failed = [v for v in members(db, g.id) if v.status == "error"]
    g.status, g.updated_at = ("error" if failed else "available"), now
    db.flush()


def finish_delete(deps: Deps, group_id: str, volume_ids: list[str]) -> None:
    """Remove a `deleting` group's volumes, then the group (`error_deleting` if one of
    them stays)."""
    for vid in volume_ids:
        volumes.finish_delete(deps, vid)
    with deps.sessions() as db, db.begin():
        g = db.get(VolumeGroup, group_id)
        if g is not None and g.status == "deleting":
            _drop(db, g, deps.clock())


def _drop(db: Session, g: VolumeGroup, now: float) -> None:
    if members(db, g.id):
        g.status, g.updated_at = "error_deleting", now
    else:
        db.delete(g)
    db.flush()


def finish_snapshot(deps: Deps, gsnap_id: str) -> None:
    """Copy each volume of a `creating` group snapshot, then say `available` (or
    `error` if one copy failed)."""
    with deps.sessions() as db:
        ids = [s.id for s in snapshot_members(db, gsnap_id)]
    for sid in ids:
        snapshots.materialize(deps, sid)
    with deps.sessions() as db, db.begin():
        gs = db.get(GroupSnapshot, gsnap_id)
        if gs is not None and gs.status == "creating":
            _settle_snapshot(db, gs, deps.clock())


def _settle_snapshot(db: Session, gs: GroupSnapshot, now: float) -> None:
    failed = [s for s in snapshot_members(db, gs.id) if s.status != "available"]
    gs.status, gs.updated_at = ("error" if failed else "available"), now
    db.flush()


def finish_snapshot_delete(deps: Deps, gsnap_id: str, snapshot_ids: list[str]) -> None:
    for sid in snapshot_ids:
        snapshots.finish_delete(deps, sid)
    with deps.sessions() as db, db.begin():
        gs = db.get(GroupSnapshot, gsnap_id)
        if gs is not None and gs.status == "deleting":
            _drop_snapshot(db, gs, deps.clock())


def _drop_snapshot(db: Session, gs: GroupSnapshot, now: float) -> None:
    if snapshot_members(db, gs.id):
        gs.status, gs.updated_at = "error_deleting", now
    else:
        db.delete(gs)
    db.flush()


def recover(db: Session, now: float) -> list[str]:
    """At start, after the volumes' and snapshots' recovery (which made or removed their
    members): settle the groups and group snapshots a crash left midway."""
    notes: list[str] = []
    for g in db.scalars(select(VolumeGroup).where(
            VolumeGroup.status.in_(("creating", "deleting")))):
        (_settle if g.status == "creating" else _drop)(db, g, now)
        notes.append(f"volume group {g.id}: finished after a restart")
    for gs in db.scalars(select(GroupSnapshot).where(
            GroupSnapshot.status.in_(("creating", "deleting")))):
        (_settle_snapshot if gs.status == "creating" else _drop_snapshot)(db, gs, now)
        notes.append(f"group snapshot {gs.id}: finished after a restart")
    return notes

