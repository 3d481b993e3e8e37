"""Snapshots: list, detail, create, show, update, delete, metadata, actions
(cinder/api/v3/snapshots.py, snapshot_metadata.py; contrib snapshot_actions.py and the
snapshot side of admin_actions.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cheptel.common import flag
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, base, caller, pick_action, version
from cheptel.volume.models import VolumeSnapshot
from cheptel.volume.service import metadata, snapshots, volumes
from cheptel.web import Ctx, Reply, Route

SNAPSHOTS = P + "/snapshots"
SNAPSHOT = SNAPSHOTS + "/{snapshot_id}"
META = SNAPSHOT + "/metadata"

# cinder/api/v3/snapshots.py, from 3.66 (SNAPSHOT_IN_USE)
IN_USE_FLAG = ("Since microversion 3.66 the 'force' flag is invalid for this request.  "
               "For backward compatability, however, when the 'force' flag is passed "
               "with a value evaluating to True, it is silently ignored.")


def _snapshot(ctx: Ctx) -> VolumeSnapshot:
    return snapshots.get_visible(ctx.db, caller(ctx), ctx.params["snapshot_id"])


def _detail(ctx: Ctx, s: VolumeSnapshot, extended: bool) -> dict[str, Any]:
    extended = extended and ctx.allowed("volume_extension:extended_snapshot_attributes",
                                        {"project_id": s.project_id})
    return views.snapshot(s, version(ctx), extended)


def _listing(ctx: Ctx, detail: bool) -> dict[str, Any]:
    creds = caller(ctx)
    all_tenants = "all_tenants" in ctx.query and flag(ctx.query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    page = snapshots.list_snapshots(ctx.db, creds, dict(ctx.query), all_tenants)
    docs = [_detail(ctx, s, True) if detail else views.snapshot(s, None)
            for s in page.snapshots]
    out: dict[str, Any] = {"snapshots": docs}
    if page.more and page.snapshots:
        out["snapshots_links"] = views.next_link(
            base(ctx), "snapshots/detail" if detail else "snapshots", ctx.query,
            page.snapshots[-1].id)
    if version(ctx).at_least("3.45") and flag(ctx.query, "with_count"):
        out["count"] = page.count
    return out


def list_snapshots(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=False)


def list_detail(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=True)


def create(ctx: Ctx) -> Reply:
    body = check(schemas.snapshot_create, ctx.body)["snapshot"]
    creds = caller(ctx)
    volume_id = body.get("volume_id")
    if volume_id is None:
        raise NotFound("Volume None could not be found.")
    volume = volumes.get_visible(ctx.db, creds, volume_id)
    force = False
    if body.get("force") is not None:
        force = volumes.as_bool(body["force"])
        if version(ctx).at_least("3.66") and not force:
            raise BadRequest(IN_USE_FLAG)
    s = snapshots.create(ctx.db, creds, volume, body,
                         force or version(ctx).at_least("3.66"), ctx.now)
    deps, sid = ctx.deps, s.id
    ctx.after_commit.append(lambda: snapshots.materialize(deps, sid))
    return Reply({"snapshot": views.snapshot(s, version(ctx))}, status=202)


def show(ctx: Ctx) -> dict[str, Any]:
    return {"snapshot": _detail(ctx, _snapshot(ctx), True)}


def update(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.snapshot_update, ctx.body)["snapshot"]
    s = _snapshot(ctx)
    snapshots.update(ctx.db, s, body, ctx.now)
    return {"snapshot": views.snapshot(s, version(ctx))}


def _delete_after_commit(ctx: Ctx, snapshot_id: str) -> None:
    deps = ctx.deps
    ctx.after_commit.append(lambda: snapshots.finish_delete(deps, snapshot_id))


def delete(ctx: Ctx) -> None:
    s = _snapshot(ctx)
    snapshots.mark_deleting(ctx.db, s, ctx.now)
    _delete_after_commit(ctx, s.id)


# --- metadata ---------------------------------------------------------------------

def get_metadata(ctx: Ctx) -> dict[str, Any]:
    return {"metadata": dict(_snapshot(ctx).meta)}


def _set_metadata(ctx: Ctx, replace: bool) -> dict[str, Any]:
    meta = check(schemas.metadata, ctx.body)["metadata"]
    s = _snapshot(ctx)
    return {"metadata": metadata.set_items(ctx.db, s, meta, replace, ctx.now)}


def create_metadata(ctx: Ctx) -> dict[str, Any]:
    return _set_metadata(ctx, replace=False)


def replace_metadata(ctx: Ctx) -> dict[str, Any]:
    return _set_metadata(ctx, replace=True)


def get_metadata_key(ctx: Ctx) -> dict[str, Any]:
    s, key = _snapshot(ctx), ctx.params["key"]
    if key not in s.meta:
        raise NotFound(f"Snapshot {s.id} has no metadata with key {key}.")
    return {"meta": {key: s.meta[key]}}


def set_metadata_key(ctx: Ctx) -> dict[str, Any]:
    meta = check(schemas.meta_item, ctx.body)["meta"]
    key = ctx.params["key"]
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    if len(meta) > 1:
        raise BadRequest("Request body contains too many items")
    s = _snapshot(ctx)
    metadata.set_items(ctx.db, s, meta, False, ctx.now)
    return {"meta": meta}


def delete_metadata_key(ctx: Ctx) -> None:
    metadata.delete_item(ctx.db, _snapshot(ctx), "Snapshot", ctx.params["key"],
                         ctx.now)


# --- actions: POST /snapshots/{id}/action -------------------------------------------

def _reset_status(ctx: Ctx, s: VolumeSnapshot, arg: Any) -> Reply:
    body = check(schemas.snapshot_reset_status, arg)
    ctx.require("volume_extension:snapshot_admin_actions:reset_status",
                {"project_id": s.project_id})
    snapshots.reset_status(ctx.db, s, body["status"], ctx.now)
    return Reply(None, status=202)


def _force_delete(ctx: Ctx, s: VolumeSnapshot, arg: Any) -> Reply:
    check(schemas.no_argument, arg)
    ctx.require("volume_extension:snapshot_admin_actions:force_delete",
                {"project_id": s.project_id})
    snapshots.mark_deleting(ctx.db, s, ctx.now, force=True)
    _delete_after_commit(ctx, s.id)
    return Reply(None, status=202)


def _update_status(ctx: Ctx, s: VolumeSnapshot, arg: Any) -> Reply:
    body = check(schemas.snapshot_update_status, arg)
    ctx.require("snapshot_extension:snapshot_actions:update_snapshot_status",
                {"project_id": s.project_id})
    snapshots.update_status(ctx.db, s, body["status"], body.get("progress"), ctx.now)
    return Reply(None, status=202)


ACTIONS: dict[str, Callable[[Ctx, VolumeSnapshot, Any], Reply]] = {
    "os-reset_status": _reset_status,
    "os-force_delete": _force_delete,
    "os-update_snapshot_status": _update_status,
}


def action(ctx: Ctx) -> Reply:
    handler, arg = pick_action(ctx, ACTIONS)
    return handler(ctx, _snapshot(ctx), arg)


ROUTES: list[Route] = [
    Route("GET", SNAPSHOTS, list_snapshots, "volume:get_all_snapshots"),
    Route("GET", SNAPSHOTS + "/detail", list_detail, "volume:get_all_snapshots"),
    Route("POST", SNAPSHOTS, create, "volume:create_snapshot", 202),
    Route("GET", SNAPSHOT, show, "volume:get_snapshot"),
    Route("PUT", SNAPSHOT, update, "volume:update_snapshot"),
    Route("DELETE", SNAPSHOT, delete, "volume:delete_snapshot", 202),
    Route("POST", SNAPSHOT + "/action", action, "volume:snapshot_action", 202),
    Route("GET", META, get_metadata, "volume:get_snapshot_metadata"),
    Route("POST", META, create_metadata, "volume:update_snapshot_metadata"),
    Route("PUT", META, replace_metadata, "volume:update_snapshot_metadata"),
    Route("GET", META + "/{key}", get_metadata_key, "volume:get_snapshot_metadata"),
    Route("PUT", META + "/{key}", set_metadata_key, "volume:update_snapshot_metadata"),
    Route("DELETE", META + "/{key}", delete_metadata_key,
          "volume:delete_snapshot_metadata"),
]
