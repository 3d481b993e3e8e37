"""Group types and their specs (cinder/volume/group_types.py). Cinder's database starts
with one, `default_cgsnapshot_type`, reserved for consistency groups migrated to generic
groups: no group of it may be made or used through the groups API."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import GroupType, VolumeGroup
from cheptel.volume.service import listing

CGSNAPSHOT_TYPE = "default_cgsnapshot_type"


def ensure_default(db: Session, now: float) -> None:
    """At start: Cinder's migration-made group type (with its one spec)."""
    if db.scalar(select(GroupType).where(GroupType.name == CGSNAPSHOT_TYPE)) is None:
        db.add(GroupType(id=str(uuid.uuid4()), name=CGSNAPSHOT_TYPE,
                         description="Default group type for migrating cgsnapshot",
                         is_public=True,
                         group_specs={"consistent_group_snapshot_enabled": "<is> True"},
                         created_at=now))
        db.flush()


def is_cgsnapshot_type(db: Session, type_id: str | None) -> bool:
    gt = db.get(GroupType, type_id) if type_id and len(type_id) <= 36 else None
    return gt is not None and gt.name == CGSNAPSHOT_TYPE


def _visible(creds: Creds, gt: GroupType) -> bool:
    return gt.is_public or creds.is_admin


def get(db: Session, creds: Creds, type_id: str) -> GroupType:
    gt = db.get(GroupType, type_id) if len(type_id) <= 36 else None
    if gt is None or not _visible(creds, gt):
        raise NotFound(f"Group type {type_id} could not be found.")
    return gt


def by_name_or_id(db: Session, creds: Creds, ref: str) -> GroupType:
    """As Cinder's group create looks a type up: by id, then by a name (uuid-like or
    not); an unknown uuid-like reference is "not found" by id, another by name."""
    gt = db.get(GroupType, ref) if len(ref) <= 36 else None
    if gt is None:
        gt = db.scalar(select(GroupType).where(GroupType.name == ref))
    if gt is None or not _visible(creds, gt):
        if _uuid_like(ref):
            raise NotFound(f"Group type {ref} could not be found.")
        raise NotFound(f"Group type with name {ref} could not be found.")
    return gt


def _uuid_like(ref: str) -> bool:
    try:
        uuid.UUID(ref)
    except ValueError:
        return False
    return True


SORT_KEYS = {"id", "name", "description", "is_public", "created_at"}


def listing_key(attr: str, row: Any) -> tuple[bool, Any]:
    """A sort key: unset values last, as the other listings."""
    value = getattr(row, attr, None)
    return (value is None, value if value is not None else "")


def list_types(db: Session, creds: Creds, query: dict[str, str]) -> list[GroupType]:
    """Public types; the admin's `is_public` filter (absent: public only, `None`: all)."""
    raw = query.get("is_public")
    is_public: bool | None = True
    if creds.is_admin and raw is not None:
        low = raw.strip().lower()
        is_public = None if low == "none" else low in ("true", "1", "yes", "on", "t", "y")
    found = [t for t in db.scalars(select(GroupType))
             if _visible(creds, t) and (is_public is None or t.is_public == is_public)]
    order = listing._sort(query, SORT_KEYS, {})
    for attr, desc in reversed(order):
        found.sort(key=partial(listing_key, attr), reverse=desc)
    marker = query.get("marker")
    if marker is not None:
        ids = [t.id for t in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    found = found[listing._int(query, "offset") or 0:]
    limit = listing._int(query, "limit")
    return found[:min(limit, listing.MAX_LIMIT) if limit is not None else listing.MAX_LIMIT]


def create(db: Session, body: dict[str, Any], is_public: bool, now: float) -> GroupType:
    name = body["name"]
    if db.scalar(select(GroupType).where(GroupType.name == name)) is not None:
        raise Conflict(f"Group Type {name} already exists.")
    gt = GroupType(id=str(uuid.uuid4()), name=name, description=body.get("description"),
                   is_public=is_public, group_specs=dict(body.get("group_specs") or {}),
                   created_at=now)
    db.add(gt)
    db.flush()
    return gt


def update(db: Session, gt: GroupType, name: str | None, description: str | None,
           is_public: bool | None) -> None:
    if name is not None and name.strip() == "":
        raise BadRequest("Group type name can not be empty.")
    if name is None and description is None and is_public is None:
        raise BadRequest("Specify group type name, description or a combination thereof.")
    if name:
        other = db.scalar(select(GroupType).where(GroupType.name == name))
        if other is not None and other.id != gt.id:
            raise Conflict(f"Group Type {name} already exists.")
        gt.name = name
    if description is not None:
        gt.description = description
    if is_public is not None:
        gt.is_public = is_public
    db.flush()


def delete(db: Session, gt: GroupType) -> None:
    used = db.scalar(select(func.count()).select_from(VolumeGroup).where(
        VolumeGroup.group_type_id == gt.id))
    if used:
        raise BadRequest("Target group type is still in use.")
    db.delete(gt)
    db.flush()


def set_specs(db: Session, gt: GroupType, specs: dict[str, Any]) -> None:
    gt.group_specs = {**gt.group_specs, **specs}
    db.flush()


def delete_spec(db: Session, gt: GroupType, key: str) -> None:
    if key not in gt.group_specs:
        raise NotFound(f"Group Type {gt.id} has no specs with key {key}.")
    gt.group_specs = {k: v for k, v in gt.group_specs.items() if k != key}
    db.flush()
