"""Flavor profiles and availability zone profiles: the same thing twice in Octavia (an
admin's named provider data, a JSON text checked against the provider's capabilities,
frozen once a flavor or an availability zone uses it). One implementation, two Kinds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.loadbalancer.service import providers

NIL_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Kind:
    model: Any  # FlavorProfile or AvailabilityZoneProfile
    data: str  # its data column, also the API's attribute: flavor_data, ...
    label: str  # "Flavor Profile": Octavia's model name, in its lookups' 404
    says: str  # "Flavor profile": how its controller words its own 404s and 409s
    user: Any  # the model that refers to a profile (Flavor, AvailabilityZone)
    user_column: str  # its column naming the profile
    schema: dict[str, Any]  # the provider's capabilities (providers.*_SCHEMA)


def get(db: Session, kind: Kind, profile_id: str) -> Any:
    found = db.get(kind.model, profile_id) if len(profile_id) <= 36 else None
    if found is None:
        raise NotFound(f"{kind.label} {profile_id} not found.")
    return found


def list_all(db: Session, kind: Kind) -> list[Any]:
    return list(db.scalars(select(kind.model).order_by(kind.model.id)))


def _used(db: Session, kind: Kind, profile_id: str) -> bool:
    column = getattr(kind.user, kind.user_column)
    return bool(db.scalar(select(func.count()).select_from(kind.user).where(
        column == profile_id)))


def create(db: Session, kind: Kind, body: dict[str, Any]) -> Any:
    data = providers.parse(body[kind.data], kind.data)
    provider = providers.enabled(body["provider_name"])
    providers.validate(provider, data, kind.schema)
    made = kind.model(id=str(uuid.uuid4()), name=body["name"], provider_name=provider,
                      **{kind.data: body[kind.data]})
    db.add(made)
    db.flush()
    return made


def update(db: Session, kind: Kind, profile_id: str, changes: dict[str, Any]) -> Any:
    """Octavia's order: nulls refused, then a profile in use refuses a new provider or
    data, then the data is parsed and checked (against the new provider or the old)."""
    for key in ("name", "provider_name", kind.data):
        if key in changes and changes[key] is None:
            raise BadRequest(f"None is not a valid option for {key}")
    if (kind.data in changes or "provider_name" in changes) and _used(db, kind,
                                                                     profile_id):
        raise Conflict(f"{kind.says} {profile_id} is in use and cannot be modified.")
    if profile_id == NIL_UUID:
        raise NotFound(f"{kind.says} {profile_id} not found.")
    if kind.data in changes:
        data = providers.parse(changes[kind.data], kind.data)
        provider = (providers.enabled(changes["provider_name"]) if "provider_name" in changes
                    else get(db, kind, profile_id).provider_name)
        providers.validate(provider, data, kind.schema)
    elif "provider_name" in changes:  # (Octavia would store a provider it does not have)
        providers.enabled(changes["provider_name"])
    found = get(db, kind, profile_id)
    for key, value in changes.items():
        setattr(found, key, value)
    db.flush()
    return found


def delete(db: Session, kind: Kind, profile_id: str) -> None:
    if profile_id == NIL_UUID:
        raise NotFound(f"{kind.says} {profile_id} not found.")
    if _used(db, kind, profile_id):
        raise Conflict(f"{kind.says} {profile_id} is in use and cannot be modified.")
    found = db.get(kind.model, profile_id) if len(profile_id) <= 36 else None
    if found is None:
        raise NotFound(f"{kind.says} {profile_id} not found.")
    db.delete(found)
    db.flush()
