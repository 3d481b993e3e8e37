"""Load-balancer availability zones (Octavia's): an admin's zone, keyed by its name,
pointing to an availability zone profile, which a load balancer names at create. The
profiles themselves are cheptel.loadbalancer.service.profiles with PROFILES."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.loadbalancer.models import AvailabilityZone, AvailabilityZoneProfile, LoadBalancer
from cheptel.loadbalancer.service import providers
from cheptel.loadbalancer.service.profiles import NIL_UUID, Kind

PROFILES = Kind(model=AvailabilityZoneProfile, data="availability_zone_data",
                label="Availability Zone Profile", says="Availability Zone Profile",
                user=AvailabilityZone, user_column="availability_zone_profile_id",
                schema=providers.AVAILABILITY_ZONE_SCHEMA)


def get(db: Session, name: str) -> AvailabilityZone:
    found = db.get(AvailabilityZone, name) if len(name) <= 255 else None
    if found is None or name == NIL_UUID:
        raise NotFound(f"Availability Zone {name} not found.")
    return found


def list_all(db: Session) -> list[AvailabilityZone]:
    return list(db.scalars(select(AvailabilityZone).order_by(AvailabilityZone.name)))


def create(db: Session, body: dict[str, Any]) -> AvailabilityZone:
    profile_id = body["availability_zone_profile_id"]
    if db.get(AvailabilityZoneProfile, profile_id) is None:
        raise BadRequest(f"Availability Zone Profile {profile_id} not found.")
    if db.get(AvailabilityZone, body["name"]) is not None:
        raise Conflict(f"A availability zone of {body['name']} already exists.")
    made = AvailabilityZone(name=body["name"], description=body.get("description") or "",
                            enabled=body.get("enabled", True),
                            availability_zone_profile_id=profile_id)
    db.add(made)
    db.flush()
    return made


def update(db: Session, name: str, changes: dict[str, Any]) -> AvailabilityZone:
    found = get(db, name)
    if "description" in changes:
        found.description = changes["description"] or ""
    if "enabled" in changes:
        found.enabled = changes["enabled"]
    db.flush()
    return found


def delete(db: Session, name: str) -> None:
    """Refused while a load balancer uses the zone (Octavia's ObjectInUse, 409)."""
    found = get(db, name)
    used = db.scalar(select(func.count()).select_from(LoadBalancer).where(
        LoadBalancer.availability_zone == name))
    if used:
        raise Conflict(f"Availability Zone {name} is in use and cannot be modified.")
    db.delete(found)
    db.flush()
