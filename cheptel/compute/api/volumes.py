"""os-volumes (a proxy API, gone from 2.36): Cinder's volumes in Nova's old words
(nova/api/openstack/compute/volumes.py). Nova asks Cinder with the caller's token; here
the block storage service's own functions are called, so its checks (types, quotas,
sources, statuses) and its storage step after the commit are the same."""

from __future__ import annotations

import uuid

from cheptel.compute import schemas, views_volumes
from cheptel.compute.api.floating_ip_pools import MAX_PROXY
from cheptel.compute.api.params import caller, check_query, offset_limit, version
from cheptel.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge
from cheptel.validation import check
from cheptel.volume import schemas as volume_schemas
from cheptel.volume.models import Volume
from cheptel.volume.service import attachments, listing, volumes
from cheptel.web import Ctx, Reply, Route

VOLUMES = "/v2.1/os-volumes"
POLICY = "compute:os-volumes"


def _proxy(ctx: Ctx) -> None:
    if version(ctx).at_least(MAX_PROXY):
        raise NotFound("The resource could not be found.")


def _render(ctx: Ctx, v: Volume, attached: list | None = None) -> dict:
    vt = volumes.volume_type(ctx.db, v)
    if attached is None:
        attached = attachments.of_volume(ctx.db, v.id)
    return views_volumes.proxied_volume(v, vt.name if vt else None, attached)


def _listing(ctx: Ctx) -> dict:
    _proxy(ctx)
    check_query(ctx, schemas.volumes_query)
    offset, limit = offset_limit(ctx)
    # Cinder's list as Nova asks for it: the project's, newest first; then Nova's paging
    found = listing.list_volumes(ctx.db, caller(ctx), {}, False, None).volumes
    page = found[offset:offset + limit]
    rows = attachments.of_volumes(ctx.db, [v.id for v in page])
    return {"volumes": [_render(ctx, v, rows[v.id]) for v in page]}


def _cinder_refused(message: str) -> BadRequest:
    return BadRequest(f"Invalid input received: {message} (HTTP 400) "
                      f"(Request-ID: req-{uuid.uuid4()})")


def create(ctx: Ctx) -> Reply:
    _proxy(ctx)
    body = check(schemas.volumes_create, ctx.body)["volume"]
    wanted = {"size": body["size"], **{k: body[k] for k in (
        "display_name", "display_description", "volume_type", "metadata",
        "availability_zone", "snapshot_id") if k in body}}
    try:
        check(volume_schemas.create, {"volume": wanted})
        v = volumes.create(ctx.db, caller(ctx), wanted, ctx.now)
    except PayloadTooLarge as exc:  # Cinder's 413 over quota is Nova's 403
        raise Forbidden(exc.message) from None
    except BadRequest as exc:
        raise _cinder_refused(exc.message) from None
    deps, vid = ctx.deps, v.id
    ctx.after_commit.append(lambda: volumes.materialize(deps, vid))
    return Reply({"volume": _render(ctx, v, [])},
                 headers={"Location": f"{ctx.base_url}/compute{VOLUMES}/{vid}"})


def show(ctx: Ctx) -> dict:
    _proxy(ctx)
    return {"volume": _render(ctx, volumes.get_visible(ctx.db, caller(ctx),
                                                       ctx.params["volume_id"]))}


def delete(ctx: Ctx) -> None:
    _proxy(ctx)
    v = volumes.get_visible(ctx.db, caller(ctx), ctx.params["volume_id"])
    try:
        volumes.mark_deleting(ctx.db, v, ctx.now)
    except BadRequest as exc:
        raise _cinder_refused(exc.message) from None
    deps, vid = ctx.deps, v.id
    ctx.after_commit.append(lambda: volumes.finish_delete(deps, vid))


def no_id(ctx: Ctx) -> None:
    """`/os-volumes/` with an empty id: Nova routes it nowhere (404, not the list, not a
    405)."""
    raise NotFound("The resource could not be found.")


ROUTES = [
    Route("GET", VOLUMES, _listing, f"{POLICY}:list"),
    Route("POST", VOLUMES, create, f"{POLICY}:create"),
    Route("GET", VOLUMES + "/detail", _listing, f"{POLICY}:detail"),
    # any reader gets the 404 an unrouted path gives (a delete too: no policy is reached)
    Route("GET", VOLUMES + "/", no_id, f"{POLICY}:show"),
    Route("DELETE", VOLUMES + "/", no_id, f"{POLICY}:show"),
    Route("GET", VOLUMES + "/{volume_id}", show, f"{POLICY}:show"),
    Route("DELETE", VOLUMES + "/{volume_id}", delete, f"{POLICY}:delete", 202),
]
