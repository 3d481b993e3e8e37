"""Rows -> Swift's headers and listing bodies (JSON, XML, plain text)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from cheptel.errors import NotAcceptable
from cheptel.objectstore.models import SwiftContainer, SwiftObject
from cheptel.objectstore.service import meta as metamod
from cheptel.objectstore.service.containers import Usage

FORMATS = {"json": "application/json", "xml": "application/xml", "plain": "text/plain"}
ACCEPTABLE = ("text/plain", "application/json", "application/xml", "text/xml")


def x_timestamp(t: float) -> str:
    return f"{t:016.5f}"


def http_date(t: float) -> str:
    return formatdate(math.ceil(t), usegmt=True)


def listing_date(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _accept_quality(accept: str, offer: str) -> float:
    best, rank_best = 0.0, -1
    kind = offer.split("/")[0]
    for item in accept.split(","):
        media, *params = [p.strip() for p in item.split(";")]
        rank = {offer: 2, f"{kind}/*": 1, "*/*": 0}.get(media.lower(), -1)
        if rank <= rank_best:
            continue
        q = 1.0
        for p in params:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        best, rank_best = q, rank
    return best


def listing_format(query: dict[str, str], accept: str | None) -> str:
    """?format= first, then the Accept header (Swift's get_listing_content_type)."""
    fmt = query.get("format", "").lower()
    if fmt in FORMATS:
        return FORMATS[fmt]
    if not accept:
        return "text/plain"
    scored = [(_accept_quality(accept, o), -i, o) for i, o in enumerate(ACCEPTABLE)]
    q, _, offer = max(scored)
    if q <= 0:
        raise NotAcceptable("The resource is not available in a format acceptable to your "
                            "browser.")
    return offer


def account_headers(project_id: str, containers: int, usage: Usage, meta: dict[str, Any],
                    created: float, updated: float) -> dict[str, str]:
    return {"X-Account-Container-Count": str(containers),
            "X-Account-Object-Count": str(usage.count),
            "X-Account-Bytes-Used": str(usage.bytes),
            "X-Account-Storage-Policy-Policy-0-Container-Count": str(containers),
            "X-Account-Storage-Policy-Policy-0-Object-Count": str(usage.count),
            "X-Account-Storage-Policy-Policy-0-Bytes-Used": str(usage.bytes),
            "X-Timestamp": x_timestamp(created), "X-Put-Timestamp": x_timestamp(updated),
            "Accept-Ranges": "bytes", **metamod.render(meta, "Account")}


def container_headers(row: SwiftContainer, usage: Usage, owner: bool) -> dict[str, str]:
    headers = {"X-Container-Object-Count": str(usage.count),
               "X-Container-Bytes-Used": str(usage.bytes),
               "X-Timestamp": x_timestamp(row.created_at),
               "X-Put-Timestamp": x_timestamp(row.updated_at),
               "Last-Modified": http_date(row.updated_at),
               "X-Storage-Policy": "Policy-0", "Accept-Ranges": "bytes",
               **metamod.render({k: v for k, v in row.meta.items()
                                 if owner or not k.startswith("temp-url-key")}, "Container")}
    if owner:  # Swift shows the ACLs to the account's owner only
        headers.update({metamod.title(k): metamod.wire(v) for k, v in row.sysmeta.items()})
    return headers


def object_headers(row: SwiftObject) -> dict[str, str]:
    etag = row.etag
    headers = {"Content-Type": metamod.wire(row.content_type), "ETag": etag,
               "Last-Modified": http_date(row.updated_at),
               "X-Timestamp": x_timestamp(row.updated_at), "Accept-Ranges": "bytes",
               **metamod.render(row.meta, "Object"),
               **{metamod.title(k): metamod.wire(v) for k, v in row.headers.items()}}
    if row.delete_at is not None:
        headers["X-Delete-At"] = str(row.delete_at)
    return headers


def object_entry(row: SwiftObject | str) -> dict[str, Any]:
    if isinstance(row, str):
        return {"subdir": row}
    entry = {"hash": row.etag.strip('"'), "last_modified": listing_date(row.updated_at),
             "bytes": row.size, "name": row.name, "content_type": row.content_type}
    if "x-symlink-target" in row.headers:  # (symlinks.listing_path)
        entry["symlink_path"] = (f"/v1/{row.headers.get('x-symlink-target-account', '')}/"
                                 f"{row.headers['x-symlink-target']}")
    return entry


def container_entry(row: SwiftContainer | str, usage: Usage | None) -> dict[str, Any]:
    if isinstance(row, str):
        return {"subdir": row}
    u = usage or Usage(0, 0)
    return {"name": row.name, "count": u.count, "bytes": u.bytes,
            "last_modified": listing_date(row.updated_at)}


def _xml(kind: str, owner: str, item: str, entries: list[dict[str, Any]]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<{kind} name={quoteattr(owner)}>"]
    for e in entries:
        if "subdir" in e:
            parts.append(f"<subdir name={quoteattr(e['subdir'])}><name>"
                         f"{escape(e['subdir'])}</name></subdir>")
            continue
        parts.append(f"<{item}>" + "".join(f"<{k}>{escape(str(v))}</{k}>"
                                          for k, v in e.items()) + f"</{item}>")
    parts.append(f"</{kind}>")
    return "".join(parts)


def listing(kind: str, owner: str, entries: list[dict[str, Any]], media: str,
            headers: dict[str, str], head: bool) -> Response:
    """A listing in the media type chosen; an empty plain listing is a 204 (Swift)."""
    item = "container" if kind == "account" else "object"
    if media == "application/json":
        body = json.dumps(entries, ensure_ascii=False)
    elif media in ("application/xml", "text/xml"):
        body = _xml(kind, owner, item, entries)
    else:
        body = "".join((e.get("subdir") or e["name"]) + "\n" for e in entries)
    headers = {**headers, "Content-Type": f"{media}; charset=utf-8"}
    data = body.encode("utf-8")
    status = 204 if not data else 200
    if head or status == 204:  # Swift answers a HEAD of a listing with 204
        return Response(status_code=204, headers=headers)
    return Response(data, status_code=200, headers=headers)
