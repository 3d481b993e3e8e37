"""Bulk extract (swift/common/middleware/bulk.py): `PUT ?extract-archive=tar|tar.gz|tar.bz2`
on the account (the archive's first directory level names the containers, made as
needed) or on a container (every file goes into it, under the URL's object prefix).
Each regular file becomes an object, spooled from the archive; the answer is always 200
with a summary (JSON when asked for): what was created and what failed."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from typing import IO

from starlette.responses import Response

from cheptel.errors import BadRequest, CheptelError
from cheptel.objectstore.api import segments
from cheptel.objectstore.api.common import account, files, remove_after_commit
from cheptel.objectstore.schemas import check_container_name, check_object_name
from cheptel.objectstore.service import containers, objects, quotas
from cheptel.spool import CHUNK, spool_chunks
from cheptel.web import Ctx, Reply

MODES = {"tar": "r:", "tar.gz": "r:gz", "tar.bz2": "r:bz2"}
INFO = {"bulk_upload": {"max_containers_per_extraction": 10000,
                        "max_failed_extractions": 1000}}


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    while chunk := fh.read(CHUNK):
        yield chunk


def extract(ctx: Ctx, container: str | None = None, prefix: str = "") -> Reply:
    """Unpack the spooled archive into the account (or `container`)."""
    if ctx.query.get("extract-archive", "") not in MODES:
        raise BadRequest("Unsupported archive format")
    project = account(ctx)
    created, status = 0, "201 Created"
    errors: list[list[str]] = []
    try:  # (the compression is detected; the query only has to name a known format)
        with tarfile.open(ctx.body.path, "r:*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                path = member.name.lstrip("./").lstrip("/")
                try:
                    created += _one(ctx, project, tar, member, container, prefix + path)
                except CheptelError as exc:
                    errors.append([path, f"{exc.code} {exc.title}"])
                if len(errors) >= 1000:
                    break
    except (tarfile.TarError, EOFError, OSError):
        status = "400 Bad Request"
        errors.append(["", "Invalid Tar File"])
    if errors and status.startswith("201"):
        status = "400 Bad Request"
    doc = {"Number Files Created": created, "Response Body": "", "Response Status": status,
           "Errors": errors}
    body, media = segments.summary(doc, ctx.header("accept"))
    return Reply(Response(body, status_code=200, media_type=media))


def _one(ctx: Ctx, project: str, tar: tarfile.TarFile, member: tarfile.TarInfo,
         container: str | None, path: str) -> int:
    if container is None:
        cname, _, oname = path.partition("/")
    else:
        cname, oname = container, path
    check_container_name(cname)
    if not oname:
        raise BadRequest("Invalid path")
    check_object_name(oname)
    row = containers.find(ctx.db, project, cname)
    if row is None:
        containers.put(ctx.db, project, cname, {}, ctx.now)
        row = containers.get(ctx.db, project, cname)
    existing = objects.find(ctx.db, row, oname, ctx.now)
    quotas.check_upload(ctx.db, row, member.size, ctx.now, existing.size if existing else 0,
                        existing is None)
    fh = tar.extractfile(member)
    if fh is None:
        return 0
    store = files(ctx)
    spooled = spool_chunks(_chunks(fh), store.spool, member.size)
    try:
        written = objects.put(ctx.db, store, row, oname, spooled, {}, ctx.now)
    finally:
        spooled.discard()
    remove_after_commit(ctx, [written.replaced_file])
    return 1
