"""Listings of volume groups and group snapshots: Cinder's filters, sort and pages
(cinder/group/api.py get_all, cinder/api/common.py); the reserved consistency-group
snapshot type's are never listed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import GroupSnapshot, GroupType, VolumeGroup
from cheptel.volume.service import group_types, listing


@dataclass
class Page:
    items: list[Any]
    more: bool


SORT_KEYS = {"id", "name", "status", "created_at", "updated_at", "project_id",
             "description", "group_type_id", "group_id", "availability_zone"}


def _page(found: list[Any], query: dict[str, str]) -> Page:
    order = listing._sort(query, SORT_KEYS, {})
    for attr, desc in reversed(order):
        found.sort(key=partial(group_types.listing_key, attr), reverse=desc)
    marker = query.get("marker")
    if marker is not None:
        ids = [o.id for o in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    found = found[listing._int(query, "offset") or 0:]
    limit = listing._int(query, "limit")
    size = min(limit, listing.MAX_LIMIT) if limit is not None else listing.MAX_LIMIT
    page = found[:size]
    return Page(page, bool(page) and len(page) >= size)


PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "all_tenants",
          "project_id", "list_volume"}


def _filters(creds: Creds, query: dict[str, str], allowed: set[str], strict: bool
             ) -> dict[str, str]:
    unknown = set(query) - allowed - PAGING
    if unknown and strict and not creds.is_admin:
        raise BadRequest(f"Invalid filters {', '.join(sorted(unknown))[:200]} are found "
                         f"in query options.")
    return {k: v for k, v in query.items() if k in allowed}


def list_groups(db: Session, creds: Creds, query: dict[str, str], all_tenants: bool,
                strict: bool) -> Page:
    """The caller's groups (every project's with all_tenants); `strict` (3.31): a
    non-admin's unknown filter is a 400 (Cinder's group filters: name)."""
    filters = _filters(creds, query, {"name"}, strict)
    stmt = select(VolumeGroup)
    if not all_tenants:
        stmt = stmt.where(VolumeGroup.project_id == creds.project_id)
    elif query.get("project_id"):
        stmt = stmt.where(VolumeGroup.project_id == query["project_id"])
    reserved = {t for t in db.scalars(select(GroupType.id).where(
        GroupType.name == group_types.CGSNAPSHOT_TYPE))}
    found = [g for g in db.scalars(stmt) if g.group_type_id not in reserved
             and all(getattr(g, k) == v for k, v in filters.items())]
    return _page(found, query)


def list_snapshots(db: Session, creds: Creds, query: dict[str, str], all_tenants: bool,
                   strict: bool, paged: bool) -> Page:
    """`paged` (3.29): filters, sort and pages; before, every one of the caller's."""
    query = dict(query) if paged else {}
    filters = _filters(creds, query, {"name", "status", "group_id"}, strict)
    stmt = select(GroupSnapshot)
    if not all_tenants:
        stmt = stmt.where(GroupSnapshot.project_id == creds.project_id)
    reserved = {t for t in db.scalars(select(GroupType.id).where(
        GroupType.name == group_types.CGSNAPSHOT_TYPE))}
    found = [s for s in db.scalars(stmt) if s.group_type_id not in reserved
             and all(getattr(s, k) == v for k, v in filters.items())]
    return _page(found, query)
