"""Volume types: `__DEFAULT__` (made at start, never deleted) and the admin's own."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeType, VolumeTypeProject

DEFAULT_NAME = "__DEFAULT__"


def default(db: Session) -> VolumeType:
    vt = db.scalar(select(VolumeType).where(VolumeType.name == DEFAULT_NAME))
    if vt is None:  # bootstrap makes it; a restore without it is a broken database
        raise NotFound("Default volume type can not be found.")
    return vt


def _visible(db: Session, creds: Creds, vt: VolumeType) -> bool:
    """Public types are everyone's; a private one the admin's and its projects'."""
    return vt.is_public or creds.is_admin or (
        creds.project_id is not None
        and db.get(VolumeTypeProject, (vt.id, creds.project_id)) is not None)


def get(db: Session, creds: Creds, ref: str) -> VolumeType:
    """A type by id (or, as Cinder's find does for creation, by name)."""
    vt = db.get(VolumeType, ref) if len(ref) <= 36 else None
    if vt is None or not _visible(db, creds, vt):
        raise NotFound(f"Volume type {ref} could not be found.")
    return vt


def by_name_or_id(db: Session, creds: Creds, ref: str) -> VolumeType:
    vt = db.get(VolumeType, ref) if len(ref) <= 36 else None
    if vt is None:
        vt = db.scalar(select(VolumeType).where(VolumeType.name == ref))
    if vt is None or not _visible(db, creds, vt):
        raise NotFound(f"Volume type with name {ref} could not be found.")
    return vt


def list_types(db: Session, creds: Creds, is_public: bool | None = None) -> list[VolumeType]:
    types = db.scalars(select(VolumeType).order_by(VolumeType.created_at,
                                                   VolumeType.id)).all()
    out = [t for t in types if _visible(db, creds, t)]
    if is_public is not None and creds.is_admin:
        out = [t for t in out if t.is_public == is_public]
    return out


def create(db: Session, body: dict[str, Any], is_public: bool, now: float) -> VolumeType:
    name = body["name"].strip()
    if db.scalar(select(VolumeType).where(VolumeType.name == name)) is not None:
        raise Conflict(f"Volume Type {name} already exists.")
    vt = VolumeType(id=str(uuid.uuid4()), name=name, description=body.get("description"),
                    is_public=is_public, extra_specs=dict(body.get("extra_specs") or {}),
                    created_at=now)
    db.add(vt)
    db.flush()
    return vt


def update(db: Session, vt: VolumeType, body: dict[str, Any],
           is_public: bool | None) -> VolumeType:
    name = body.get("name")
    if name is not None:
        name = name.strip()
        if vt.name == DEFAULT_NAME and name != DEFAULT_NAME:
            raise BadRequest("The default volume type cannot be renamed.")
        other = db.scalar(select(VolumeType).where(VolumeType.name == name))
        if other is not None and other.id != vt.id:
            raise Conflict(f"Volume Type {name} already exists.")
        vt.name = name
    if "description" in body:
        vt.description = body["description"]
    if is_public is not None:
        vt.is_public = is_public
    db.flush()
    return vt


def delete(db: Session, vt: VolumeType) -> None:
    if vt.name == DEFAULT_NAME:
        raise BadRequest("Default volume type can not be deleted.")
    used = db.scalar(select(func.count()).select_from(Volume).where(
        Volume.volume_type_id == vt.id))
    if used:
        raise BadRequest(f"Target volume type {vt.id} is still in use.")
    for row in db.scalars(select(VolumeTypeProject).where(VolumeTypeProject.type_id == vt.id)):
        db.delete(row)
    db.delete(vt)
    db.flush()


def set_specs(db: Session, vt: VolumeType, specs: dict[str, str]) -> dict[str, str]:
    vt.extra_specs = {**vt.extra_specs, **specs}
    db.flush()
    return dict(vt.extra_specs)


def delete_spec(db: Session, vt: VolumeType, key: str) -> None:
    if key not in vt.extra_specs:
        raise NotFound(f"Volume Type {vt.id} has no extra specs with key {key}.")
    vt.extra_specs = {k: v for k, v in vt.extra_specs.items() if k != key}
    db.flush()


# --- access lists of private types (os-volume-type-access) ----------------------------

def access_list(db: Session, vt: VolumeType) -> list[str]:
    if vt.is_public:
        raise NotFound("Access list not available for public volume types.")
    return list(db.scalars(select(VolumeTypeProject.project_id).where(
        VolumeTypeProject.type_id == vt.id).order_by(VolumeTypeProject.project_id)))


def add_access(db: Session, vt: VolumeType, project_id: str) -> None:
    if vt.is_public:
        raise BadRequest("Invalid volume type: Type access modification is not "
                         "applicable to public volume type.")
    if db.get(VolumeTypeProject, (vt.id, project_id)) is not None:
        raise Conflict(f"Volume type access for {vt.id} / {project_id} combination "
                       f"already exists.")
    db.add(VolumeTypeProject(type_id=vt.id, project_id=project_id))
    db.flush()


def remove_access(db: Session, vt: VolumeType, project_id: str) -> None:
    if vt.is_public:
        raise BadRequest("Invalid volume type: Type access modification is not "
                         "applicable to public volume type.")
    row = db.get(VolumeTypeProject, (vt.id, project_id))
    if row is None:
        raise NotFound(f"Volume type access not found for {vt.id} / {project_id} "
                       f"combination.")
    db.delete(row)
    db.flush()
