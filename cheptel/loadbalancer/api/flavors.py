"""Flavors and flavor profiles (Octavia's FlavorsController, FlavorProfileController).
Anyone with a role in a project lists and reads flavors; the admin writes them, and
alone reads and writes the profiles."""

from __future__ import annotations

from typing import Any

from cheptel.loadbalancer import admin_schemas, admin_views
from cheptel.loadbalancer.api.common import LBAAS, body, caller, one
from cheptel.loadbalancer.service import flavors, profiles
from cheptel.web import Ctx, Reply, Route

KIND = flavors.PROFILES


def list_flavors(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    docs = [admin_views.flavor(f) for f in flavors.list_all(ctx.db)]
    return admin_views.listed(ctx, "flavors", docs, admin_views.FLAVOR)


def show_flavor(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"flavor": one(ctx, admin_views.flavor(flavors.get(ctx.db, ctx.params["flavor_id"])))}


def create_flavor(ctx: Ctx) -> dict[str, Any]:
    made = flavors.create(ctx.db, body(ctx, admin_schemas.flavor_post, "flavor"))
    return {"flavor": admin_views.flavor(made)}


def update_flavor(ctx: Ctx) -> dict[str, Any]:
    changes = body(ctx, admin_schemas.flavor_put, "flavor")
    return {"flavor": admin_views.flavor(flavors.update(ctx.db, ctx.params["flavor_id"],
                                                        changes))}


def delete_flavor(ctx: Ctx) -> Reply:
    flavors.delete(ctx.db, ctx.params["flavor_id"])
    return Reply(None, status=204)


def list_profiles(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    docs = [admin_views.flavor_profile(p) for p in profiles.list_all(ctx.db, KIND)]
    return admin_views.listed(ctx, "flavorprofiles", docs, admin_views.FLAVOR_PROFILE,
                              links="flavorprofile_links")


def show_profile(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    found = profiles.get(ctx.db, KIND, ctx.params["flavorprofile_id"])
    return {"flavorprofile": one(ctx, admin_views.flavor_profile(found))}


def create_profile(ctx: Ctx) -> dict[str, Any]:
    made = profiles.create(ctx.db, KIND, body(ctx, admin_schemas.flavor_profile_post,
                                              "flavorprofile"))
    return {"flavorprofile": admin_views.flavor_profile(made)}


def update_profile(ctx: Ctx) -> dict[str, Any]:
    changes = body(ctx, admin_schemas.flavor_profile_put, "flavorprofile")
    found = profiles.update(ctx.db, KIND, ctx.params["flavorprofile_id"], changes)
    return {"flavorprofile": admin_views.flavor_profile(found)}


def delete_profile(ctx: Ctx) -> Reply:
    profiles.delete(ctx.db, KIND, ctx.params["flavorprofile_id"])
    return Reply(None, status=204)


FLAVORS = LBAAS + "/flavors"
FLAVOR = FLAVORS + "/{flavor_id}"
PROFILES = LBAAS + "/flavorprofiles"
PROFILE = PROFILES + "/{flavorprofile_id}"

ROUTES: list[Route] = [
    Route("GET", FLAVORS, list_flavors, "flavor:get_all"),
    Route("POST", FLAVORS, create_flavor, "flavor:post", 201),
    Route("GET", FLAVOR, show_flavor, "flavor:get_one"),
    Route("PUT", FLAVOR, update_flavor, "flavor:put"),
    Route("DELETE", FLAVOR, delete_flavor, "flavor:delete", 204),
    Route("GET", PROFILES, list_profiles, "flavor-profile:get_all"),
    Route("POST", PROFILES, create_profile, "flavor-profile:post", 201),
    Route("GET", PROFILE, show_profile, "flavor-profile:get_one"),
    Route("PUT", PROFILE, update_profile, "flavor-profile:put"),
    Route("DELETE", PROFILE, delete_profile, "flavor-profile:delete", 204),
]
