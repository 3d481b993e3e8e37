"""POST /volumes/{id}/action: one action per body, as Cinder's volume_actions and
admin_actions extensions dispatch them ({"os-extend": {"new_size": 2}})."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cheptel.validation import check
from cheptel.volume import schemas
from cheptel.volume.api import upload_image
from cheptel.volume.api.common import VOLUME, caller, pick_action
from cheptel.volume.models import Volume
from cheptel.volume.service import attaching, image_metadata, snapshots, volumes
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
    attaching.check_reset(ctx.db, v, body.get("status"))
    volumes.reset_status(ctx.db, v, body.get("status"), ctx.now)
    if body.get("attach_status") == "detached":  # Cinder then detaches every attachment
        _kick(ctx, v, attaching.detach_all(ctx.db, v, ctx.now))
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


# --- attaching (cinder/api/contrib/volume_actions.py, admin_actions.py os-force_detach) ---

ACTION_POLICY = "volume_extension:volume_actions:"


def _kick(ctx: Ctx, v: Volume, needed: bool) -> None:
    """After commit, the converger mounts or unmounts what the rows now say."""
    if needed:
        deps, vid = ctx.deps, v.id
        ctx.after_commit.append(lambda: deps.reconciler.schedule("block-storage", vid))


def _reserve(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    ctx.require(ACTION_POLICY + "reserve", {"project_id": v.project_id})
    attaching.reserve(ctx.db, v, ctx.now)
    return Reply(None, status=202)


def _unreserve(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    ctx.require(ACTION_POLICY + "unreserve", {"project_id": v.project_id})
    attaching.unreserve(ctx.db, v, ctx.now)
    return Reply(None, status=202)


def _begin_detaching(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    ctx.require(ACTION_POLICY + "begin_detaching", {"project_id": v.project_id})
    attaching.begin_detaching(ctx.db, v, ctx.now)
    return Reply(None, status=202)


def _roll_detaching(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    ctx.require(ACTION_POLICY + "roll_detaching", {"project_id": v.project_id})
    attaching.roll_detaching(ctx.db, v, ctx.now)
    return Reply(None, status=202)


def _attach(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.attach, arg)
    ctx.require(ACTION_POLICY + "attach", {"project_id": v.project_id})
    _kick(ctx, v, attaching.attach(ctx.db, v, body.get("instance_uuid"),
                                   body.get("host_name"), body["mountpoint"],
                                   body.get("mode", "rw"), ctx.now))
    return Reply(None, status=202)


def _detach(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.detach, arg) or {}
    ctx.require(ACTION_POLICY + "detach", {"project_id": v.project_id})
    _kick(ctx, v, attaching.detach(ctx.db, v, body.get("attachment_id"), ctx.now))
    return Reply(None, status=202)


def _initialize_connection(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.initialize_connection, arg)
    ctx.require(ACTION_POLICY + "initialize_connection", {"project_id": v.project_id})
    info = attaching.initialize_connection(ctx.deps, v, body["connector"])
    return Reply({"connection_info": info}, status=200)


def _terminate_connection(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    check(schemas.terminate_connection, arg)
    ctx.require(ACTION_POLICY + "terminate_connection", {"project_id": v.project_id})
    attaching.terminate_connection(ctx.db, v, ctx.now)
    return Reply(None, status=202)


def _force_detach(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.force_detach, arg)
    ctx.require("volume_extension:volume_admin_actions:force_detach",
                {"project_id": v.project_id})
    _kick(ctx, v, attaching.force_detach(ctx.db, v, body.get("attachment_id"), ctx.now))
    return Reply(None, status=202)


# --- image metadata (cinder/api/contrib/volume_image_metadata.py) ------------------------
# (the route's policy is a member's: a reader's os-show_image_metadata, which Cinder
# lets through, is refused here with the other actions)

IMAGE_POLICY = "volume_extension:volume_image_metadata:"


def _set_image_metadata(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.set_image_metadata, arg)
    ctx.require(IMAGE_POLICY + "set", {"project_id": v.project_id})
    return Reply({"metadata": image_metadata.set_items(ctx.db, v, body["metadata"],
                                                       ctx.now)}, status=200)


def _unset_image_metadata(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    body = check(schemas.unset_image_metadata, arg)
    ctx.require(IMAGE_POLICY + "remove", {"project_id": v.project_id})
    image_metadata.unset(ctx.db, v, body["key"], ctx.now)
    return Reply(None, status=200)


def _show_image_metadata(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    ctx.require(IMAGE_POLICY + "show", {"project_id": v.project_id})
    return Reply({"metadata": image_metadata.show(v)}, status=200)


ACTIONS: dict[str, Callable[[Ctx, Volume, Any], Reply]] = {
    "os-extend": _extend,
    "os-reset_status": _reset_status,
    "os-force_delete": _force_delete,
    "os-retype": _retype,
    "os-set_bootable": _set_bootable,
    "os-update_readonly_flag": _readonly,
    "os-reserve": _reserve,
    "os-unreserve": _unreserve,
    "os-begin_detaching": _begin_detaching,
    "os-roll_detaching": _roll_detaching,
    "os-attach": _attach,
    "os-detach": _detach,
    "os-initialize_connection": _initialize_connection,
    "os-terminate_connection": _terminate_connection,
    "os-force_detach": _force_detach,
    "os-volume_upload_image": upload_image.upload_image,
    "os-set_image_metadata": _set_image_metadata,
    "os-unset_image_metadata": _unset_image_metadata,
    "os-show_image_metadata": _show_image_metadata,
}


def action(ctx: Ctx) -> Reply:
    handler, arg = pick_action(ctx, ACTIONS)
    v = volumes.get_visible(ctx.db, caller(ctx), ctx.params["volume_id"])
    return handler(ctx, v, arg)


ROUTES: list[Route] = [
    Route("POST", VOLUME + "/action", action, "volume:action", 202),
]
