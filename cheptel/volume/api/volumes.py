"""Volumes: list, detail, create, show, update, delete, metadata."""

from __future__ import annotations

from functools import partial
from typing import Any

from cheptel.common import flag
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import VOLUME, VOLUMES, base, caller, version
from cheptel.volume.microversion import Version
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import (
    attachments,
    groups,
    listing,
    messages,
    metadata,
    scheduler,
    snapshots,
    types,
    volumes,
)
from cheptel.web import Ctx, Reply, Route


def _render(ctx: Ctx, v: Volume, extended: bool = True, cap: Version | None = None,
            attached: list[VolumeAttachment] | None = None) -> dict[str, Any]:
    creds = caller(ctx)
    at = version(ctx) if cap is None else min(version(ctx), cap)
    if attached is None:
        attached = attachments.of_volume(ctx.db, v.id)
    return views.volume(base(ctx), v, volumes.volume_type(ctx.db, v), at, creds.is_admin,
                        extended, attached)


def _page(ctx: Ctx) -> listing.Page:
    creds = caller(ctx)
    query = dict(ctx.query)
    all_tenants = "all_tenants" in query and flag(query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    type_ids = None
    if query.get("volume_type"):
        try:
            type_ids = {types.by_name_or_id(ctx.db, creds, query["volume_type"]).id}
        except NotFound:  # an unknown type matches nothing (Cinder's filter)
            type_ids = set()
    return listing.list_volumes(ctx.db, creds, query, all_tenants, type_ids)


def _listing(ctx: Ctx, docs: list[dict[str, Any]], page: listing.Page,
             kind: str = "volumes") -> dict[str, Any]:
    out: dict[str, Any] = {"volumes": docs}
    if page.more and page.volumes:
        out["volumes_links"] = views.next_link(base(ctx), kind, ctx.query,
                                               page.volumes[-1].id)
    if version(ctx).at_least("3.45") and flag(ctx.query, "with_count"):
        out["count"] = page.count
    return out


def list_volumes(ctx: Ctx) -> dict[str, Any]:
    page = _page(ctx)
    return _listing(ctx, [views.volume_summary(base(ctx), v) for v in page.volumes], page)


def list_detail(ctx: Ctx) -> dict[str, Any]:
    page = _page(ctx)
    found = attachments.of_volumes(ctx.db, [v.id for v in page.volumes])
    return _listing(ctx, [_render(ctx, v, attached=found[v.id]) for v in page.volumes], page,
                    "volumes/detail")


def show_summary(ctx: Ctx) -> dict[str, Any]:
    creds = caller(ctx)
    if not version(ctx).at_least("3.12"):  # before 3.12 "summary" is read as an id
        raise NotFound("Volume summary could not be found.")
    all_tenants = "all_tenants" in ctx.query and flag(ctx.query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    count, size, meta = listing.summary(ctx.db, creds, all_tenants)
    doc: dict[str, Any] = {"total_size": size, "total_count": count}
    if version(ctx).at_least("3.36"):
        doc["metadata"] = meta
    return {"volume-summary": doc}


def no_id(ctx: Ctx) -> None:
    """`/volumes/` with an empty id: Cinder's 404 (not the list, not a 405)."""
    caller(ctx)
    raise NotFound("Volume  could not be found.")


def create(ctx: Ctx) -> Reply:
    body = check(schemas.create, ctx.body)["volume"]
    group = None
    if body.get("group_id") and version(ctx).at_least("3.13"):  # ignored before
        group = groups.get_visible(ctx.db, caller(ctx), body["group_id"])
        groups.check_new_volume(ctx.db, caller(ctx), group, body.get("volume_type"))
    v = volumes.create(ctx.db, caller(ctx), body, ctx.now)
    if group is not None:
        v.group_id = group.id
    deps, vid = ctx.deps, v.id
    if not scheduler.passes(ctx.db, deps, volumes.volume_type(ctx.db, v)):
        rid = messages.new_request_id()  # its user message names this request
        ctx.headers_out["x-openstack-request-id"] = rid
        ctx.after_commit.append(lambda: scheduler.no_valid_backend(deps, vid, rid))
    elif volumes.copies_image(v):  # the volume converger copies the image (from_image)
        ctx.after_commit.append(lambda: deps.reconciler.schedule("block-storage", vid))
    else:
        ctx.after_commit.append(lambda: volumes.materialize(deps, vid))
    return Reply({"volume": _render(ctx, v, extended=False)}, status=202)


def _volume(ctx: Ctx) -> Volume:
    return volumes.get_visible(ctx.db, caller(ctx), ctx.params["volume_id"])


def show(ctx: Ctx) -> dict[str, Any]:
    return {"volume": _render(ctx, _volume(ctx))}


def update(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.update, ctx.body)["volume"]
    v = volumes.update(ctx.db, _volume(ctx), body, ctx.now)
    # Cinder's update answer keeps the 3.60 fields (Tempest's update_volume schema
    # has none of the later ones at any microversion)
    return {"volume": _render(ctx, v, extended=False, cap=Version(3, 60))}


def delete(ctx: Ctx) -> None:
    v = _volume(ctx)
    # refused while it has snapshots, unless ?cascade=true (which deletes them first)
    snaps = snapshots.before_volume_delete(ctx.db, caller(ctx), v,
                                           flag(ctx.query, "cascade"), False, ctx.now)
    volumes.mark_deleting(ctx.db, v, ctx.now)
    deps, vid = ctx.deps, v.id
    for sid in snaps:
        ctx.after_commit.append(partial(snapshots.finish_delete, deps, sid))
    ctx.after_commit.append(lambda: volumes.finish_delete(deps, vid))


# --- metadata ---------------------------------------------------------------------

def get_metadata(ctx: Ctx) -> dict[str, Any]:
    return {"metadata": views.metadata(_volume(ctx))}


def _set_metadata(ctx: Ctx, replace: bool) -> dict[str, Any]:
    meta = check(schemas.metadata, ctx.body)["metadata"]
    v = _volume(ctx)
    metadata.set_items(ctx.db, v, meta, replace, ctx.now)
    return {"metadata": views.metadata(v)}


def create_metadata(ctx: Ctx) -> dict[str, Any]:
    return _set_metadata(ctx, replace=False)


def replace_metadata(ctx: Ctx) -> dict[str, Any]:
    return _set_metadata(ctx, replace=True)


def get_metadata_key(ctx: Ctx) -> dict[str, Any]:
    v, key = _volume(ctx), ctx.params["key"]
    meta = views.metadata(v)
    if key not in meta:
        raise NotFound(f"Volume {v.id} has no metadata with key {key}.")
    return {"meta": {key: meta[key]}}


def set_metadata_key(ctx: Ctx) -> dict[str, Any]:
    meta = check(schemas.meta_item, ctx.body)["meta"]
    key = ctx.params["key"]
    if len(meta) > 1:
        raise BadRequest("Request body contains too many items.")
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    v = _volume(ctx)
    metadata.set_items(ctx.db, v, meta, False, ctx.now)
    return {"meta": meta}


def delete_metadata_key(ctx: Ctx) -> None:
    metadata.delete_item(ctx.db, _volume(ctx), "Volume", ctx.params["key"], ctx.now)


META = VOLUME + "/metadata"

ROUTES: list[Route] = [
    Route("GET", VOLUMES, list_volumes, "volume:get_all"),
    Route("GET", VOLUMES + "/detail", list_detail, "volume:get_all"),
    Route("POST", VOLUMES, create, "volume:create", 202),
    Route("GET", VOLUMES + "/summary", show_summary, "volume:get_all"),
    Route("GET", VOLUMES + "/", no_id, "volume:get"),
    Route("PUT", VOLUMES + "/", no_id, "volume:update"),
    Route("DELETE", VOLUMES + "/", no_id, "volume:delete"),
    Route("GET", VOLUME, show, "volume:get"),
    Route("PUT", VOLUME, update, "volume:update"),
    Route("DELETE", VOLUME, delete, "volume:delete", 202),
    Route("GET", META, get_metadata, "volume:get_volume_metadata"),
    Route("POST", META, create_metadata, "volume:update_volume_metadata"),
    Route("PUT", META, replace_metadata, "volume:update_volume_metadata"),
    Route("GET", META + "/{key}", get_metadata_key, "volume:get_volume_metadata"),
    Route("PUT", META + "/{key}", set_metadata_key, "volume:update_volume_metadata"),
    Route("DELETE", META + "/{key}", delete_metadata_key, "volume:delete_volume_metadata"),
]
