"""Swift's listings: names in byte order from the database, with prefix, delimiter
(`subdir` entries), marker, end_marker, limit and reverse, paged exactly as Swift pages
(a full page of `limit` entries says nothing about more).

One function serves both levels: containers of an account and objects of a container.
Names compare as UTF-8 bytes (SQLite's BINARY collation), as in Swift's own databases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cheptel.objectstore.errors import PreconditionFailed
from cheptel.objectstore.schemas import LISTING_LIMIT, MAX_OBJECT_NAME_LENGTH, utf8

TOP = "\U0010ffff"  # sorts after any character a name can hold after a prefix


@dataclass(frozen=True)
class Query:
    prefix: str = ""
    delimiter: str = ""
    marker: str = ""
    end_marker: str = ""
    limit: int = LISTING_LIMIT
    reverse: bool = False


def parse(query: Mapping[str, str]) -> Query:
    """The listing parameters, refused as Swift refuses them (412 with a reason)."""
    values: dict[str, str] = {}
    for name in ("prefix", "delimiter", "marker", "end_marker", "path"):
        raw = query.get(name, "")
        try:
            value = utf8(raw, "Listing parameters") if not raw.isascii() else raw
        except Exception:
            raise PreconditionFailed(f"Bad {name} parameter") from None
        if "\x00" in value or len(value.encode("utf-8")) > MAX_OBJECT_NAME_LENGTH:
            raise PreconditionFailed(f"Bad {name} parameter")
        values[name] = value
    limit = LISTING_LIMIT
    if "limit" in query:
        text = query["limit"]
        if not text.isdigit():
            raise PreconditionFailed("Value of limit must be a positive integer")
        limit = int(text)
        if limit > LISTING_LIMIT:
            raise PreconditionFailed(f"Maximum limit is {LISTING_LIMIT}")
    delimiter = values["delimiter"]
    if len(delimiter) > 1:
        raise PreconditionFailed("Bad delimiter")
    prefix = values["prefix"]
    if values["path"]:  # the old ?path=: the objects directly "in" a directory
        prefix, delimiter = values["path"].rstrip("/") + "/", "/"
    reverse = query.get("reverse", "").lower() in ("true", "1", "yes", "on", "t", "y")
    return Query(prefix, delimiter, values["marker"], values["end_marker"], limit, reverse)


def page(db: Session, model: Any, scope: list[ColumnElement[bool]], q: Query
         ) -> list[Any | str]:
    """Up to q.limit rows of `model` (a table with a `name` column) matching `scope`,
    with a `subdir` string in place of each run of names sharing a delimited prefix."""
    name = model.name
    out: list[Any | str] = []
    if q.limit == 0:
        return out
    low, low_incl = (q.end_marker, False) if q.reverse else (q.marker, False)
    high = q.marker if q.reverse else q.end_marker
    while len(out) < q.limit:
        stmt = select(model).where(*scope)
        if q.prefix:
            stmt = stmt.where(func.substr(name, 1, len(q.prefix)) == q.prefix)
        if low:
            stmt = stmt.where(name >= low if low_incl else name > low)
        if high:
            stmt = stmt.where(name < high)
        want = q.limit - len(out)
        stmt = stmt.order_by(name.desc() if q.reverse else name).limit(want)
        rows = db.scalars(stmt).all()
        if not rows:
            break
        jumped = False
        for row in rows:
            rest = row.name[len(q.prefix):]
            cut = rest.find(q.delimiter) if q.delimiter else -1
            if cut < 0:
                out.append(row)
                continue
            sub = q.prefix + rest[:cut + 1]
            out.append(sub)
            if q.reverse:
                high = sub  # what sorts before every name under it
            else:
                low, low_incl = sub[:-1] + chr(ord(q.delimiter) + 1), True
            jumped = True
            break
        if not jumped:
            last = rows[-1].name
            if q.reverse:
                high = last
            else:
                low, low_incl = last, False
        if len(rows) < want and not jumped:
            break
    return out

