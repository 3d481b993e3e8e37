"""Filters, sorting, pages and fields of a Neutron listing, on rendered resources.

As neutron.api.api_common does it: every attribute marked as a filter may filter
(repeated parameters mean OR, empty values are ignored, any other parameter is a 400 as
with the filter-validation extension); `sort_key`/`sort_dir` pairs sort (the id is the
last key, so that pages are stable); `limit`, `marker` and `page_reverse` page, with
`<collection>_links` next/previous links as Neutron's; `fields` keeps only some keys.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cheptel.network.attributes import FALSE, TRUE, Resource
from cheptel.network.errors import bad_request, bad_resource_request, invalid_input

CONTROL = ("fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse")
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")


@dataclass
class Query:
    filters: dict[str, list[Any]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    sorts: list[tuple[str, bool]] = field(default_factory=list)
    limit: int | None = None
    marker: str | None = None
    page_reverse: bool = False
    fields: list[str] = field(default_factory=list)


def _convert(name: str, kind: str, value: str) -> Any:
    if kind == "bool":
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise invalid_input(f"'{value}' cannot be converted to boolean")
    if kind == "int":
        try:
            return int(value)
        except ValueError:
            raise invalid_input(f"'{value}' is not an integer") from None
    if kind == "fixed_ips":
        key, sep, wanted = value.partition("=")
        if not sep or key not in ("ip_address", "subnet_id"):
            raise invalid_input(f"'{value}' is not of the form <key>=[value]")
        return (key, wanted)
    return value


def parse(query: dict[str, list[str]], attrs: Resource, taggable: bool = True) -> Query:
    q = Query()
    invalid = []
    for name, values in query.items():
        values = [v for v in values if v]
        if name in CONTROL:
            continue
        if name in TAG_FILTERS and taggable:
            tags = [t for v in values for t in v.split(",") if t]
            if tags:
                q.tags[name] = tags
            continue
        attr = attrs.get(name)
        if attr is None or attr.filter is None:
            invalid.append(name)
            continue
        if values:
            q.filters[name] = [_convert(name, attr.filter, v) for v in values]
    if invalid:
        raise bad_request(f"{invalid} is invalid attribute for filtering")
    keys = [k for k in query.get("sort_key", []) if k]
    dirs = [d for d in query.get("sort_dir", []) if d]
    if len(keys) != len(dirs):
        raise bad_request("The number of sort_keys and sort_dirs must be same")
    wrong = [k for k in keys if k not in attrs or not attrs[k].sort]
    if wrong:
        raise bad_request(f"{wrong} is invalid attribute for sort_keys")
    wrong = [d for d in dirs if d not in ("asc", "desc")]
    if wrong:
        raise bad_request(f"{wrong} is invalid value for sort_dirs, valid value is 'asc' and "
                          "'desc'")
    q.sorts = [(k, d == "asc") for k, d in zip(keys, dirs, strict=True)]
    raw = (query.get("limit") or ["0"])[0] if "id" in attrs else "0"
    try:
        limit = int(raw)
        if limit < 0:
            raise ValueError
    except ValueError:
        raise bad_resource_request("limit", f"Limit must be an integer 0 or greater and not "
                                   f"'{raw}'") from None
    # a resource without ids (availability zones) has no markers: Neutron does not page it
    q.limit = (limit or None) if "id" in attrs else None
    q.marker = next(iter(query.get("marker") or []), None) if q.limit else None
    q.page_reverse = (query.get("page_reverse") or ["False"])[0].lower() == "true"
    q.fields = [f for f in query.get("fields", []) if f]
    return q


def _matches(item: dict, name: str, kind: str | None, wanted: list[Any]) -> bool:
    value = item.get(name)
    if kind == "member":
        return any(w in (value or []) for w in wanted)
    if kind == "fixed_ips":
        keys: dict[str, list[str]] = {}
        for key, v in wanted:
            keys.setdefault(key, []).append(v)
        return any(all(ip.get(k) in vs for k, vs in keys.items()) for ip in value or [])
    if value is None:
        return False
    if kind in ("bool", "int"):
        return value in wanted
    return str(value) in wanted


def _tagged(item: dict, tags: dict[str, list[str]]) -> bool:
    have = set(item.get("tags") or [])
    checks = {
        "tags": lambda want: want <= have,
        "tags-any": lambda want: bool(want & have),
        "not-tags": lambda want: not want <= have,
        "not-tags-any": lambda want: not want & have,
    }
    return all(checks[name](set(values)) for name, values in tags.items())


def _compare(sorts: list[tuple[str, bool]], a: dict, b: dict) -> int:
    for key, ascending in sorts:
        x, y = a.get(key), b.get(key)
        if x is None and y is None:
            ret = 0
        elif x is None:
            ret = -1
        elif y is None:
            ret = 1
        else:
            ret = (x > y) - (x < y)
        if ret:
            return ret if ascending else -ret
    return 0


def select(items: list[dict], q: Query, attrs: Resource) -> list[dict]:
    """The page of `items` the query asks for (filtered, sorted, paged)."""
    for name, wanted in q.filters.items():
        items = [i for i in items if _matches(i, name, attrs[name].filter, wanted)]
    if q.tags:
        items = [i for i in items if _tagged(i, q.tags)]
    sorts = list(q.sorts)
    if "id" not in dict(sorts):
        sorts.append(("id", True))
    items = sorted(items, key=functools.cmp_to_key(functools.partial(_compare, sorts)))
    if not q.limit:
        return items
    if q.marker:
        index = next((n for n, i in enumerate(items) if i["id"] == q.marker), None)
        if index is None:
            return []
    else:
        index = len(items) if q.page_reverse else 0
    if q.page_reverse:
        return items[max(index - q.limit, 0):index]
    if q.marker:
        index += 1
    return items[index:index + q.limit]


def links(path_url: str, query: list[tuple[str, str]], page: list[dict], q: Query
          ) -> list[dict]:
    """neutron.api.api_common.get_pagination_links, same rules and hrefs."""
    if not q.limit:
        return []
    out = []
    if not (len(page) < q.limit and not q.page_reverse):
        params = [(k, v) for k, v in query if k not in ("marker", "page_reverse")]
        if page:
            params.append(("marker", page[-1]["id"]))
        out.append({"rel": "next", "href": f"{path_url}?{urlencode(params)}"})
    if not (len(page) < q.limit and q.page_reverse):
        params = [(k, v) for k, v in query if k not in ("marker", "page_reverse")]
        if page:
            params.append(("marker", page[0]["id"]))
        params.append(("page_reverse", "True"))
        out.append({"rel": "previous", "href": f"{path_url}?{urlencode(params)}"})
    return out


def only(item: dict, fields: list[str]) -> dict:
    if not fields:
        return item
    return {k: v for k, v in item.items() if k in fields}
