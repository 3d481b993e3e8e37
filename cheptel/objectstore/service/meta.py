"""Metadata headers -> stored dicts, and back.

Names are stored lower-case (HTTP header names are case-insensitive) and rendered the way
swob titles them (`X-Object-Meta-Color`). Values are stored as the UTF-8 text the client
sent; on the wire they go back as the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cheptel.objectstore.schemas import check_metadata, utf8

# container headers stored beside the user metadata (sysmeta), as Swift keeps them
CONTAINER_SYSTEM = ("x-container-read", "x-container-write", "x-versions-location",
                    "x-history-location")
# object headers a PUT or POST stores and a GET gives back
OBJECT_KEPT = ("content-disposition", "content-encoding", "content-language",
               "x-object-manifest", "x-static-large-object", "access-control-allow-origin",
               "access-control-expose-headers", "access-control-max-age",
               "x-symlink-target", "x-symlink-target-account", "x-symlink-target-etag")


def title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def wire(value: str) -> str:
    """A stored value as a header value (Starlette encodes header values in latin-1)."""
    return value.encode("utf-8").decode("latin-1")


def updated(current: Mapping[str, Any], headers: Mapping[str, str], kind: str) -> dict[str, Any]:
    """Account and container writes: X-<kind>-Meta-* set (empty: remove),
    X-Remove-<kind>-Meta-* remove; the rest stays. Checked against Swift's limits."""
    kind_l = kind.lower()
    meta = dict(current)
    set_prefix, remove_prefix = f"x-{kind_l}-meta-", f"x-remove-{kind_l}-meta-"
    for name, value in headers.items():
        if name.startswith(set_prefix):
            key = name[len(set_prefix):]
            value = utf8(value).strip()
            if value:
                meta[key] = value
            else:
                meta.pop(key, None)
        elif name.startswith(remove_prefix):
            meta.pop(name[len(remove_prefix):], None)
    if meta != current:
        added = {k: v for k, v in meta.items() if current.get(k) != v}
        check_metadata(added, kind)
        check_metadata(meta, kind)
    return meta


def replaced(headers: Mapping[str, str]) -> dict[str, str]:
    """Object writes: the X-Object-Meta-* given replace all the object's metadata."""
    prefix = "x-object-meta-"
    meta = {name[len(prefix):]: utf8(value).strip() for name, value in headers.items()
            if name.startswith(prefix)}  # an empty value is kept (Swift's objects keep it)
    check_metadata(meta, "Object")
    return meta


def container_system(current: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    out = dict(current)
    for name in CONTAINER_SYSTEM:
        if name in headers:
            value = utf8(headers[name], "Header").strip()
            if value:
                out[name] = value
            else:
                out.pop(name, None)
        if "x-remove-" + name[2:] in headers:
            out.pop(name, None)
    for one, other in (("x-versions-location", "x-history-location"),
                       ("x-history-location", "x-versions-location")):
        if headers.get(one, "").strip() and not headers.get(other, "").strip():
            out.pop(other, None)  # one versioning mode at a time
    return out


def object_kept(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: utf8(headers[name], "Header") for name in OBJECT_KEPT if name in headers}


def render(meta: Mapping[str, Any], kind: str) -> dict[str, str]:
    return {f"X-{kind}-Meta-{title(k)}": wire(str(v)) for k, v in meta.items()}
