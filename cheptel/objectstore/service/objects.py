"""Objects: rows naming files (store.ObjectFiles), metadata, expiry, copies."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.objectstore.errors import PreconditionFailed, Unprocessable
from cheptel.objectstore.models import SwiftContainer, SwiftObject
from cheptel.objectstore.schemas import check_object_name, delete_at, utf8
from cheptel.objectstore.service import listing
from cheptel.objectstore.service import meta as metamod
from cheptel.objectstore.service.containers import live
from cheptel.objectstore.service.store import ObjectFiles
from cheptel.spool import Spooled


@dataclass(frozen=True)
class Written:
    row: SwiftObject
    replaced_file: str | None  # the previous version's file: remove it after the commit


def find(db: Session, container: SwiftContainer, name: str, now: float) -> SwiftObject | None:
    """The live object (one past its X-Delete-At is gone, even before the sweep)."""
    return db.scalar(select(SwiftObject).where(SwiftObject.container_id == container.id,
                                               SwiftObject.name == name, live(now)))


def get(db: Session, container: SwiftContainer, name: str, now: float) -> SwiftObject:
    row = find(db, container, name, now)
    if row is None:
        raise NotFound()
    return row


def _any(db: Session, container: SwiftContainer, name: str) -> SwiftObject | None:
    return db.scalar(select(SwiftObject).where(SwiftObject.container_id == container.id,
                                               SwiftObject.name == name))


def content_type(name: str, headers: Mapping[str, str]) -> str:
    given = headers.get("content-type")
    detect = headers.get("x-detect-content-type", "").lower() in ("true", "1", "yes", "on")
    if given and not detect:
        return utf8(given, "Content-Type")[:256]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def check_etag(headers: Mapping[str, str], md5: str) -> None:
    given = headers.get("etag")
    if given is not None and given.strip().strip('"').lower() != md5:
        raise Unprocessable()


def write(db: Session, container: SwiftContainer, name: str, file_id: str, size: int,
          etag: str, ctype: str, meta: dict[str, str], kept: dict[str, str],
          expires: int | None, now: float) -> Written:
    """Store a new version of an object under an already-placed file."""
    check_object_name(name)
    row = _any(db, container, name)
    replaced = None
    if row is None:
        row = SwiftObject(id=str(uuid.uuid4()), container_id=container.id, name=name)
        db.add(row)
    else:
        replaced = row.file_id
    row.file_id, row.size, row.etag, row.content_type = file_id, size, etag, ctype
    row.meta, row.headers, row.delete_at = meta, kept, expires
    row.created_at = row.updated_at = now
    db.flush()
    return Written(row, replaced)


def put(db: Session, files: ObjectFiles, container: SwiftContainer, name: str,
        body: Spooled, headers: Mapping[str, str], now: float) -> Written:
    """A PUT's spooled body, checked (ETag, metadata) then renamed into place."""
    check_object_name(name)
    check_etag(headers, body.md5)
    meta = metamod.replaced(headers)
    kept = metamod.object_kept(headers)
    expires = delete_at(headers, now)
    ctype = content_type(name, headers)
    file_id = files.place(body.path)
    try:
        return write(db, container, name, file_id, body.size, body.md5, ctype, meta, kept,
                     expires, now)
    except BaseException:
        files.remove([file_id])
        raise


def post(db: Session, row: SwiftObject, headers: Mapping[str, str], now: float) -> None:
    """Swift's POST: the metadata given replace the object's (and its expiry, its
    content type if one is given)."""
    row.meta = metamod.replaced(headers)
    kept = {k: v for k, v in row.headers.items()
            if k in ("x-object-manifest", "x-static-large-object")}
    kept.update({k: v for k, v in row.headers.items() if k.startswith("x-symlink-")})
    kept.update({k: v for k, v in metamod.object_kept(headers).items()
                 if k != "x-static-large-object" and not k.startswith("x-symlink-")})
    row.headers = kept
    if "content-type" in headers:
        row.content_type = content_type(row.name, headers)
    if "x-delete-at" in headers or "x-delete-after" in headers:
        row.delete_at = delete_at(headers, now)
    elif "x-remove-delete-at" in headers:
        row.delete_at = None
    row.updated_at = now
    db.flush()


def copy(db: Session, files: ObjectFiles, source: SwiftObject, target: SwiftContainer,
         name: str, headers: Mapping[str, str], now: float,
         data: Spooled | None = None) -> Written:
    """A server-side copy: the source's data and metadata, the request's on top (all of
    the request's alone with X-Fresh-Metadata: true)."""
    check_object_name(name)
    fresh = headers.get("x-fresh-metadata", "").lower() in ("true", "1", "yes", "on")
    meta = {} if fresh else dict(source.meta)
    meta.update(metamod.replaced(headers))
    large = ("x-static-large-object", "x-object-manifest") if data else ()
    kept = {} if fresh else {k: v for k, v in source.headers.items()
                             if k != "x-static-large-object" and k not in large}
    kept.update(metamod.object_kept(headers))
    ctype = content_type(name, headers) if "content-type" in headers else source.content_type
    expires = delete_at(headers, now)
    file_id = files.place(data.path) if data else files.copy(source.file_id)
    size, etag = (data.size, data.md5) if data else (source.size, source.etag)
    try:
        return write(db, target, name, file_id, size, etag, ctype, meta, kept, expires, now)
    except BaseException:
        files.remove([file_id])
        raise


def delete(db: Session, row: SwiftObject) -> str:
    """-> the file to remove after the commit."""
    db.delete(row)
    db.flush()
    return row.file_id


def list_objects(db: Session, container: SwiftContainer, q: listing.Query, now: float
                 ) -> list[SwiftObject | str]:
    return listing.page(db, SwiftObject, [SwiftObject.container_id == container.id, live(now)],
                        q)


def split_source(value: str) -> tuple[str, str]:
    """X-Copy-From / Destination: `[/]container/object` (URL-quoted) -> the two names."""
    from urllib.parse import unquote

    text = unquote(utf8(value, "Header"))
    text = text[1:] if text.startswith("/") else text
    container, _, obj = text.partition("/")
    if not container or not obj:
        raise PreconditionFailed("X-Copy-From header must be of the form "
                                 "<container name>/<object name>")
    return container, obj


def expired(db: Session, now: float, batch: int = 500) -> list[SwiftObject]:
    return list(db.scalars(select(SwiftObject).where(
        SwiftObject.delete_at.is_not(None), SwiftObject.delete_at <= now).limit(batch)))


def all_file_ids(db: Session) -> set[str]:
    return set(db.scalars(select(SwiftObject.file_id)))


def require_name(name: str) -> None:
    if not name:
        raise BadRequest("Object name cannot be empty")
