"""os-snapshots (a proxy API, gone from 2.36): Cinder's snapshots in Nova's old words
(nova/api/openstack/compute/snapshots.py). As os-volumes, the block storage service's own
functions are called: its checks, quotas and storage step after the commit are the same."""

from __future__ import annotations

from cheptel.compute import schemas, views_volumes
from cheptel.compute.api.params import caller, check_query, offset_limit
from cheptel.compute.api.volumes import _cinder_refused, _proxy
from cheptel.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge
from cheptel.validation import check
from cheptel.volume.service import snapshots, volumes
from cheptel.web import Ctx, Route

SNAPSHOTS = "/v2.1/os-snapshots"
POLICY = "compute:os-volumes:snapshots"


def _listing(ctx: Ctx) -> dict:
    _proxy(ctx)
    check_query(ctx, schemas.volumes_query)
    offset, limit = offset_limit(ctx)
    found = snapshots.list_snapshots(ctx.db, caller(ctx), {}, False).snapshots
    return {"snapshots": [views_volumes.proxied_snapshot(s)
                          for s in found[offset:offset + limit]]}


def create(ctx: Ctx) -> dict:
    _proxy(ctx)
    body = check(schemas.snapshots_create, ctx.body)["snapshot"]
    creds = caller(ctx)
    try:
        volume = volumes.get_visible(ctx.db, creds, body["volume_id"])
    except NotFound:  # Nova relays Cinder's 404 as a 400 here (expected errors 400, 403)
        raise _cinder_refused(f"Volume {body['volume_id']} could not be found.") from None
    force = volumes.as_bool(body.get("force", False))
    try:
        s = snapshots.create(ctx.db, creds, volume, {
            k: body[k] for k in ("display_name", "display_description") if k in body},
            force, ctx.now)
    except PayloadTooLarge as exc:  # Cinder's 413 over quota is Nova's 403
        raise Forbidden(exc.message) from None
    except BadRequest as exc:
        raise _cinder_refused(exc.message) from None
    deps, sid = ctx.deps, s.id
    ctx.after_commit.append(lambda: snapshots.materialize(deps, sid))
    return {"snapshot": views_volumes.proxied_snapshot(s)}


def show(ctx: Ctx) -> dict:
    _proxy(ctx)
    return {"snapshot": views_volumes.proxied_snapshot(
        snapshots.get_visible(ctx.db, caller(ctx), ctx.params["snapshot_id"]))}


def delete(ctx: Ctx) -> None:
    _proxy(ctx)
    s = snapshots.get_visible(ctx.db, caller(ctx), ctx.params["snapshot_id"])
    try:
        snapshots.mark_deleting(ctx.db, s, ctx.now)
    except BadRequest as exc:
        raise _cinder_refused(exc.message) from None
    deps, sid = ctx.deps, s.id
    ctx.after_commit.append(lambda: snapshots.finish_delete(deps, sid))


ROUTES = [
    Route("GET", SNAPSHOTS, _listing, f"{POLICY}:list"),
    Route("POST", SNAPSHOTS, create, f"{POLICY}:create"),
    Route("GET", SNAPSHOTS + "/detail", _listing, f"{POLICY}:detail"),
    Route("GET", SNAPSHOTS + "/{snapshot_id}", show, f"{POLICY}:show"),
    Route("DELETE", SNAPSHOTS + "/{snapshot_id}", delete, f"{POLICY}:delete", 202),
]
