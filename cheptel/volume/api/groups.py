"""Generic volume groups: group types (3.11) and their specs, groups (3.13; made from a
source 3.14, reset_status 3.20), group snapshots (3.14; reset_status 3.19)
(cinder/api/v3/group_types.py, group_specs.py, groups.py, group_snapshots.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from cheptel.common import flag
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, caller, pick_action, version
from cheptel.volume.models import GroupSnapshot, GroupType, VolumeGroup
from cheptel.volume.service import group_listing, group_types, groups, volumes
from cheptel.web import Ctx, Reply, Route

GROUP_TYPES = P + "/group_types"
GROUP_TYPE = GROUP_TYPES + "/{group_type_id}"
SPECS = GROUP_TYPE + "/group_specs"
GROUPS = P + "/groups"
GROUP = GROUPS + "/{group_id}"
GROUP_SNAPSHOTS = P + "/group_snapshots"
GROUP_SNAPSHOT = GROUP_SNAPSHOTS + "/{group_snapshot_id}"


def _since(ctx: Ctx, at: str) -> None:
    """Cinder's answer to a method older microversions lack."""
    if not version(ctx).at_least(at):
        raise NotFound("The resource could not be found.")


# --- group types and their specs ---------------------------------------------------------

def _type(ctx: Ctx) -> GroupType:
    _since(ctx, "3.11")
    return group_types.get(ctx.db, caller(ctx), ctx.params["group_type_id"])


def _type_doc(ctx: Ctx, gt: GroupType) -> dict[str, Any]:
    return views.group_type(gt, ctx.allowed("group:access_group_types_specs", {}))


def list_types(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.11")
    found = group_types.list_types(ctx.db, caller(ctx), dict(ctx.query))
    return {"group_types": [_type_doc(ctx, t) for t in found]}


def show_type(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.11")
    if ctx.params["group_type_id"] == "default":  # no default_group_type is configured
        caller(ctx)
        raise NotFound("Default group type can not be found.")
    return {"group_type": _type_doc(ctx, _type(ctx))}


def create_type(ctx: Ctx) -> Reply:
    _since(ctx, "3.11")
    body = check(schemas.group_type_create, ctx.body)["group_type"]
    caller(ctx)
    public = volumes.as_bool(body.get("is_public", True))
    gt = group_types.create(ctx.db, body, public, ctx.now)
    return Reply({"group_type": _type_doc(ctx, gt)}, status=202)


def update_type(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.11")
    body = check(schemas.group_type_update, ctx.body)["group_type"]
    gt = _type(ctx)
    public = volumes.as_bool(body["is_public"]) if body.get("is_public") is not None \
        else None
    group_types.update(ctx.db, gt, body.get("name"), body.get("description"), public)
    return {"group_type": _type_doc(ctx, gt)}


def delete_type(ctx: Ctx) -> None:
    group_types.delete(ctx.db, _type(ctx))


def list_specs(ctx: Ctx) -> dict[str, Any]:
    return {"group_specs": dict(_type(ctx).group_specs)}


def create_specs(ctx: Ctx) -> Reply:
    _since(ctx, "3.11")
    specs = check(schemas.group_specs_create, ctx.body)["group_specs"]
    group_types.set_specs(ctx.db, _type(ctx), specs)
    return Reply({"group_specs": dict(specs)}, status=202)  # the body's, as Cinder


def show_spec(ctx: Ctx) -> dict[str, Any]:
    gt, key = _type(ctx), ctx.params["key"]
    if key not in gt.group_specs:
        raise NotFound(f"Group Type {gt.id} has no extra spec with key {key}.")
    return {key: gt.group_specs[key]}


def update_spec(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.11")
    body = check(schemas.group_spec_update, ctx.body)
    gt = _type(ctx)
    if ctx.params["key"] not in body:
        raise BadRequest("Request body and URI mismatch")
    group_types.set_specs(ctx.db, gt, body)
    return dict(body)


def delete_spec(ctx: Ctx) -> None:
    group_types.delete_spec(ctx.db, _type(ctx), ctx.params["key"])


# --- groups ------------------------------------------------------------------------------

def _group(ctx: Ctx) -> VolumeGroup:
    _since(ctx, "3.13")
    return groups.get_visible(ctx.db, caller(ctx), ctx.params["group_id"])


def _group_doc(ctx: Ctx, g: VolumeGroup) -> dict[str, Any]:
    v = version(ctx)
    ids = [m.id for m in groups.members(ctx.db, g.id)] \
        if v.at_least("3.25") and flag(ctx.query, "list_volume") else None
    return views.group(g, v, ids, ctx.allowed("group:group_project_attribute", {}))


def _list_groups(ctx: Ctx, detail: bool) -> dict[str, Any]:
    _since(ctx, "3.13")
    creds = caller(ctx)
    all_tenants = "all_tenants" in ctx.query and flag(ctx.query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    page = group_listing.list_groups(ctx.db, creds, dict(ctx.query), bool(all_tenants),
                              version(ctx).at_least("3.31"))
    return {"groups": [_group_doc(ctx, g) if detail else views.group_summary(g)
                       for g in page.items]}


def list_groups(ctx: Ctx) -> dict[str, Any]:
    return _list_groups(ctx, detail=False)


def list_groups_detail(ctx: Ctx) -> dict[str, Any]:
    return _list_groups(ctx, detail=True)


def create_group(ctx: Ctx) -> Reply:
    _since(ctx, "3.13")
    body = check(schemas.group_create, ctx.body)["group"]
    g = groups.create(ctx.db, caller(ctx), body, ctx.now)
    deps, gid = ctx.deps, g.id
    ctx.after_commit.append(lambda: groups.finish_create(deps, gid, []))
    return Reply({"group": views.group_summary(g)}, status=202)


def show_group(ctx: Ctx) -> dict[str, Any]:
    g = _group(ctx)
    groups.get_usable(ctx.db, caller(ctx), g.id)
    return {"group": _group_doc(ctx, g)}


def update_group(ctx: Ctx) -> Reply:
    _since(ctx, "3.13")
    body = check(schemas.group_update, ctx.body)["group"]
    creds = caller(ctx)
    g = groups.get_usable(ctx.db, creds, ctx.params["group_id"])
    groups.update(ctx.db, creds, g, body, ctx.now)
    return Reply(None, status=202)


def create_from_source(ctx: Ctx) -> Reply:
    """POST /groups/action {"create-from-src": ...} (3.14)."""
    _since(ctx, "3.14")
    body = check(schemas.group_create_from_source, ctx.body)["create-from-src"]
    g, made = groups.create_from_source(ctx.db, caller(ctx), body, ctx.now)
    deps, gid = ctx.deps, g.id
    ctx.after_commit.append(lambda: groups.finish_create(deps, gid, made))
    return Reply({"group": views.group_summary(g)}, status=202)


def _delete_group(ctx: Ctx, g: VolumeGroup, arg: Any) -> Reply:
    body = check(schemas.group_delete, arg)
    ctx.require("group:delete", {"project_id": g.project_id})
    groups.get_usable(ctx.db, caller(ctx), g.id)
    vids = groups.mark_deleting(ctx.db, g, volumes.as_bool(body.get("delete-volumes",
                                                                     False)), ctx.now)
    ctx.after_commit.append(partial(groups.finish_delete, ctx.deps, g.id, vids))
    return Reply(None, status=202)


def _reset_group(ctx: Ctx, g: VolumeGroup, arg: Any) -> Reply:
    _since(ctx, "3.20")
    body = check(schemas.group_reset_status, arg)
    ctx.require("group:reset_status", {"project_id": g.project_id})
    groups.reset_status(ctx.db, g, body["status"], ctx.now)
    return Reply(None, status=202)


GROUP_ACTIONS: dict[str, Callable[[Ctx, VolumeGroup, Any], Reply]] = {
    "delete": _delete_group,
    "reset_status": _reset_group,
}


def group_action(ctx: Ctx) -> Reply:
    _since(ctx, "3.13")
    handler, arg = pick_action(ctx, GROUP_ACTIONS)
    return handler(ctx, _group(ctx), arg)


# --- group snapshots ---------------------------------------------------------------------

def _gsnap(ctx: Ctx) -> GroupSnapshot:
    _since(ctx, "3.14")
    return groups.get_snapshot_visible(ctx.db, caller(ctx), ctx.params["group_snapshot_id"])


def _gsnap_doc(ctx: Ctx, gs: GroupSnapshot) -> dict[str, Any]:
    return views.group_snapshot(gs, version(ctx),
                                ctx.allowed("group:group_snapshot_project_attribute", {}))


def _list_gsnaps(ctx: Ctx, detail: bool) -> dict[str, Any]:
    _since(ctx, "3.14")
    creds = caller(ctx)
    v = version(ctx)
    all_tenants = "all_tenants" in ctx.query and flag(ctx.query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    page = group_listing.list_snapshots(ctx.db, creds, dict(ctx.query), bool(all_tenants),
                                 v.at_least("3.31"), v.at_least("3.29"))
    return {"group_snapshots": [
        _gsnap_doc(ctx, s) if detail else {"id": s.id, "name": s.name}
        for s in page.items]}


def list_gsnaps(ctx: Ctx) -> dict[str, Any]:
    return _list_gsnaps(ctx, detail=False)


def list_gsnaps_detail(ctx: Ctx) -> dict[str, Any]:
    return _list_gsnaps(ctx, detail=True)


def create_gsnap(ctx: Ctx) -> Reply:
    _since(ctx, "3.14")
    body = check(schemas.group_snapshot_create, ctx.body)["group_snapshot"]
    creds = caller(ctx)
    g = groups.get_usable(ctx.db, creds, body["group_id"])
    gs = groups.create_snapshot(ctx.db, creds, g, body, ctx.now)
    deps, gsid = ctx.deps, gs.id
    ctx.after_commit.append(lambda: groups.finish_snapshot(deps, gsid))
    return Reply({"group_snapshot": views.group_snapshot_summary(gs)}, status=202)


def show_gsnap(ctx: Ctx) -> dict[str, Any]:
    return {"group_snapshot": _gsnap_doc(ctx, _gsnap(ctx))}


def delete_gsnap(ctx: Ctx) -> None:
    gs = _gsnap(ctx)
    sids = groups.mark_snapshot_deleting(ctx.db, gs, ctx.now)
    ctx.after_commit.append(partial(groups.finish_snapshot_delete, ctx.deps, gs.id, sids))


def gsnap_action(ctx: Ctx) -> Reply:
    _since(ctx, "3.14")
    since, arg = pick_action(ctx, {"reset_status": "3.19"})  # the one action, and its version
    _since(ctx, since)
    body = check(schemas.group_reset_status, arg)
    gs = _gsnap(ctx)
    ctx.require("group:reset_group_snapshot_status", {"project_id": gs.project_id})
    groups.reset_snapshot_status(ctx.db, gs, body["status"], ctx.now)
    return Reply(None, status=202)


ROUTES: list[Route] = [
    Route("GET", GROUP_TYPES, list_types, "group:group_types:get"),
    Route("POST", GROUP_TYPES, create_type, "group:group_types:create", 202),
    Route("GET", GROUP_TYPE, show_type, "group:group_types:get"),
    Route("PUT", GROUP_TYPE, update_type, "group:group_types:update"),
    Route("DELETE", GROUP_TYPE, delete_type, "group:group_types:delete", 202),
    Route("GET", SPECS, list_specs, "group:group_types_specs:get_all"),
    Route("POST", SPECS, create_specs, "group:group_types_specs:create", 202),
    Route("GET", SPECS + "/{key}", show_spec, "group:group_types_specs:get"),
    Route("PUT", SPECS + "/{key}", update_spec, "group:group_types_specs:update"),
    Route("DELETE", SPECS + "/{key}", delete_spec, "group:group_types_specs:delete", 202),
    Route("GET", GROUPS, list_groups, "group:get_all"),
    Route("GET", GROUPS + "/detail", list_groups_detail, "group:get_all"),
    Route("POST", GROUPS, create_group, "group:create", 202),
    Route("POST", GROUPS + "/action", create_from_source, "group:create", 202),
    Route("GET", GROUP, show_group, "group:get"),
    Route("PUT", GROUP, update_group, "group:update", 202),
    Route("POST", GROUP + "/action", group_action, "group:action", 202),
    Route("GET", GROUP_SNAPSHOTS, list_gsnaps, "group:get_all_group_snapshots"),
    Route("GET", GROUP_SNAPSHOTS + "/detail", list_gsnaps_detail,
          "group:get_all_group_snapshots"),
    Route("POST", GROUP_SNAPSHOTS, create_gsnap, "group:create_group_snapshot", 202),
    Route("GET", GROUP_SNAPSHOT, show_gsnap, "group:get_group_snapshot"),
    Route("DELETE", GROUP_SNAPSHOT, delete_gsnap, "group:delete_group_snapshot", 202),
    Route("POST", GROUP_SNAPSHOT + "/action", gsnap_action,
          "group:reset_group_snapshot_status", 202),
]
