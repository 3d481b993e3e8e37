"""Large objects' segments, found with the caller's own rights (no ACL is inherited from
the manifest): reading a DLO or SLO, writing and deleting an SLO manifest."""

from __future__ import annotations

import json
from pathlib import Path

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.objectstore.api.common import container_for, files, remove_after_commit
from cheptel.objectstore.errors import Unprocessable
from cheptel.objectstore.models import SwiftContainer, SwiftObject
from cheptel.objectstore.schemas import delete_at
from cheptel.objectstore.service import large, listing, objects
from cheptel.objectstore.service import meta as metamod
from cheptel.objectstore.service.objects import Written
from cheptel.spool import Spooled, spool_chunks
from cheptel.web import Ctx

Pieces = list[tuple[Path, int]]


def of_dlo(ctx: Ctx, row: SwiftObject) -> tuple[Pieces, str]:
    """The segments of a DLO (objects under its prefix, in name order) and its ETag."""
    cname, prefix = large.dlo_source(str(row.headers[large.DLO_HEADER]))
    container = container_for(ctx, acl="read", name=cname)
    found = objects.list_objects(ctx.db, container, listing.Query(prefix=prefix), ctx.now)
    rows = [r for r in found if isinstance(r, SwiftObject)]
    store = files(ctx)
    return ([(store.path(r.file_id), r.size) for r in rows],
            large.large_etag([r.etag for r in rows]))


def _segment(ctx: Ctx, cname: str, name: str) -> SwiftObject:
    container = container_for(ctx, acl="read", name=cname)
    return objects.get(ctx.db, container, name, ctx.now)


def of_slo(ctx: Ctx, row: SwiftObject) -> Pieces:
    """An SLO's segments as its manifest names them; one changed since is Swift's 409."""
    store = files(ctx)
    pieces: Pieces = []
    for entry in large.read_manifest(store.path(row.file_id)):
        cname, name = large.split_path(str(entry.get("name", "")))
        try:
            seg = _segment(ctx, cname, name)
        except NotFound:
            raise Conflict(f"Could not load segment /{cname}/{name}") from None
        if seg.etag.strip('"') != entry.get("hash") or seg.size != entry.get("bytes"):
            raise Conflict(f"Segment /{cname}/{name} changed since the manifest was put")
        if large.is_slo(seg):
            pieces += of_slo(ctx, seg)
        else:
            pieces.append((store.path(seg.file_id), seg.size))
    return pieces


def put_slo(ctx: Ctx, container: SwiftContainer, name: str, body: Spooled,
            headers: dict[str, str]) -> Written:
    """`PUT ?multipart-manifest=put`: every segment must exist (and match the ETag and
    size given); the manifest is stored, the object's size and ETag are the whole's."""
    wanted = large.parse_put(body.path, body.size)
    found: list[tuple[str, str, SwiftObject]] = []
    errors = []
    for w in wanted:
        try:
            seg = _segment(ctx, w.container, w.name)
        except NotFound:
            errors.append(f"/{w.container}/{w.name}, 404 Not Found")
            continue
        if w.etag is not None and w.etag != seg.etag.strip('"'):
            errors.append(f"/{w.container}/{w.name}, Etag Mismatch")
        if w.size is not None and w.size != seg.size:
            errors.append(f"/{w.container}/{w.name}, Size Mismatch")
        found.append((w.container, w.name, seg))
    if errors:
        raise BadRequest("Errors:\n" + "\n".join(errors))
    etag = large.large_etag([r.etag for _, _, r in found])
    given = headers.get("etag")
    if given is not None and given.strip('"') != etag:
        raise Unprocessable()
    manifest = large.stored_manifest(found)
    store = files(ctx)
    spooled = spool_chunks([manifest], store.spool, len(manifest))
    file_id = store.place(spooled.path)
    kept = metamod.object_kept(headers)
    kept[large.SLO_HEADER] = "True"
    try:
        written = objects.write(
            ctx.db, container, name, file_id, sum(r.size for _, _, r in found), f'"{etag}"',
            objects.content_type(name, headers), metamod.replaced(headers), kept,
            delete_at(headers, ctx.now), ctx.now)
    except BaseException:
        store.remove([file_id])
        raise
    remove_after_commit(ctx, [written.replaced_file])
    return written


def delete_slo(ctx: Ctx, container: SwiftContainer, row: SwiftObject) -> dict[str, object]:
    """`DELETE ?multipart-manifest=delete`: the segments (with the caller's write rights)
    then the manifest; -> Swift's bulk-delete summary."""
    deleted, missing = 0, 0
    errors: list[list[str]] = []
    gone: list[str | None] = []
    if large.is_slo(row):
        for entry in large.read_manifest(files(ctx).path(row.file_id)):
            cname, name = large.split_path(str(entry.get("name", "")))
            try:
                seg_c = container_for(ctx, acl="write", name=cname)
            except NotFound:
                missing += 1
                continue
            seg = objects.find(ctx.db, seg_c, name, ctx.now)
            if seg is None:
                missing += 1
                continue
            gone.append(objects.delete(ctx.db, seg))
            deleted += 1
    gone.append(objects.delete(ctx.db, row))
    deleted += 1
    remove_after_commit(ctx, gone)
    return {"Number Deleted": deleted, "Number Not Found": missing, "Response Body": "",
            "Response Status": "200 OK", "Errors": errors}


def summary(doc: dict[str, object], accept: str | None) -> tuple[bytes, str]:
    if accept and "json" in accept:
        return json.dumps(doc).encode(), "application/json; charset=utf-8"
    text = "".join(f"{k}: {v}\n" for k, v in doc.items() if k != "Errors")
    return (text + "Errors:\n").encode(), "text/plain; charset=utf-8"


def flattened(ctx: Ctx, row: SwiftObject) -> Spooled | None:
    """A large object's whole data spooled to one file (a COPY of it copies the data, as
    Swift does), or None for a plain object."""
    if large.is_slo(row):
        pieces = of_slo(ctx, row)
    elif large.is_dlo(row):
        pieces, _ = of_dlo(ctx, row)
    else:
        return None
    total = sum(n for _, n in pieces)
    return spool_chunks(large.concatenate(pieces, 0, total), files(ctx).spool, total)
