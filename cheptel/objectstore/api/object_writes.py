"""PUT (streamed to a spool file, renamed into place), X-Copy-From and COPY, POST
(metadata), DELETE. The owner writes; so does anyone the container's write ACL names."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from cheptel.config import Settings
from cheptel.errors import BadRequest
from cheptel.objectstore.api import extract, object_reads, segments, symlinks
from cheptel.objectstore.api.common import container_for, done, files, headers, remove_after_commit
from cheptel.objectstore.errors import PreconditionFailed
from cheptel.objectstore.schemas import MAX_FILE_SIZE, check_length, check_object_name, delete_at
from cheptel.objectstore.service import meta as metamod
from cheptel.objectstore.service import objects, quotas, versioning
from cheptel.objectstore.service.objects import Written
from cheptel.objectstore.views import http_date
from cheptel.web import Ctx, Reply, Stream


def upload_cap(settings: Settings) -> int:
    return MAX_FILE_SIZE


def _created(w: Written, extra: dict[str, str] | None = None) -> Reply:
    return done(201, {"ETag": w.row.etag, "Last-Modified": http_date(w.row.updated_at),
                      **(extra or {})})


def begin_put(ctx: Ctx) -> None:
    """Before any byte: the right to write, the names, the headers, If-None-Match."""
    if "extract-archive" in ctx.query:
        container_for(ctx, acl=None)
        return
    name = ctx.params["object"]
    check_object_name(name)
    h = headers(ctx)
    copy_from = h.get("x-copy-from")
    if copy_from is None:
        check_length(h)
    elif h.get("content-length", "0") != "0":
        raise BadRequest("Copy requests require a zero byte body")
    delete_at(h, ctx.now)
    container = container_for(ctx, acl="write")
    existing = objects.find(ctx.db, container, name, ctx.now)
    announced = h.get("content-length")
    if copy_from is None and announced is not None and announced.isdigit():
        quotas.check_upload(ctx.db, container, int(announced), ctx.now,
                            existing.size if existing else 0, existing is None)
    none = h.get("if-none-match")
    if none is not None:
        if none.strip() != "*":
            raise BadRequest("If-None-Match only supports *")
        if existing is not None:
            raise PreconditionFailed()


def put(ctx: Ctx) -> Reply:
    if "extract-archive" in ctx.query:  # into the container, under the object's prefix
        container = container_for(ctx, acl=None)
        prefix = ctx.params["object"].rstrip("/") + "/"
        return extract.extract(ctx, container.name, prefix)
    begin_put(ctx)
    h = headers(ctx)
    container = container_for(ctx, acl="write")
    name = ctx.params["object"]
    if "x-copy-from" in h:
        src_container, src_name = objects.split_source(h["x-copy-from"])
        return _copy(ctx, src_container, src_name, container.name, name, h)
    if ctx.query.get("multipart-manifest") == "put":
        return _created(segments.put_slo(ctx, container, name, ctx.body, h))
    existing = objects.find(ctx.db, container, name, ctx.now)
    quotas.check_upload(ctx.db, container, ctx.body.size, ctx.now,
                        existing.size if existing else 0, existing is None)
    if existing is not None:
        remove_after_commit(ctx, list(versioning.archive(ctx.db, files(ctx), container,
                                                         existing, ctx.now)))
    if symlinks.TARGET in h:
        h = symlinks.prepare(ctx, h, ctx.body.size)
    written = objects.put(ctx.db, files(ctx), container, name, ctx.body, h, ctx.now)
    remove_after_commit(ctx, [written.replaced_file])
    return _created(written)


def _copy(ctx: Ctx, src_container: str, src_name: str, dst_container: str, dst_name: str,
          h: dict[str, str]) -> Reply:
    source_c = container_for(ctx, acl="read", name=src_container)
    source = objects.get(ctx.db, source_c, src_name, ctx.now)
    if symlinks.is_link(source) and ctx.query.get("symlink") != "get":
        source, _ = symlinks.follow(ctx, source)  # a copy of a link copies its target
    target = container_for(ctx, acl="write", name=dst_container)
    check_object_name(dst_name)
    existing = objects.find(ctx.db, target, dst_name, ctx.now)
    quotas.check_upload(ctx.db, target, source.size, ctx.now,
                        existing.size if existing else 0, existing is None)
    if existing is not None:
        remove_after_commit(ctx, list(versioning.archive(ctx.db, files(ctx), target,
                                                         existing, ctx.now)))
    data = None
    if ctx.query.get("multipart-manifest") != "get":
        data = segments.flattened(ctx, source)
    try:
        written = objects.copy(ctx.db, files(ctx), source, target, dst_name, h, ctx.now, data)
    finally:
        if data is not None:
            data.discard()
    remove_after_commit(ctx, [written.replaced_file])
    return _created(written, {
        **metamod.render(written.row.meta, "Object"),
        "X-Copied-From": quote(f"{src_container}/{src_name}"),
        "X-Copied-From-Account": quote(ctx.params["account"]),
        "X-Copied-From-Last-Modified": http_date(source.updated_at)})


def copy(ctx: Ctx) -> Reply:
    """COPY with `Destination: container/object`."""
    h = headers(ctx)
    destination = h.get("destination")
    if destination is None:
        raise PreconditionFailed("Destination header required")
    dst_container, dst_name = objects.split_source(destination)
    return _copy(ctx, ctx.params["container"], ctx.params["object"], dst_container,
                 dst_name, h)


def begin_post(ctx: Ctx) -> None:
    container = container_for(ctx, acl="write")
    objects.get(ctx.db, container, ctx.params["object"], ctx.now)
    delete_at(headers(ctx), ctx.now)


def update(ctx: Ctx) -> Reply:
    if symlinks.TARGET in ctx.request.headers:
        raise BadRequest("A PUT request is required to set a symlink target")
    container = container_for(ctx, acl="write")
    row = objects.get(ctx.db, container, ctx.params["object"], ctx.now)
    objects.post(ctx.db, row, headers(ctx), ctx.now)
    return done(202)


def delete(ctx: Ctx) -> Reply:
    container = container_for(ctx, acl="write")
    row = objects.get(ctx.db, container, ctx.params["object"], ctx.now)
    if ctx.query.get("multipart-manifest") == "delete":
        body, media = segments.summary(segments.delete_slo(ctx, container, row),
                                       ctx.header("accept"))
        return Reply(Response(body, status_code=200, media_type=media))
    remove_after_commit(ctx, list(versioning.delete(ctx.db, files(ctx), container, row,
                                                    ctx.now)))
    return done(204)


def get(ctx: Ctx) -> Response:
    return object_reads.show(ctx)


def _nothing(ctx: Ctx) -> None:
    """Nothing to undo: no row changes before the data is in place."""


UPLOAD = Stream(cap=upload_cap, begin=begin_put, abort=_nothing)
