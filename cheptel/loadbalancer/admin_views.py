"""Octavia's documents for quotas, flavors, availability zones and their profiles, and
the listing of objects that have no `created_at` (or no `id`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cheptel.loadbalancer.api.common import listing
from cheptel.loadbalancer.models import (
    AvailabilityZone,
    AvailabilityZoneProfile,
    Flavor,
    FlavorProfile,
)
from cheptel.web import Ctx


def quota(project_id: str, values: dict[str, int | None]) -> dict[str, Any]:
    """QuotaResponse: the limits under both spellings, and tenant_id beside project_id
    (wsme's BaseMeta adds it to every type with a project_id)."""
    return {"project_id": project_id, "tenant_id": project_id,
            "loadbalancer": values["load_balancer"],
            "load_balancer": values["load_balancer"], "listener": values["listener"],
            "member": values["member"], "pool": values["pool"],
            "healthmonitor": values["health_monitor"],
            "health_monitor": values["health_monitor"], "l7policy": values["l7policy"],
            "l7rule": values["l7rule"]}


def flavor(f: Flavor) -> dict[str, Any]:
    return {"id": f.id, "name": f.name, "description": f.description or "",
            "enabled": f.enabled, "flavor_profile_id": f.flavor_profile_id}


def flavor_profile(p: FlavorProfile) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "provider_name": p.provider_name,
            "flavor_data": p.flavor_data}


def availability_zone(a: AvailabilityZone) -> dict[str, Any]:
    return {"name": a.name, "description": a.description or "", "enabled": a.enabled,
            "availability_zone_profile_id": a.availability_zone_profile_id}


def availability_zone_profile(p: AvailabilityZoneProfile) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "provider_name": p.provider_name,
            "availability_zone_data": p.availability_zone_data}


FLAVOR = {"id", "name", "description", "enabled", "flavor_profile_id"}
FLAVOR_PROFILE = {"id", "name", "provider_name", "flavor_data"}
AVAILABILITY_ZONE = {"name", "description", "enabled", "availability_zone_profile_id"}
AVAILABILITY_ZONE_PROFILE = {"id", "name", "provider_name", "availability_zone_data"}


def listed(ctx: Ctx, plural: str, docs: Sequence[dict[str, Any]], attributes: set[str],
           key: str = "id", links: str | None = None) -> dict[str, Any]:
    """listing() over documents lacking `created_at` (or an `id`: then keyed by `key`):
    Octavia sorts and pages by the default keys only where a model has them. `links`:
    the name of the links list, where Octavia's is not `<plural>_links`."""
    padded = [{"created_at": None, "id": d[key], **d} for d in docs]
    result = listing(ctx, plural, padded, attributes)
    rows = [{k: v for k, v in row.items() if k in attributes} for row in result[plural]]
    return {plural: rows, links or f"{plural}_links": result[f"{plural}_links"]}
