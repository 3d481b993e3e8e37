"""The attachments API (3.27+; os-complete 3.44; mode 3.54), as cinder/api/v3/attachments.py:
create, list (summary and detail), show, update (a connector), complete, delete."""

from __future__ import annotations

from typing import Any

from cheptel.common import flag
from cheptel.errors import NotFound
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, caller, pick_action, version
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import attaching
from cheptel.web import Ctx, Reply, Route

ATTACHMENTS = P + "/attachments"
ATTACHMENT = ATTACHMENTS + "/{attachment_id}"


def _since(ctx: Ctx, at: str) -> None:
    """Cinder's answer to a method older microversions lack."""
    if not version(ctx).at_least(at):
        raise NotFound("The resource could not be found.")


def _detail(ctx: Ctx, att: VolumeAttachment) -> dict[str, Any]:
    v = ctx.db.get(Volume, att.volume_id)
    return views.attachment_detail(att, attaching.connection_info(ctx.deps, v, att))


def _kick(ctx: Ctx, volume_id: str, needed: bool) -> None:
    if needed:
        deps = ctx.deps
        ctx.after_commit.append(lambda: deps.reconciler.schedule("block-storage", volume_id))


def _items(ctx: Ctx) -> list[VolumeAttachment]:
    _since(ctx, "3.27")
    creds = caller(ctx)
    query = dict(ctx.query)
    if "all_tenants" in query and not (creds.is_admin and flag(query, "all_tenants")):
        query.pop("all_tenants")
    return attaching.listing(ctx.db, creds, query, version(ctx).at_least("3.31"))


def list_attachments(ctx: Ctx) -> dict[str, Any]:
    return {"attachments": [views.attachment_brief(a) for a in _items(ctx)]}


def list_detail(ctx: Ctx) -> dict[str, Any]:
    return {"attachments": [_detail(ctx, a) for a in _items(ctx)]}


def show(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.27")
    att = attaching.get(ctx.db, caller(ctx), ctx.params["attachment_id"])
    return {"attachment": _detail(ctx, att)}


def create(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.27")
    schema = (schemas.attachment_create_354 if version(ctx).at_least("3.54")
              else schemas.attachment_create)
    body = check(schema, ctx.body)["attachment"]
    att = attaching.create(ctx.db, caller(ctx), body, ctx.now)
    _kick(ctx, att.volume_id, att.status == "attaching" and att.server_id is not None)
    return {"attachment": _detail(ctx, att)}


def update(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.27")
    connector = check(schemas.attachment_update, ctx.body)["attachment"]["connector"]
    att = attaching.get(ctx.db, caller(ctx), ctx.params["attachment_id"])
    attaching.update(ctx.db, att, connector, ctx.now)
    _kick(ctx, att.volume_id, att.status == "attaching" and att.server_id is not None)
    return {"attachment": _detail(ctx, att)}


def action(ctx: Ctx) -> Reply:
    _since(ctx, "3.27")
    since, _ = pick_action(ctx, {"os-complete": "3.44"})  # the one action, and its version
    _since(ctx, since)
    att = attaching.get(ctx.db, caller(ctx), ctx.params["attachment_id"])
    _kick(ctx, att.volume_id, attaching.complete(ctx.db, att, ctx.now))
    return Reply(None, status=204)


def delete(ctx: Ctx) -> dict[str, Any]:
    _since(ctx, "3.27")
    att = attaching.get(ctx.db, caller(ctx), ctx.params["attachment_id"])
    volume_id = att.volume_id
    others, needed = attaching.delete(ctx.db, att, ctx.now)
    _kick(ctx, volume_id, needed)
    return {"attachments": [views.attachment_brief(a) for a in others]}


ROUTES: list[Route] = [
    Route("GET", ATTACHMENTS, list_attachments, "volume:attachment_get"),
    Route("GET", ATTACHMENTS + "/detail", list_detail, "volume:attachment_get"),
    Route("POST", ATTACHMENTS, create, "volume:attachment_create"),
    Route("GET", ATTACHMENT, show, "volume:attachment_get"),
    Route("PUT", ATTACHMENT, update, "volume:attachment_update"),
    Route("DELETE", ATTACHMENT, delete, "volume:attachment_delete"),
    Route("POST", ATTACHMENT + "/action", action, "volume:attachment_complete", 204),
]
