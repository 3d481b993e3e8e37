"""Flavors: the sizes servers boot with, private flavors' access lists, extra specs.

Visibility follows Nova's flavor query: an administrator sees every flavor; anyone else
sees the public flavors and the private ones their project was given access to, and gets
"not found" for the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from cheptel.compute.models import Flavor, FlavorAccess, FlavorExtraSpec
from cheptel.errors import BadRequest, Conflict, NotFound

# DevStack's default flavors, plus m1.nano and m1.micro as DevStack adds them for tempest:
# (flavorid, name, ram MiB, disk GiB, vcpus)
DEFAULT_FLAVORS = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 20, 1),
    ("3", "m1.medium", 4096, 40, 2),
    ("4", "m1.large", 8192, 80, 4),
    ("5", "m1.xlarge", 16384, 160, 8),
    ("42", "m1.nano", 128, 1, 1),
    ("84", "m1.micro", 192, 1, 1),
)

# Nova's sort keys -> how to read them from our rows (internal ids sort by creation)
SORT_VALUES: dict[str, Callable[[Flavor], Any]] = {
    "created_at": lambda f: f.created_at,
    "updated_at": lambda f: f.created_at,
    "id": lambda f: f.created_at,
    "vcpu_weight": lambda f: f.created_at,
    "description": lambda f: f.description or "",
    "disabled": lambda f: f.disabled,
    "ephemeral_gb": lambda f: f.ephemeral,
    "flavorid": lambda f: f.id,
    "is_public": lambda f: f.is_public,
    "memory_mb": lambda f: f.ram,
    "name": lambda f: f.name,
    "root_gb": lambda f: f.disk,
    "rxtx_factor": lambda f: f.rxtx_factor,
    "swap": lambda f: f.swap,
    "vcpus": lambda f: f.vcpus,
}


def bootstrap(db: Session, now: float) -> bool:
    """Seed the default flavors into an empty flavor table; False when there were some."""
    if db.scalar(select(func.count()).select_from(Flavor)):
        return False
    for offset, (fid, name, ram, disk, vcpus) in enumerate(DEFAULT_FLAVORS):
        db.add(Flavor(id=fid, name=name, ram=ram, disk=disk, vcpus=vcpus, ephemeral=0, swap=0,
                      rxtx_factor=1.0, is_public=True, description=None, disabled=False,
                      created_at=now + offset * 1e-3))
    db.flush()
    return True


def _visible(project_id: str | None) -> ColumnElement[bool]:
    granted = select(FlavorAccess.flavor_id).where(FlavorAccess.project_id == project_id)
    return or_(Flavor.is_public.is_(True), Flavor.id.in_(granted))


def get(db: Session, flavor_id: str, project_id: str | None, is_admin: bool) -> Flavor:
    query = select(Flavor).where(Flavor.id == flavor_id)
    if not is_admin:
        query = query.where(_visible(project_id))
    flavor = db.scalar(query)
    if flavor is None:
        raise NotFound(f"Flavor {flavor_id} could not be found.")
    return flavor


def get_for_boot(db: Session, flavor_ref: object, project_id: str | None,
                 is_admin: bool) -> Flavor:
    """The flavor a server boots (or resizes) with; a flavorRef may be an id or a link."""
    ref = str(flavor_ref)
    flavor_id = ref.rstrip("/").rsplit("/", 1)[-1] if "/" in ref else ref
    try:
        flavor = get(db, flavor_id, project_id, is_admin)
    except NotFound:
        raise BadRequest(f"Flavor {ref} could not be found.") from None
    if flavor.disabled:
        raise BadRequest(f"Flavor {ref} could not be found.")
    return flavor


def extra_specs(db: Session, flavor_id: str) -> dict[str, str]:
    rows = db.scalars(select(FlavorExtraSpec).where(FlavorExtraSpec.flavor_id == flavor_id)
                      .order_by(FlavorExtraSpec.key))
    return {r.key: r.value for r in rows}


def extra_specs_of(db: Session, flavor_ids: list[str]) -> dict[str, dict[str, str]]:
    """Extra specs of several flavors in one query (the 2.61 detail list)."""
    out: dict[str, dict[str, str]] = {fid: {} for fid in flavor_ids}
    if flavor_ids:
        rows = db.scalars(select(FlavorExtraSpec)
                          .where(FlavorExtraSpec.flavor_id.in_(flavor_ids))
                          .order_by(FlavorExtraSpec.key))
        for r in rows:
            out[r.flavor_id][r.key] = r.value
    return out


def flavor_dict(db: Session, flavor: Flavor) -> dict:
    """The copy of a flavor a server keeps: it survives the flavor's deletion."""
    return {"id": flavor.id, "name": flavor.name, "ram": flavor.ram, "vcpus": flavor.vcpus,
            "disk": flavor.disk, "ephemeral": flavor.ephemeral, "swap": flavor.swap,
            "extra_specs": extra_specs(db, flavor.id)}


@dataclass(frozen=True)
class ListQuery:
    is_public: bool | None = True  # None: public and private
    min_ram: int | None = None
    min_disk: int | None = None
    sort_key: str = "flavorid"
    sort_dir: str = "asc"
    limit: int = 1000
    marker: str | None = None


def list_flavors(db: Session, project_id: str | None, is_admin: bool,
                 q: ListQuery) -> tuple[list[Flavor], bool]:
    """A page of flavors as Nova filters and sorts them, and whether more follow."""
    query = select(Flavor)
    if is_admin:
        if q.is_public is not None:
            if q.is_public and project_id is not None:
                query = query.where(_visible(project_id))
            else:
                query = query.where(Flavor.is_public.is_(q.is_public))
    else:
        query = query.where(_visible(project_id), Flavor.disabled.is_(False))
    if q.min_ram is not None:
        query = query.where(Flavor.ram >= q.min_ram)
    if q.min_disk is not None:
        query = query.where(Flavor.disk >= q.min_disk)
    value = SORT_VALUES[q.sort_key]

    def key(f: Flavor) -> tuple:
        return (value(f), f.created_at, f.id)

    items = sorted(db.scalars(query), key=key, reverse=q.sort_dir == "desc")
    if q.marker is not None:
        marker_query = select(Flavor).where(Flavor.id == q.marker)
        if not is_admin:
            marker_query = marker_query.where(_visible(project_id))
        marker = db.scalar(marker_query)
        if marker is None:
            raise BadRequest(f"marker [{q.marker}] not found")
        mark = key(marker)
        items = [f for f in items if (key(f) < mark if q.sort_dir == "desc" else key(f) > mark)]
    return items[:q.limit], len(items) > q.limit


def create(db: Session, now: float, *, name: str, flavor_id: str | None, ram: int, vcpus: int,
           disk: int, ephemeral: int = 0, swap: int = 0, rxtx_factor: float = 1.0,
           is_public: bool = True, description: str | None = None) -> Flavor:
    name = name.strip()
    flavor_id = flavor_id or str(uuid.uuid4())
    if db.scalar(select(Flavor.id).where(Flavor.name == name)) is not None:
        raise Conflict(f"Flavor with name {name} already exists.")
    if db.get(Flavor, flavor_id) is not None:
        raise Conflict(f"Flavor with ID {flavor_id} already exists.")
    flavor = Flavor(id=flavor_id, name=name, ram=ram, vcpus=vcpus, disk=disk,
                    ephemeral=ephemeral, swap=swap, rxtx_factor=rxtx_factor,
                    is_public=is_public, description=description, disabled=False,
                    created_at=now)
    db.add(flavor)
    db.flush()
    return flavor


def set_description(db: Session, flavor: Flavor, description: str | None) -> Flavor:
    flavor.description = description
    db.flush()
    return flavor


def delete_flavor(db: Session, flavor_id: str) -> None:
    """Remove a flavor, its extra specs and access list; servers keep their copy."""
    flavor = db.get(Flavor, flavor_id)
    if flavor is None:
        raise NotFound(f"Flavor {flavor_id} could not be found.")
    db.execute(delete(FlavorExtraSpec).where(FlavorExtraSpec.flavor_id == flavor_id))
    db.execute(delete(FlavorAccess).where(FlavorAccess.flavor_id == flavor_id))
    db.delete(flavor)
    db.flush()


# -- private flavor access --------------------------------------------------------------------

def access_list(db: Session, flavor: Flavor) -> list[str]:
    rows = db.scalars(select(FlavorAccess.project_id)
                      .where(FlavorAccess.flavor_id == flavor.id)
                      .order_by(FlavorAccess.project_id))
    return list(rows)


def public_access_list(db: Session, flavor: Flavor) -> list[str]:
    """GET os-flavor-access: only private flavors have a list."""
    if flavor.is_public:
        raise NotFound("Access list not available for public flavors.")
    return access_list(db, flavor)


def add_access(db: Session, flavor: Flavor, project_id: str, refuse_public: bool) -> None:
    if refuse_public and flavor.is_public:
        raise Conflict("Can not add access to a public flavor.")
    if db.get(FlavorAccess, (flavor.id, project_id)) is not None:
        raise Conflict(f"Flavor access already exists for flavor {flavor.id} and project "
                       f"{project_id} combination.")
    db.add(FlavorAccess(flavor_id=flavor.id, project_id=project_id))
    db.flush()


def remove_access(db: Session, flavor: Flavor, project_id: str) -> None:
    row = db.get(FlavorAccess, (flavor.id, project_id))
    if row is None:
        raise NotFound(f"Flavor access not found for {flavor.id} / {project_id} "
                       f"combination.")
    db.delete(row)
    db.flush()


# -- extra specs ------------------------------------------------------------------------------

def set_extra_specs(db: Session, flavor: Flavor, specs: dict[str, object]) -> None:
    """Add or replace keys; numbers are stored as their text, as Nova does."""
    for key, value in specs.items():
        text = str(value)
        if len(text) > 255:
            raise BadRequest("Invalid input received: extra_specs value has more than 255 "
                             "characters.")
        row = db.get(FlavorExtraSpec, (flavor.id, key))
        if row is None:
            db.add(FlavorExtraSpec(flavor_id=flavor.id, key=key, value=text))
        else:
            row.value = text
    db.flush()


def get_extra_spec(db: Session, flavor: Flavor, key: str) -> str:
    row = db.get(FlavorExtraSpec, (flavor.id, key))
    if row is None:
        raise NotFound(f"Flavor {flavor.id} has no extra specs with key {key}.")
    return row.value


def delete_extra_spec(db: Session, flavor: Flavor, key: str) -> None:
    row = db.get(FlavorExtraSpec, (flavor.id, key))
    if row is None:
        raise NotFound(f"Flavor {flavor.id} has no extra specs with key {key}.")
    db.delete(row)
    db.flush()
