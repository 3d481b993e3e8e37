"""Volume transfers: a volume offered by its project, accepted by another with the key
(cinder/transfer/api.py, the transfer_* functions of cinder/db/api.py).

Create: the volume `available` (and, unless no_snapshots, every snapshot of it) ->
`awaiting-transfer`, a row holding a salted hash of a random key shown once. Delete: the
row goes, the volume is `available` again. Accept, by anyone holding the key and the id:
the receiver's quotas are checked (the volume, then its snapshots), then the volume
(and its snapshots unless no_snapshots) change project and user, the volume is
`available`, the row goes. Quota usage is counted from the rows, so it follows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.common import bool_filter
from cheptel.errors import BadRequest, NotFound, PayloadTooLarge
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeSnapshot, VolumeTransfer, VolumeType
from cheptel.volume.service import listing, quotas, snapshots, types

KEY_HEX = 16  # Cinder's volume_transfer_key_length: 16 hex characters
SALT_HEX = 8  # volume_transfer_salt_length
# what a listing filters on (Transfer's columns that live rows distinguish); any other
# filter names no column of Cinder's model or none that differs here: Cinder then
# answers an empty list (is_valid_model_filters), as here
FILTERS = {"id", "volume_id", "display_name", "source_project_id", "no_snapshots"}
PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "all_tenants"}
SORT_KEYS = {"id", "created_at", "name", "display_name", "volume_id"}
ATTR = {"display_name": "name"}


def _hash(salt: str, key: str) -> str:
    return hmac.new(salt.encode(), key.encode(), hashlib.sha256).hexdigest()


def get_visible(db: Session, creds: Creds, transfer_id: str) -> VolumeTransfer:
    """The transfer, if the caller's project offers it (the volume's project until it is
    accepted), or the caller is an admin: else 404, as Cinder's transfer_get."""
    t = db.get(VolumeTransfer, transfer_id) if len(transfer_id) <= 36 else None
    if t is None or not (creds.is_admin or t.source_project_id == creds.project_id):
        raise NotFound(f"Transfer {transfer_id} could not be found.")
    return t


def create(db: Session, creds: Creds, volume: Volume, name: str | None,
           no_snapshots: bool, now: float) -> tuple[VolumeTransfer, str]:
    """(the transfer, its auth key): the key is returned here once and never kept."""
    if volume.status != "available":
        raise BadRequest("Invalid volume: status must be available")
    if not no_snapshots:
        for s in snapshots.of_volume(db, volume.id):
            if s.status != "available":
                raise BadRequest(f"Invalid snapshot: snapshot: {s.id} status must be "
                                 f"available")
    salt, key = secrets.token_hex(SALT_HEX // 2), secrets.token_hex(KEY_HEX // 2)
    t = VolumeTransfer(id=str(uuid.uuid4()), volume_id=volume.id,
                       source_project_id=volume.project_id, name=name, salt=salt,
                       crypt_hash=_hash(salt, key), no_snapshots=no_snapshots,
                       created_at=now)
    volume.status, volume.updated_at = "awaiting-transfer", now
    db.add(t)
    db.flush()
    return t, key


def delete(db: Session, t: VolumeTransfer, now: float) -> None:
    """The row goes; the volume is `available` again if it still awaits (Cinder leaves
    any other status as it is)."""
    volume = db.get(Volume, t.volume_id)
    if volume is not None and volume.status == "awaiting-transfer":
        volume.status, volume.updated_at = "available", now
    db.delete(t)
    db.flush()


def drop_for_volume(db: Session, volume_id: str) -> None:
    """A volume deleted (os-force_delete may take an awaiting one): its transfers go."""
    for t in db.scalars(select(VolumeTransfer).where(VolumeTransfer.volume_id == volume_id)):
        db.delete(t)


def _check_quotas(db: Session, project_id: str, volume: Volume,
                  snaps: list[VolumeSnapshot]) -> None:
    """The receiver's quotas, in Cinder's order: the volume's size against
    per_volume_gigabytes, the volume (volumes, gigabytes, and its type's), then its
    snapshots (snapshots, gigabytes: the volume's reservation counts by then)."""
    # (a type in use cannot be deleted)
    vt = db.get(VolumeType, volume.volume_type_id) or types.default(db)
    quotas.check_volume(db, project_id, vt, 1, volume.size)
    if not snaps:
        return
    lim, used = quotas.limits(db, project_id), quotas.usage(db, project_id)
    gigabytes = sum(s.volume_size for s in snaps)
    suffixes = ("", f"_{vt.name}")
    for suffix in suffixes:
        key = f"snapshots{suffix}"
        if 0 <= lim.get(key, -1) < used.get(key, 0) + len(snaps):
            raise PayloadTooLarge(f"SnapshotLimitExceeded: Maximum number of snapshots "
                                  f"allowed ({lim[key]}) exceeded")
    for suffix in suffixes:
        key = f"gigabytes{suffix}"
        held = used.get(key, 0) + volume.size  # the volume's reservation, made first
        if 0 <= lim.get(key, -1) < held + gigabytes:
            raise PayloadTooLarge(
                f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                f"allowed {key} quota. Requested {gigabytes}G, quota is {lim[key]}G and "
                f"{held}G has been consumed.")


def accept(db: Session, creds: Creds, transfer_id: str, auth_key: str,
           now: float) -> VolumeTransfer:
    """Move the volume (and its snapshots unless no_snapshots) to the caller's project.
    Any project may accept a transfer it knows the id and key of (Cinder reads it with an
    elevated context); a wrong key is a 400, a full quota a 413."""
    t = db.get(VolumeTransfer, transfer_id) if len(transfer_id) <= 36 else None
    if t is None:
        raise NotFound(f"Transfer {transfer_id} could not be found.")
    if not hmac.compare_digest(_hash(t.salt, auth_key), t.crypt_hash):
        raise BadRequest(f"Invalid auth key: Attempt to transfer {transfer_id} with "
                         f"invalid auth key.")
    volume = db.get(Volume, t.volume_id)
    if volume is None:
        raise NotFound(f"Volume {t.volume_id} could not be found.")
    assert creds.project_id is not None  # the URL's project (common.caller)
    snaps = [] if t.no_snapshots else snapshots.of_volume(db, volume.id)
    _check_quotas(db, creds.project_id, volume, snaps)
    if volume.status == "maintenance":
        raise BadRequest("Invalid volume: The volume cannot accept transfer in "
                         "maintenance mode.")
    if volume.status != "awaiting-transfer":
        raise BadRequest(f"Invalid volume: Transfer {transfer_id}: Volume id {volume.id} "
                         f"expected in awaiting-transfer state.")
    for s in snaps:
        if s.status != "available":
            raise BadRequest(f"Invalid snapshot: Transfer {transfer_id}: Snapshot {s.id} "
                             f"is not in the expected available state.")
    volume.project_id, volume.user_id = creds.project_id, creds.user_id
    volume.status, volume.updated_at = "available", now
    for s in snaps:
        s.project_id, s.user_id, s.updated_at = creds.project_id, creds.user_id, now
    db.delete(t)
    db.flush()
    return t


@dataclass
class Page:
    transfers: list[VolumeTransfer]
    count: int  # every transfer the filters match (the next link's test)
    limit: int  # the page size asked (or the maximum)


def _matches(t: VolumeTransfer, filters: dict[str, str]) -> bool:
    for key, want in filters.items():
        if key == "no_snapshots":
            if t.no_snapshots != bool_filter(want):
                return False
        elif getattr(t, ATTR.get(key, key)) != want:
            return False
    return True


def _attr_key(attr: str, t: VolumeTransfer) -> tuple[bool, Any]:
    value = getattr(t, attr)
    return (value is None, value if value is not None else 0)


def list_transfers(db: Session, creds: Creds, query: dict[str, str], all_tenants: bool,
                   paginate: bool) -> Page:
    """The caller's project's transfers (every project's for an admin with all_tenants).
    `paginate` (3.59): marker and sort are read (created_at desc by default); before, the
    order is created_at, id ascending. limit and offset always apply."""
    query = dict(query)
    if "name" in query:
        query["display_name"] = query.pop("name")
    limit, offset = listing._int(query, "limit"), listing._int(query, "offset") or 0
    if paginate:
        order = listing._sort(query, SORT_KEYS, ATTR)
    else:
        order = [("created_at", False), ("id", False)]
    stmt = select(VolumeTransfer)
    if not all_tenants:
        stmt = stmt.where(VolumeTransfer.source_project_id == creds.project_id)
    filters = {k: v for k, v in query.items() if k not in PAGING}
    if any(k not in FILTERS for k in filters):
        found: list[VolumeTransfer] = []
    else:
        found = [t for t in db.scalars(stmt) if _matches(t, filters)]
    for attr, desc in reversed(order):
        found.sort(key=partial(_attr_key, attr), reverse=desc)
    count = len(found)
    marker = query.get("marker") if paginate else None
    if marker is not None:
        ids = [t.id for t in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    size = min(limit, listing.MAX_LIMIT) if limit else listing.MAX_LIMIT
    return Page(found[offset:offset + size], count, size)
