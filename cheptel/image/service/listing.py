"""GET /v2/images: Glance's filters, sorting and marker pagination.

The visible set and the column filters are SQL; sorting and the marker are applied in
Python (null-safe and identical on SQLite and PostgreSQL) — an image list is small.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from cheptel.common import parse_iso
from cheptel.errors import BadRequest, NotFound
from cheptel.image.models import Image, ImageMember, ImageProperty, ImageTag
from cheptel.image.service.images import get_visible
from cheptel.policy import Creds

SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id",
             "created_at", "updated_at")
DEFAULT_LIMIT = 25  # Glance's limit_param_default
MAX_LIMIT = 1000  # Glance's api_limit_max
OPERATOR_COLUMNS = ("name", "id", "status", "container_format", "disk_format")
EQUAL_COLUMNS = ("owner", "checksum", "os_hash_value")
INT_COLUMNS = ("min_ram", "min_disk", "size", "virtual_size")
TIME_OPS = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__",
            "neq": "__ne__", "eq": "__eq__"}
NOT_FILTERS = ("limit", "marker", "sort", "sort_key", "sort_dir", "member_status",
               "visibility", "tag", "os_hidden")


@dataclass
class ListQuery:
    """A parsed image list request."""

    conditions: list[Any] = field(default_factory=list)  # SQL on Image
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    visibility: str | None = None
    member_status: str = "accepted"
    sort: list[tuple[str, str]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    marker: str | None = None


def _split_op(expression: str) -> tuple[str, str]:
    left, sep, right = expression.partition(":")
    if not sep:
        return "eq", expression
    try:  # an ISO time has colons but no operator
        parse_iso(expression)
        return "eq", expression
    except ValueError:
        return left, right


def _split_in(value: str) -> list[str]:
    """`a,"b,c",d` -> ['a', 'b,c', 'd'] (the API-WG 'in:' syntax Glance follows)."""
    if len(re.findall(r'(?<!\\)"', value)) % 2:
        raise BadRequest(f"Invalid filter value {value}. The quote is not closed.")
    found = re.findall(r'"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,', value)
    return [a or b for a, b in found]


def _column_filter(key: str, raw: str) -> Any:
    column = getattr(Image, key)
    op, value = _split_op(raw)
    if op == "in":
        return column.in_(_split_in(value))
    if op == "eq":
        return column == value
    raise BadRequest(f"Unable to filter by unknown operator '{op}'.")


def _time_filter(key: str, raw: str) -> Any:
    op, value = _split_op(raw)
    try:
        threshold = parse_iso(value)
    except ValueError:
        raise BadRequest(f'Bad "{key}" query filter format. Use ISO 8601 DateTime '
                         f"notation.") from None
    if op not in TIME_OPS:
        raise BadRequest("Unable to filter on a unknown operator.")
    return getattr(getattr(Image, key), TIME_OPS[op])(threshold)


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(what) from None


def _true_false(name: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"Invalid value '{value}' for '{name}' filter. Valid values are "
                         f"'true' or 'false'.")
    return value.lower() == "true"


def _sorting(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise BadRequest("Old and new sorting syntax cannot be combined")
        for item in params["sort"][-1].strip().split(","):
            key, _, direction = item.partition(":")
            pairs.append((key.strip(), direction.strip() or "desc"))
    else:
        keys = [k.strip() for k in params.get("sort_key", [])]
        dirs = [d.strip() for d in params.get("sort_dir", [])]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise BadRequest("Number of sort dirs does not match the number of sort keys")
        pairs = [(k, dirs[i] if len(dirs) > 1 else (dirs or ["desc"])[0])
                 for i, k in enumerate(keys or ["created_at"])]
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid sort key: {key}. It must be one of the following: "
                             f"{', '.join(SORT_KEYS)}.")
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {direction}")
    default_dir = pairs[0][1] if pairs else "desc"
    for key in ("created_at", "id"):
        if key not in [k for k, _ in pairs]:
            pairs.append((key, default_dir))
    return pairs


def parse(params: dict[str, list[str]]) -> ListQuery:
    """Query parameters (name -> values) -> ListQuery, with Glance's 400s."""
    one = {k: v[-1] for k, v in params.items()}
    q = ListQuery(sort=_sorting(params), tags=[t.strip() for t in params.get("tag", [])])
    if "limit" in one:
        limit = _int(one["limit"], "limit param must be an integer")
        if limit < 0:
            raise BadRequest("limit param must be positive")
        q.limit = min(limit, MAX_LIMIT)
    q.marker = one.get("marker")
    q.member_status = one.get("member_status", "accepted")
    if q.member_status not in ("pending", "accepted", "rejected", "all"):
        raise BadRequest(f"Invalid status: {q.member_status}")
    q.visibility = one.get("visibility") or None
    if q.visibility and q.visibility not in ("community", "public", "private", "shared",
                                             "all"):
        raise BadRequest(f"Invalid visibility value: {q.visibility}")
    q.conditions.append(Image.os_hidden == _true_false("os_hidden",
                                                       one.get("os_hidden", "false")))
    for key, value in one.items():
        if key in NOT_FILTERS:
            continue
        if key == "changes-since":
            raise BadRequest('The "changes-since" filter is no longer available on v2.')
        if key in OPERATOR_COLUMNS:
            q.conditions.append(_column_filter(key, value))
        elif key in ("created_at", "updated_at"):
            q.conditions.append(_time_filter(key, value))
        elif key in ("size_min", "size_max"):
            n = _int(value, "Unable to filter on a range with a non-numeric value.")
            q.conditions.append(Image.size >= n if key == "size_min" else Image.size <= n)
        elif key == "protected":
            q.conditions.append(Image.protected == _true_false(key, value))
        elif key in EQUAL_COLUMNS:
            q.conditions.append(getattr(Image, key) == value)
        elif key in INT_COLUMNS:
            q.conditions.append(getattr(Image, key) == _int(value, f"Invalid {key} filter."))
        else:
            q.properties[key] = value
    return q


def _visible(creds: Creds | None, q: ListQuery) -> list[Any]:
    project = creds.project_id if creds else None
    where: list[Any] = []
    if not (creds and creds.is_admin):
        seen: list[ColumnElement[bool]] = [Image.visibility.in_(("public", "community"))]
        if project is not None:
            member = select(ImageMember.image_id).where(ImageMember.member_id == project)
            if q.member_status != "all":
                member = member.where(ImageMember.status == q.member_status)
            seen += [Image.owner == project,
                     and_(Image.visibility == "shared", Image.id.in_(member))]
        where.append(or_(*seen))
    if q.visibility is not None:
        if q.visibility != "all":
            where.append(Image.visibility == q.visibility)
    elif project is None:
        where.append(Image.visibility != "community")
    else:  # community images only when asked for, or when they are the caller's own
        where.append(or_(Image.owner == project, Image.visibility != "community"))
    return where


def _compare(sort: list[tuple[str, str]], a: Image, b: Image) -> int:
    for key, direction in sort:
        x, y = getattr(a, key), getattr(b, key)
        if x == y:
            continue
        less = y is not None and (x is None or x < y)  # nulls first, as Glance on MySQL
        result = -1 if less else 1
        return result if direction == "asc" else -result
    return 0


def list_images(db: Session, creds: Creds | None, q: ListQuery
                ) -> tuple[list[Image], str | None]:
    """One page of the images the caller may see -> (images, marker for the next page)."""
    stmt = select(Image).where(*_visible(creds, q), *q.conditions)
    for name, value in q.properties.items():
        stmt = stmt.where(Image.id.in_(select(ImageProperty.image_id).where(
            ImageProperty.name == name, ImageProperty.value == value)))
    for tag in q.tags:
        stmt = stmt.where(Image.id.in_(select(ImageTag.image_id).where(ImageTag.value == tag)))
    found = sorted(db.scalars(stmt), key=functools.cmp_to_key(
        functools.partial(_compare, q.sort)))
    if q.marker is not None:
        try:
            marker = get_visible(db, creds, q.marker)
        except NotFound as exc:
            raise BadRequest(exc.message) from None
        found = [i for i in found if _compare(q.sort, i, marker) > 0]
    page = found[:q.limit]
    more = len(found) > q.limit and q.limit > 0
    return page, (page[-1].id if more else None)
