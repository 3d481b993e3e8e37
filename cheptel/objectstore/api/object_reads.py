"""GET/HEAD of an object: conditional requests, ranges (one: 206 with Content-Range;
several: multipart/byteranges), streamed from the file opened inside the transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from cheptel.errors import NotFound
from cheptel.objectstore.api import ranges, segments, symlinks
from cheptel.objectstore.api.common import container_for, files, signed_by_temp_url
from cheptel.objectstore.errors import PreconditionFailed
from cheptel.objectstore.models import SwiftObject
from cheptel.objectstore.service import large, objects
from cheptel.objectstore.views import object_headers
from cheptel.web import Ctx


def _etags(value: str) -> list[str]:
    return [v.strip().strip('"') for v in value.split(",") if v.strip()]


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def check_conditions(ctx: Ctx, row: SwiftObject) -> Response | None:
    """If-Match, If-None-Match, If-(Un)Modified-Since: 412, or a 304 to answer."""
    etag = row.etag.strip('"')
    match = ctx.header("if-match")
    if match is not None and "*" not in _etags(match) and etag not in _etags(match):
        raise PreconditionFailed()
    none = ctx.header("if-none-match")
    if none is not None and ("*" in _etags(none) or etag in _etags(none)):
        return Response(status_code=304, headers={"ETag": row.etag})
    modified = int(row.updated_at) + (0 if row.updated_at.is_integer() else 1)
    since = _date(ctx.header("if-unmodified-since"))
    if since is not None and modified > since:
        raise PreconditionFailed()
    since = _date(ctx.header("if-modified-since"))
    if none is None and since is not None and modified <= since:
        return Response(status_code=304, headers={"ETag": row.etag})
    return None


def _multipart(pieces: list[tuple[Path, int]], spans: list[tuple[int, int]], size: int,
               ctype: str, boundary: str) -> Iterator[bytes]:
    for start, length in spans:
        yield (f"--{boundary}\r\nContent-Type: {ctype}\r\nContent-Range: bytes "
               f"{start}-{start + length - 1}/{size}\r\n\r\n").encode("latin-1")
        yield from large.concatenate(pieces, start, length)
        yield b"\r\n"
    yield f"--{boundary}--".encode()


def send(ctx: Ctx, headers: dict[str, str], pieces: list[tuple[Path, int]]) -> Response:
    """The bytes of `pieces` (files and their sizes, concatenated) with `headers`, whole or
    in the ranges asked for; a HEAD gets the headers alone."""
    size = sum(n for _, n in pieces)
    spans = ranges.parse(ctx.header("range"), size)
    head = ctx.request.method == "HEAD"
    if spans is None:
        headers["Content-Length"] = str(size)
        if head:
            return Response(status_code=200, headers=headers)
        return StreamingResponse(large.concatenate(pieces, 0, size), status_code=200,
                                 headers=headers)
    if len(spans) == 1:
        start, length = spans[0]
        headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
        headers["Content-Length"] = str(length)
        if head:
            return Response(status_code=206, headers=headers)
        return StreamingResponse(large.concatenate(pieces, start, length), status_code=206,
                                 headers=headers)
    boundary = secrets.token_hex(16)
    ctype = headers["Content-Type"]
    headers["Content-Type"] = f"multipart/byteranges;boundary={boundary}"
    length = sum(len(f"--{boundary}\r\nContent-Type: {ctype}\r\nContent-Range: bytes "
                     f"{s}-{s + n - 1}/{size}\r\n\r\n") + n + 2 for s, n in spans)
    headers["Content-Length"] = str(length + len(f"--{boundary}--"))
    if head:
        return Response(status_code=206, headers=headers)
    return StreamingResponse(_multipart(pieces, spans, size, ctype, boundary),
                             status_code=206, headers=headers)


def temp_url_headers(ctx: Ctx, row: SwiftObject, headers: dict[str, str]) -> dict[str, str]:
    """tempurl's outgoing headers: no metadata but X-Object-Meta-Public-*, and a
    Content-Disposition (`inline`, or an attachment named by `filename` or the object)."""
    out = {k: v for k, v in headers.items() if not k.startswith("X-Object-Meta-")
           or k.startswith("X-Object-Meta-Public-")}
    filename = ctx.query.get("filename")
    basename = row.name.rstrip("/").rsplit("/", 1)[-1]
    if "inline" in ctx.query:
        out["Content-Disposition"] = "inline" + (
            f'; filename="{quote(filename)}"' if filename else "")
    elif filename or ctx.request.method == "GET":
        name = quote(filename or basename)
        out["Content-Disposition"] = f'attachment; filename="{name}"; filename*=UTF-8\'\'{name}'
    return out


def respond(ctx: Ctx, row: SwiftObject) -> Response:
    """The object's answer to a GET or HEAD (symlinks followed, conditions, ranges,
    large objects)."""
    location = ""
    if symlinks.is_link(row) and ctx.query.get("symlink") != "get":
        row, location = symlinks.follow(ctx, row)
    answer = _respond(ctx, row)
    if location:
        answer.headers["Content-Location"] = location
    return answer


def _respond(ctx: Ctx, row: SwiftObject) -> Response:
    early = check_conditions(ctx, row)
    if early is not None:
        return early
    headers = object_headers(row)
    if signed_by_temp_url(ctx):
        headers = temp_url_headers(ctx, row, headers)
    store = files(ctx)
    manifest = ctx.query.get("multipart-manifest") == "get"
    if large.is_slo(row) and manifest:
        headers.pop("ETag", None)
        entries = large.read_manifest(store.path(row.file_id))
        if ctx.query.get("format") == "raw":
            body = json.dumps(large.raw_manifest(entries)).encode()
        else:
            body = store.path(row.file_id).read_bytes()
        headers.update({"Content-Type": "application/json; charset=utf-8",
                        "Content-Length": str(len(body)),
                        "ETag": hashlib.md5(body, usedforsecurity=False).hexdigest()})
        return Response(b"" if ctx.request.method == "HEAD" else body, headers=headers)
    if large.is_slo(row):
        return send(ctx, headers, segments.of_slo(ctx, row))
    if large.is_dlo(row) and not manifest:
        pieces, etag = segments.of_dlo(ctx, row)
        headers["ETag"] = f'"{etag}"'
        return send(ctx, headers, pieces)
    return send(ctx, headers, [(store.path(row.file_id), row.size)])


def show(ctx: Ctx) -> Response:
    name = ctx.params["object"]
    container = container_for(ctx, acl="read")
    found = objects.find(ctx.db, container, name, ctx.now)
    if found is None:
        from cheptel.objectstore.api import staticweb

        if staticweb.applies(ctx, container):
            return staticweb.missing(ctx, container, name)
        raise NotFound()
    return respond(ctx, found)
