"""Large objects: dynamic (DLO: `X-Object-Manifest: <container>/<prefix>`, the segments
are whatever objects carry the prefix, read in name order) and static (SLO: a manifest
listing the segments, `?multipart-manifest=put`), as swift/common/middleware/dlo.py and
slo.py serve them.

An SLO's row keeps the whole size and the quoted ETag (MD5 of the segments' ETags); its
file holds the manifest as Swift stores it (a JSON list of name/bytes/hash/content_type).
Segments are read with the caller's own rights: they inherit no ACL from the manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cheptel.errors import BadRequest
from cheptel.objectstore.models import SwiftObject
from cheptel.objectstore.schemas import MAX_MANIFEST_SEGMENTS, MAX_MANIFEST_SIZE

SLO_HEADER = "x-static-large-object"
DLO_HEADER = "x-object-manifest"
INFO = {"slo": {"max_manifest_segments": MAX_MANIFEST_SEGMENTS,
                "max_manifest_size": MAX_MANIFEST_SIZE, "yield_frequency": 10,
                "min_segment_size": 1, "allow_async_delete": False},
        "dlo": {"max_segments": 10000}}


@dataclass(frozen=True)
class Wanted:
    """One entry of an SLO manifest PUT."""

    container: str
    name: str
    etag: str | None
    size: int | None


def is_slo(row: SwiftObject) -> bool:
    return str(row.headers.get(SLO_HEADER, "")).lower() in ("true", "1", "yes", "on")


def is_dlo(row: SwiftObject) -> bool:
    return DLO_HEADER in row.headers


def split_path(path: str, what: str = "path") -> tuple[str, str]:
    """`/container/object` (or without the leading slash) -> the two names."""
    text = unquote(path)
    text = text[1:] if text.startswith("/") else text
    container, _, name = text.partition("/")
    if not container or not name:
        raise BadRequest(f"Invalid {what}: {path}")
    return container, name


def dlo_source(value: str) -> tuple[str, str]:
    text = unquote(value)
    container, _, prefix = text.partition("/")
    if not container:
        raise BadRequest("X-Object-Manifest must be in the format container/prefix")
    return container, prefix


def large_etag(etags: list[str]) -> str:
    return hashlib.md5("".join(e.strip('"') for e in etags).encode(),
                       usedforsecurity=False).hexdigest()


def parse_put(path: Path, size: int) -> list[Wanted]:
    """The body of `PUT ?multipart-manifest=put` -> its entries; Swift's 400s."""
    if size > MAX_MANIFEST_SIZE:
        raise BadRequest(f"Manifest File > {MAX_MANIFEST_SIZE} bytes")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("Manifest must be valid JSON.\n") from None
    if not isinstance(doc, list):
        raise BadRequest("Manifest must be a list.\n")
    if not doc:
        raise BadRequest("Manifest must have at least one segment.\n")
    if len(doc) > MAX_MANIFEST_SEGMENTS:
        raise BadRequest(f"Too many segments in manifest: max {MAX_MANIFEST_SEGMENTS}.\n")
    out = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise BadRequest(f"Index {i}: segment must have a path (a string).\n")
        extra = set(item) - {"path", "etag", "size_bytes"}
        if extra:
            raise BadRequest(f"Index {i}: extraneous keys {', '.join(sorted(extra))}.\n")
        etag, size_bytes = item.get("etag"), item.get("size_bytes")
        if etag is not None and not isinstance(etag, str):
            raise BadRequest(f"Index {i}: etag must be a string or null.\n")
        if size_bytes is not None and (isinstance(size_bytes, bool)
                                       or not isinstance(size_bytes, int) or size_bytes < 0):
            raise BadRequest(f"Index {i}: size_bytes must be an integer or null.\n")
        container, name = split_path(item["path"], f"Index {i}: path")
        out.append(Wanted(container, name, etag.strip('"') if etag else None, size_bytes))
    return out


def stored_manifest(segments: list[tuple[str, str, SwiftObject]]) -> bytes:
    """(container, name, row) of each segment -> the manifest Swift stores."""
    return json.dumps([{"name": f"/{c}/{n}", "bytes": r.size, "hash": r.etag.strip('"'),
                        "content_type": r.content_type,
                        "last_modified": _iso(r.updated_at)} for c, n, r in segments]
                      ).encode()


def _iso(t: float) -> str:
    from cheptel.objectstore.views import listing_date

    return listing_date(t)


def read_manifest(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_bytes())
    return [d for d in doc if isinstance(d, dict)]


def raw_manifest(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`?multipart-manifest=get&format=raw`: the manifest as it was PUT."""
    return [{"path": e["name"], "etag": e["hash"], "size_bytes": e["bytes"]} for e in entries]


def concatenate(pieces: list[tuple[Path, int]], start: int, length: int) -> Iterator[bytes]:
    """`length` bytes from `start` of the files' concatenation (each (path, size))."""
    offset = 0
    left = length
    for path, size in pieces:
        if left <= 0:
            break
        if start >= offset + size:
            offset += size
            continue
        begin = max(0, start - offset)
        with open(path, "rb") as fh:
            fh.seek(begin)
            todo = min(size - begin, left)
            while todo > 0:
                chunk = fh.read(min(1 << 20, todo))
                if not chunk:
                    break
                todo -= len(chunk)
                left -= len(chunk)
                yield chunk
        offset += size
