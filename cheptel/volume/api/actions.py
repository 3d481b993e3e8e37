"""POST /volumes/{id}/action: one action per body, as Cinder's volume_actions and
admin_actions extensions dispatch them ({"os-extend": {"new_size": 2}})."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cheptel.errors import BadRequest
from cheptel.validation import check
from cheptel.volume import schemas
from cheptel.volume.api.common import VOLUME, body_object, caller
from cheptel.volume.models import Volume
from cheptel.volume.service import snapshots, volumes
from cheptel.web import Ctx, Reply, Route


def _extend(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    new_size = int(check(schemas.extend, arg)["new_size"])
    volumes.start_extend(ctx.db, v, new_size, ctx.now)
    deps, vid = ctx.deps, v.id
    ctx.after_commit.append(lambda: volumes.extend(deps, vid))
    return Reply(None, status=202)


def _reset_status(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    ctx.require("volume_extension:volume_admin_actions:reset_status",
                {"project_id": v.project_id})
    body = check(schemas.reset_status, arg)
    volumes.reset_status(ctx.db, v, body.get("status"), ctx.now)
    return Reply(None, status=202)


def _force_delete(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    check(schemas.no_argument, arg)  # None from openstacksdk, {} from Tempest
    ctx.require("volume_extension:volume_admin_actions:force_delete",
                {"project_id": v.project_id})
    snapshots.before_volume_delete(ctx.db, caller(ctx), v, False, True, ctx.now)
    volumes.mark_deleting(ctx.db, v, ctx.now, force=True)
    deps, vid = ctx.deps, v.id
    ctx.after_commit.append(lambda: volumes.finish_delete(deps, vid))
    return Reply(None, status=202)


def _retype(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.retype, arg)
    volumes.retype(ctx.db, caller(ctx), v, body["new_type"], ctx.now)
    return Reply(None, status=202)


def _set_bootable(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.set_bootable, arg)
    volumes.set_bootable(ctx.db, v, volumes.as_bool(body["bootable"]), ctx.now)
    return Reply(None, status=200)


def _readonly(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.readonly, arg)
    volumes.set_readonly(ctx.db, v, volumes.as_bool(body["readonly"]), ctx.now)
    return Reply(None, status=202)


ACTIONS: dict[str, Callable[[Ctx, Volume, Any], Reply]] = {
    "os-extend": _extend,
    "os-reset_status": _reset_status,
    "os-force_delete": _force_delete,
    "os-retype": _retype,
    "os-set_bootable": _set_bootable,
    "os-update_readonly_flag": _readonly,
}


def action(ctx: Ctx) -> Reply:
    body = body_object(ctx)
    if len(body) != 1:
        raise BadRequest("Malformed request body: one action at a time.")
    (name, arg), = body.items()
    handler = ACTIONS.get(name)
    if handler is None:
        raise BadRequest(f"There is no such action: {name[:64]}")
    v = volumes.get_visible(ctx.db, caller(ctx), ctx.params["volume_id"])
    return handler(ctx, v, arg)


ROUTES: list[Route] = [
    Route("POST", VOLUME + "/action", action, "volume:action", 202),
]
