"""Load-balancer flavors (Octavia's flavors): an admin's named, enabled or not, pointer
to a flavor profile, which a load balancer names at create. The profiles themselves are
cheptel.loadbalancer.service.profiles with PROFILES."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.loadbalancer.models import Flavor, FlavorProfile, LoadBalancer
from cheptel.loadbalancer.service import providers
from cheptel.loadbalancer.service.profiles import NIL_UUID, Kind

PROFILES = Kind(model=FlavorProfile, data="flavor_data", label="Flavor Profile",
                says="Flavor profile", user=Flavor, user_column="flavor_profile_id",
                schema=providers.FLAVOR_SCHEMA)


def get(db: Session, flavor_id: str) -> Flavor:
    found = db.get(Flavor, flavor_id) if len(flavor_id) <= 36 else None
    if found is None:
        raise NotFound(f"Flavor {flavor_id} not found.")
    return found


def list_all(db: Session) -> list[Flavor]:
    return list(db.scalars(select(Flavor).order_by(Flavor.id)))


def _unique(db: Session, name: str, flavor_id: str | None = None) -> None:
    other = db.scalar(select(Flavor).where(Flavor.name == name))
    if other is not None and other.id != flavor_id:
        raise Conflict(f"A flavor of {name} already exists.")


def create(db: Session, body: dict[str, Any]) -> Flavor:
    profile_id = body["flavor_profile_id"]
    if db.get(FlavorProfile, profile_id) is None:
        raise BadRequest(f"Flavor Profile {profile_id} not found.")
    _unique(db, body["name"])
    made = Flavor(id=str(uuid.uuid4()), name=body["name"],
                  description=body.get("description") or "",
                  enabled=body.get("enabled", True), flavor_profile_id=profile_id)
    db.add(made)
    db.flush()
    return made


def update(db: Session, flavor_id: str, changes: dict[str, Any]) -> Flavor:
    if flavor_id == NIL_UUID:
        raise NotFound(f"Flavor {flavor_id} not found.")
    found = get(db, flavor_id)
    if "name" in changes:
        _unique(db, changes["name"], flavor_id)
        found.name = changes["name"]
    if "description" in changes:
        found.description = changes["description"] or ""
    if "enabled" in changes:
        found.enabled = changes["enabled"]
    db.flush()
    return found


def delete(db: Session, flavor_id: str) -> None:
    """Refused while a load balancer uses the flavor (Octavia's ObjectInUse, 409)."""
    found = get(db, flavor_id)
    used = db.scalar(select(func.count()).select_from(LoadBalancer).where(
        LoadBalancer.flavor_id == flavor_id))
    if used:
        raise Conflict(f"Flavor {flavor_id} is in use and cannot be modified.")
    db.delete(found)
    db.flush()
