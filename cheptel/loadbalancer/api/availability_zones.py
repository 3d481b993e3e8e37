"""Availability zones and their profiles (Octavia's AvailabilityZonesController,
AvailabilityZoneProfileController): zones are keyed by name; anyone with a role in a
project lists and reads them, the admin writes them and alone handles the profiles."""

from __future__ import annotations

from typing import Any

from cheptel.loadbalancer import admin_schemas, admin_views
from cheptel.loadbalancer.api.common import LBAAS, body, caller, one
from cheptel.loadbalancer.service import availability_zones as zones
from cheptel.loadbalancer.service import profiles
from cheptel.web import Ctx, Reply, Route

KIND = zones.PROFILES
ZONE_ROOT, PROFILE_ROOT = "availability_zone", "availability_zone_profile"


def list_zones(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    docs = [admin_views.availability_zone(z) for z in zones.list_all(ctx.db)]
    return admin_views.listed(ctx, "availability_zones", docs,
                              admin_views.AVAILABILITY_ZONE, key="name")


def show_zone(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    found = zones.get(ctx.db, ctx.params["availability_zone_name"])
    return {ZONE_ROOT: one(ctx, admin_views.availability_zone(found))}


def create_zone(ctx: Ctx) -> dict[str, Any]:
    made = zones.create(ctx.db, body(ctx, admin_schemas.availability_zone_post, ZONE_ROOT))
    return {ZONE_ROOT: admin_views.availability_zone(made)}


def update_zone(ctx: Ctx) -> dict[str, Any]:
    changes = body(ctx, admin_schemas.availability_zone_put, ZONE_ROOT)
    found = zones.update(ctx.db, ctx.params["availability_zone_name"], changes)
    return {ZONE_ROOT: admin_views.availability_zone(found)}


def delete_zone(ctx: Ctx) -> Reply:
    zones.delete(ctx.db, ctx.params["availability_zone_name"])
    return Reply(None, status=204)


def list_profiles(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    docs = [admin_views.availability_zone_profile(p)
            for p in profiles.list_all(ctx.db, KIND)]
    return admin_views.listed(ctx, "availability_zone_profiles", docs,
                              admin_views.AVAILABILITY_ZONE_PROFILE,
                              links="availability_zone_profile_links")


def show_profile(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    found = profiles.get(ctx.db, KIND, ctx.params["availability_zone_profile_id"])
    return {PROFILE_ROOT: one(ctx, admin_views.availability_zone_profile(found))}


def create_profile(ctx: Ctx) -> dict[str, Any]:
    made = profiles.create(ctx.db, KIND, body(
        ctx, admin_schemas.availability_zone_profile_post, PROFILE_ROOT))
    return {PROFILE_ROOT: admin_views.availability_zone_profile(made)}


def update_profile(ctx: Ctx) -> dict[str, Any]:
    changes = body(ctx, admin_schemas.availability_zone_profile_put, PROFILE_ROOT)
    found = profiles.update(ctx.db, KIND, ctx.params["availability_zone_profile_id"],
                            changes)
    return {PROFILE_ROOT: admin_views.availability_zone_profile(found)}


def delete_profile(ctx: Ctx) -> Reply:
    profiles.delete(ctx.db, KIND, ctx.params["availability_zone_profile_id"])
    return Reply(None, status=204)


ZONES = LBAAS + "/availabilityzones"
ZONE = ZONES + "/{availability_zone_name}"
PROFILES = LBAAS + "/availabilityzoneprofiles"
PROFILE = PROFILES + "/{availability_zone_profile_id}"
Z, ZP = "availability-zone:", "availability-zone-profile:"

ROUTES: list[Route] = [
    Route("GET", ZONES, list_zones, Z + "get_all"),
    Route("POST", ZONES, create_zone, Z + "post", 201),
    Route("GET", ZONE, show_zone, Z + "get_one"),
    Route("PUT", ZONE, update_zone, Z + "put"),
    Route("DELETE", ZONE, delete_zone, Z + "delete", 204),
    Route("GET", PROFILES, list_profiles, ZP + "get_all"),
    Route("POST", PROFILES, create_profile, ZP + "post", 201),
    Route("GET", PROFILE, show_profile, ZP + "get_one"),
    Route("PUT", PROFILE, update_profile, ZP + "put"),
    Route("DELETE", PROFILE, delete_profile, ZP + "delete", 204),
]
