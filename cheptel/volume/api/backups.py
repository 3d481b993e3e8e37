"""Backups: list, detail, create, show, update, delete, restore, actions, export and
import of records (cinder/api/contrib/backups.py, cinder/api/v3/backups.py, the backup
side of contrib/admin_actions.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cheptel.common import flag
from cheptel.errors import NotFound
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, base, caller, pick_action, version
from cheptel.volume.models import VolumeBackup
from cheptel.volume.service import backup_objects, backups, snapshots, volumes
from cheptel.web import Ctx, Reply, Route

BACKUPS = P + "/backups"
BACKUP = BACKUPS + "/{backup_id}"


def _backup(ctx: Ctx) -> VolumeBackup:
    return backups.get_visible(ctx.db, caller(ctx), ctx.params["backup_id"])


def _detail(ctx: Ctx, b: VolumeBackup) -> dict[str, Any]:
    admin = ctx.allowed("backup:backup_project_attribute", {"project_id": b.project_id})
    return views.backup(base(ctx), b, version(ctx), backups.has_children(ctx.db, b.id),
                        admin)


def _listing(ctx: Ctx, detail: bool) -> dict[str, Any]:
    creds = caller(ctx)
    all_tenants = "all_tenants" in ctx.query and flag(ctx.query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    page = backups.list_backups(ctx.db, creds, dict(ctx.query), all_tenants)
    docs = [_detail(ctx, b) if detail else views.backup_summary(base(ctx), b)
            for b in page.backups]
    out: dict[str, Any] = {"backups": docs}
    if page.more and page.backups:
        out["backups_links"] = views.next_link(
            base(ctx), "backups/detail" if detail else "backups", ctx.query,
            page.backups[-1].id)
    if version(ctx).at_least("3.45") and flag(ctx.query, "with_count"):
        out["count"] = page.count
    return out


def list_backups(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=False)


def list_detail(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=True)


def create(ctx: Ctx) -> Reply:
    body = dict(check(schemas.backup_create, ctx.body)["backup"])
    creds = caller(ctx)
    v = version(ctx)
    if not v.at_least("3.43"):
        body.pop("metadata", None)
    if not v.at_least("3.51"):
        body.pop("availability_zone", None)
    volume = volumes.get_visible(ctx.db, creds, body["volume_id"])
    snap = (snapshots.get_visible(ctx.db, creds, body["snapshot_id"])
            if body.get("snapshot_id") else None)
    b = backups.create(ctx.db, creds, volume, snap, body, ctx.now,
                       backup_objects.default_container(ctx.deps.settings))
    deps, bid = ctx.deps, b.id
    ctx.after_commit.append(lambda: backups.materialize(deps, bid))
    return Reply({"backup": views.backup_summary(base(ctx), b)}, status=202)


def show(ctx: Ctx) -> dict[str, Any]:
    return {"backup": _detail(ctx, _backup(ctx))}


def update(ctx: Ctx) -> dict[str, Any]:
    if not version(ctx).at_least("3.9"):
        raise NotFound("The resource could not be found.")
    body = check(schemas.backup_update, ctx.body)["backup"]
    b = _backup(ctx)
    backups.update(ctx.db, b, body, version(ctx).at_least("3.43"), ctx.now)
    return {"backup": views.backup_summary(base(ctx), b)}


def _delete_after_commit(ctx: Ctx, backup_id: str) -> None:
    deps = ctx.deps
    ctx.after_commit.append(lambda: backups.finish_delete(deps, backup_id))


def delete(ctx: Ctx) -> None:
    b = _backup(ctx)
    backups.mark_deleting(ctx.db, b, ctx.now)
    _delete_after_commit(ctx, b.id)


def restore(ctx: Ctx) -> Reply:
    body = check(schemas.backup_restore, ctx.body)["restore"] or {}
    b = _backup(ctx)
    volume = backups.restore(ctx.db, caller(ctx), b, body.get("volume_id"),
                             body.get("name"), ctx.now)
    deps, bid = ctx.deps, b.id
    ctx.after_commit.append(lambda: backups.finish_restore(deps, bid))
    return Reply({"restore": {"backup_id": b.id, "volume_id": volume.id,
                              "volume_name": volume.name}}, status=202)


# --- actions: POST /backups/{id}/action ----------------------------------------------

def _reset_status(ctx: Ctx, b: VolumeBackup, arg: Any) -> Reply:
    body = check(schemas.backup_reset_status, arg)
    ctx.require("volume_extension:backup_admin_actions:reset_status",
                {"project_id": b.project_id})
    backups.reset_status(ctx.db, b, body["status"], ctx.now)
    return Reply(None, status=202)


def _force_delete(ctx: Ctx, b: VolumeBackup, arg: Any) -> Reply:
    check(schemas.no_argument, arg)
    ctx.require("volume_extension:backup_admin_actions:force_delete",
                {"project_id": b.project_id})
    backups.mark_deleting(ctx.db, b, ctx.now, force=True)
    _delete_after_commit(ctx, b.id)
    return Reply(None, status=202)


ACTIONS: dict[str, Callable[[Ctx, VolumeBackup, Any], Reply]] = {
    "os-reset_status": _reset_status,
    "os-force_delete": _force_delete,
}


def action(ctx: Ctx) -> Reply:
    handler, arg = pick_action(ctx, ACTIONS)
    return handler(ctx, _backup(ctx), arg)


# --- export and import of a backup's record (admin) ----------------------------------

def export_record(ctx: Ctx) -> dict[str, Any]:
    b = _backup(ctx)
    return {"backup-record": backups.export_record(b)}


def import_record(ctx: Ctx) -> Reply:
    body = check(schemas.backup_import, ctx.body)["backup-record"]
    b = backups.import_record(ctx.db, caller(ctx), body["backup_service"],
                              body["backup_url"], ctx.now)
    deps, bid = ctx.deps, b.id
    ctx.after_commit.append(lambda: backups.materialize(deps, bid))
    return Reply({"backup": views.backup_summary(base(ctx), b)}, status=201)


ROUTES: list[Route] = [
    Route("GET", BACKUPS, list_backups, "backup:get_all"),
    Route("GET", BACKUPS + "/detail", list_detail, "backup:get_all"),
    Route("POST", BACKUPS, create, "backup:create", 202),
    Route("POST", BACKUPS + "/import_record", import_record, "backup:backup-import", 201),
    Route("GET", BACKUP, show, "backup:get"),
    Route("PUT", BACKUP, update, "backup:update"),
    Route("DELETE", BACKUP, delete, "backup:delete", 202),
    Route("POST", BACKUP + "/restore", restore, "backup:restore", 202),
    Route("POST", BACKUP + "/action", action, "backup:action", 202),
    Route("GET", BACKUP + "/export_record", export_record, "backup:export-import"),
]
