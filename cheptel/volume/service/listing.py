"""Volume listings: Cinder's filters, sort, marker/limit/offset (cinder/api/common.py)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import Volume

MAX_LIMIT = 1000  # Cinder's osapi_max_limit
# cinder/etc/cinder/resource_filters.json ("volume"), and what every listing takes
FILTERS = {"name", "status", "metadata", "availability_zone", "bootable", "size",
           "volume_type", "volume_type_id", "group_id"}
PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count",
          "all_tenants", "project_id", "is_public"}
SORT_KEYS = {"id", "name", "display_name", "status", "size", "created_at", "updated_at",
             "availability_zone", "bootable", "volume_type_id", "project_id", "user_id",
             "description"}
ATTR = {"display_name": "name", "description": "description"}


@dataclass
class Page:
    volumes: list[Volume]
    more: bool  # a full page: the listing says where the next one starts (Cinder gives
    # the link whenever the page is full, even if the next one turns out empty)
    count: int  # every volume the filters match (3.45 with_count)


def _int(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.strip().lstrip("-").isdigit() or len(raw) > 12:
        raise BadRequest(f"{name} param must be an integer")
    value = int(raw)
    if value < 0:
        raise BadRequest(f"{name} param must be positive")
    return value


def _sort(query: dict[str, str], keys: set[str] = SORT_KEYS,
          attrs: dict[str, str] = ATTR) -> list[tuple[str, bool]]:
    """[(attribute, descending)]: `sort=k1:asc,k2` or sort_key/sort_dir; created_at desc.
    `keys` are the sort keys allowed, `attrs` maps API names to attributes."""
    if "sort" in query and ("sort_key" in query or "sort_dir" in query):
        raise BadRequest("The 'sort_key' and 'sort_dir' parameters are deprecated and "
                         "cannot be used with the 'sort' parameter.")
    pairs: list[tuple[str, str]] = []
    if "sort" in query:
        for item in query["sort"].split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key.strip(), direction.strip() or "desc"))
    elif "sort_key" in query or "sort_dir" in query:
        pairs.append((query.get("sort_key", "created_at"), query.get("sort_dir", "desc")))
    out = []
    for key, direction in pairs or [("created_at", "desc")]:
        if key not in keys:
            raise BadRequest(f"Invalid input received: Invalid sort key {key[:64]!r}.")
        if direction.lower() not in ("asc", "desc"):
            raise BadRequest(f"Invalid input received: Unknown sort direction "
                             f"{direction[:16]!r}, must be 'desc' or 'asc'.")
        out.append((attrs.get(key, key), direction.lower() == "desc"))
    if not any(k == "id" for k, _ in out):
        out.append(("id", out[-1][1]))
    return out


def _metadata(raw: str) -> dict[str, str]:
    try:
        value = ast.literal_eval(raw) if len(raw) <= 4096 else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise BadRequest("Invalid input received: metadata must be a dict of strings.")
    return value


def _matches(v: Volume, filters: dict[str, str]) -> bool:
    for key, want in filters.items():
        if key == "metadata":
            meta = _metadata(want)
            if any(v.meta.get(k) != val for k, val in meta.items()):
                return False
        elif key == "bootable":
            if str(v.bootable).lower() != want.strip().lower():
                return False
        elif key == "size":
            if str(v.size) != want:
                return False
        elif key == "volume_type":
            continue  # matched against the type's id or name by the caller (below)
        elif key in ("name", "status", "availability_zone", "volume_type_id", "group_id"):
            if getattr(v, key) != want:
                return False
    return True


def _attr_key(attr: str, v: Volume) -> tuple[bool, Any]:
    value = getattr(v, attr)
    return (value is None, value if value is not None else 0)


def list_volumes(db: Session, creds: Creds, query: dict[str, str], all_tenants: bool,
                 type_ids: set[str] | None) -> Page:
    """The caller's volumes (every project's with all_tenants), filtered and paged."""
    unknown = set(query) - FILTERS - PAGING
    if unknown and not creds.is_admin:
        raise BadRequest(f"Invalid filters {', '.join(sorted(unknown))[:200]} are found "
                         f"in query options.")
    limit, offset = _int(query, "limit"), _int(query, "offset") or 0
    order = _sort(query)
    stmt = select(Volume)
    if not all_tenants:
        stmt = stmt.where(Volume.project_id == creds.project_id)
    elif query.get("project_id"):
        stmt = stmt.where(Volume.project_id == query["project_id"])
    filters = {k: v for k, v in query.items() if k in FILTERS}
    found = [v for v in db.scalars(stmt) if _matches(v, filters)
             and (type_ids is None or v.volume_type_id in type_ids)]
    for attr, desc in reversed(order):
        found.sort(key=partial(_attr_key, attr), reverse=desc)
    count = len(found)
    marker = query.get("marker")
    if marker is not None:
        ids = [v.id for v in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    found = found[offset:]
    size = min(limit, MAX_LIMIT) if limit is not None else MAX_LIMIT
    page = found[:size]
    return Page(page, bool(page) and len(page) >= size, count)


def summary(db: Session, creds: Creds, all_tenants: bool) -> tuple[int, int, dict[str, list[Any]]]:
    """(count, total GiB, {metadata key: its distinct values}) of the caller's volumes
    (every project's with all_tenants), as Cinder's volume summary (3.12, metadata 3.36)."""
    stmt = select(Volume)
    if not all_tenants:
        stmt = stmt.where(Volume.project_id == creds.project_id)
    found = list(db.scalars(stmt))
    meta: dict[str, list[Any]] = {}
    for v in found:
        for key, value in v.meta.items():
            if value not in meta.setdefault(key, []):
                meta[key].append(value)
    return len(found), sum(v.size for v in found), meta
