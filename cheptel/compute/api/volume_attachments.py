"""os-volume_attachments: volumes given to a server (nova/api/openstack/compute/
volume_attachments.py). Attaching answers 200 with the mapping while the host mounts the
volume; detaching answers 202 while it unmounts (the volume converger,
cheptel.reconciler.volumes, does both)."""

from __future__ import annotations

from typing import Any

from cheptel.compute import schemas, views_volumes
from cheptel.compute.api.params import caller, check_query, flag, offset_limit, version
from cheptel.compute.api.servers import ONE, _server, request_id
from cheptel.compute.service import volume_attachments as service
from cheptel.validation import check
from cheptel.web import Ctx, Route

ATTACHMENTS = ONE + "/os-volume_attachments"
ATTACHMENT = ATTACHMENTS + "/{volume_id}"
POLICY = "compute:servers:volume_attachments"


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else flag(str(value), "delete_on_termination")


def _kick(ctx: Ctx, volume_id: str) -> None:
    ctx.after_commit.append(
        lambda: ctx.deps.reconciler.schedule("block-storage", volume_id))


def index(ctx: Ctx) -> dict:
    v = version(ctx)
    check_query(ctx, schemas.volume_attachments_query_v275 if v.at_least("2.75")
                else schemas.volume_attachments_query)
    server = _server(ctx)
    offset, limit = offset_limit(ctx)
    rows = service.limited(server, service.of_server(ctx.db, server), offset, limit)
    return {"volumeAttachments": [views_volumes.attachment(a, v) for a in rows]}


def show(ctx: Ctx) -> dict:
    server = _server(ctx)
    att = service.find(ctx.db, server, ctx.params["volume_id"], ctx.params["server_id"])
    return {"volumeAttachment": views_volumes.attachment(att, version(ctx))}


def attach(ctx: Ctx) -> dict:
    v = version(ctx)
    schema = (schemas.volume_attach_v279 if v.at_least("2.79")
              else schemas.volume_attach_v249 if v.at_least("2.49")
              else schemas.volume_attach)
    body = check(schema, ctx.body)["volumeAttachment"]
    server = _server(ctx)
    att = service.attach(ctx.db, caller(ctx), server, body["volumeId"], ctx.now,
                         request_id(ctx), device=body.get("device"), tag=body.get("tag"),
                         delete_on_termination=_bool(body.get("delete_on_termination",
                                                              False)))
    _kick(ctx, att.volume_id)
    return {"volumeAttachment": views_volumes.attached(att, ctx.params["server_id"], v)}


def update(ctx: Ctx) -> None:
    """Before 2.85 a PUT is a swap (Cinder's, during a volume migration); from 2.85 it
    may change delete_on_termination, and swaps when it names another volume. A swap is
    checked against the swap policy only (the service's or an admin's), as Nova does."""
    v = version(ctx)
    only_swap = not v.at_least("2.85")
    body = check(schemas.volume_update if only_swap else schemas.volume_update_v285,
                 ctx.body)["volumeAttachment"]
    server = _server(ctx)
    volume_id = ctx.params["volume_id"]
    swapping = only_swap or body["volumeId"] != volume_id
    if swapping:
        ctx.require(f"{POLICY}:swap", {})
        ctx.enforced = True  # the swap policy stands in for the route's (Nova's update)
    else:
        ctx.enforce({"project_id": server.project_id})
    if not only_swap:
        dot = body.get("delete_on_termination")
        service.update(ctx.db, server, volume_id, body, None if dot is None else _bool(dot))
    if swapping:
        service.swap(ctx.db, caller(ctx), volume_id)


def detach(ctx: Ctx) -> None:
    server = _server(ctx)
    att = service.detach(ctx.db, caller(ctx), server, ctx.params["volume_id"], ctx.now,
                         request_id(ctx), ctx.params["server_id"])
    _kick(ctx, att.volume_id)


ROUTES = [
    Route("GET", ATTACHMENTS, index, f"{POLICY}:index"),
    Route("POST", ATTACHMENTS, attach, f"{POLICY}:create"),
    Route("GET", ATTACHMENT, show, f"{POLICY}:show"),
    Route("PUT", ATTACHMENT, update, f"{POLICY}:update", 202, deferred=True),
    Route("DELETE", ATTACHMENT, detach, f"{POLICY}:delete", 202),
]
