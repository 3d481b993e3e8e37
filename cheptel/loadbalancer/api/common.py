"""What the load-balancer handlers share: the caller, the body check, Octavia's
listings (filters on any attribute, tags filters, `sort`/`sort_key`+`sort_dir`,
`limit`/`marker`/`page_reverse` with next/previous links, `fields`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from cheptel.errors import BadRequest, Unauthorized
from cheptel.policy import Creds
from cheptel.validation import check
from cheptel.web import Ctx

LBAAS = "/v2/lbaas"
MAX_LIMIT = 1000
# not filters (octavia/api/common/pagination.py _auxiliary_arguments)
AUXILIARY = {"limit", "marker", "sort", "sort_key", "sort_dir", "fields", "page_reverse",
             "project_id", "tags", "tags-any", "not-tags", "not-tags-any"}


def caller(ctx: Ctx) -> Creds:
    if ctx.creds is None:
        raise Unauthorized()
    return ctx.creds


def body(ctx: Ctx, schema: dict[str, Any], root: str) -> dict[str, Any]:
    """The object under `root`, checked (Octavia's wsme: unknown attributes are 400)."""
    value = check(schema, _integers(schema, ctx.body))
    return dict(value[root])


def _integers(schema: dict[str, Any], value: Any) -> Any:
    """wsme's integer attributes take a JSON string of one too ("80" is 80)."""
    props = schema.get("properties")
    if not (props and isinstance(value, dict)):
        return value
    out = {}
    for key, item in value.items():
        sub = props.get(key) or {}
        types = sub.get("type")
        if isinstance(item, str) and "integer" in (
                types if isinstance(types, list) else [types]):
            try:
                item = int(item)
            except ValueError:
                pass  # the schema says why
        out[key] = _integers(sub, item)
    return out


def project_filter(ctx: Ctx, kind: str) -> str | None:
    """Whose objects a listing shows: the caller's project, or (an admin, with
    `project_id` or none) any project's: None means every project."""
    creds = caller(ctx)
    wanted = ctx.query.get("project_id")
    if ctx.allowed(f"{kind}:get_all-global", {}):
        return wanted or None
    if wanted and wanted != creds.project_id:
        return "\0"  # another project's: nothing (Octavia filters, it does not refuse)
    return creds.project_id or "\0"


def _tags(raw: list[str]) -> set[str]:
    return {t for value in raw for t in value.split(",") if t}


def _matches(doc: dict[str, Any], key: str, wanted: list[str]) -> bool:
    if key == "loadbalancer_id" and key not in doc and "loadbalancers" in doc:
        # Octavia filters its load_balancer_id column (listeners, pools): the documents
        # show it as `loadbalancers`
        return any(lb["id"] in wanted for lb in doc["loadbalancers"])
    value = doc.get(key)
    if isinstance(value, bool):
        return str(value).lower() in {w.lower() for w in wanted}
    return ("None" if value is None else str(value)) in wanted


def _sort_keys(ctx: Ctx, docs: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    sort, sort_key = ctx.query.get("sort"), ctx.query.get("sort_key")
    if sort:
        for part in sort.split(","):
            comps = part.split(":")
            if len(comps) > 2:
                raise BadRequest(f"Supplied sort key '{comps}' is not valid.")
            keys.append((comps[0], _direction(comps[1] if len(comps) == 2 else "asc")))
    elif sort_key:
        dirs = (ctx.query.get("sort_dir") or "").split(",") if ctx.query.get("sort_dir") \
            else []
        for i, key in enumerate(sort_key.split(",")):
            keys.append((key, _direction(dirs[i] if i < len(dirs) else "asc")))
    for default in ("created_at", "id"):  # those the objects have (Octavia's)
        if default not in [k for k, _ in keys] and (not docs or default in docs[0]):
            keys.append((default, "asc"))
    return keys


def _direction(raw: str) -> str:
    if raw.lower() not in ("asc", "desc"):
        raise BadRequest(f"Supplied sort direction '{raw.lower()}' is not valid.")
    return raw.lower()


def _limit(ctx: Ctx) -> int | None:
    raw = ctx.query.get("limit")
    if raw is None:
        return MAX_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"Supplied pagination limit '{raw[:40]}' is not valid.") from None
    return None if value < 1 else min(value, MAX_LIMIT)


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (bool, int, float)):
        return (1, value)
    return (2, str(value))


def listing(ctx: Ctx, plural: str, docs: Sequence[dict[str, Any]],
            attributes: set[str] | None = None) -> dict[str, Any]:
    """Octavia's list answer over rendered documents: `{plural: [...], plural_links}`.
    `attributes`: the filterable names (a document's keys when None)."""
    allowed = attributes if attributes is not None else (set(docs[0]) if docs else set())
    filters = {k: v for k, v in ctx.query_multi.items() if k not in AUXILIARY}
    for key in filters:
        if attributes is not None and key not in allowed:
            raise BadRequest("One or more arguments are either duplicate or invalid")
    rows = [d for d in docs if all(_matches(d, k, v) for k, v in filters.items())]
    multi = ctx.query_multi
    if "tags" in multi:
        rows = [d for d in rows if _tags(multi["tags"]) <= set(d.get("tags") or [])]
    if "tags-any" in multi:
        rows = [d for d in rows if _tags(multi["tags-any"]) & set(d.get("tags") or [])]
    if "not-tags" in multi:
        rows = [d for d in rows if not _tags(multi["not-tags"]) <= set(d.get("tags") or [])]
    if "not-tags-any" in multi:
        rows = [d for d in rows
                if not _tags(multi["not-tags-any"]) & set(d.get("tags") or [])]
    keys = _sort_keys(ctx, docs)
    for key, _ in keys:
        if docs and key not in docs[0]:
            raise BadRequest(f"Supplied sort key '{key}' is not valid.")
    for key, direction in reversed(keys):
        rows.sort(key=lambda d, k=key: _key(d.get(k)), reverse=direction == "desc")  # type: ignore[misc]
    limit, marker = _limit(ctx), ctx.query.get("marker")
    reverse = (ctx.query.get("page_reverse") or "").lower() == "true"
    if marker:
        ids = [d["id"] for d in rows]
        if marker not in ids:
            raise BadRequest(f"Supplied pagination marker '{marker[:40]}' is not valid.")
        at = ids.index(marker)
        rows = rows[:at] if reverse else rows[at + 1:]
    if limit is not None:
        rows = rows[-limit:] if reverse and marker else rows[:limit]
    links = _links(ctx, rows, limit, marker)
    fields = [f for raw in ctx.query_multi.get("fields", []) for f in raw.split(",") if f]
    if fields:
        rows = [{k: v for k, v in d.items() if k in fields} for d in rows]
    return {plural: rows, f"{plural}_links": links}


def _links(ctx: Ctx, rows: Sequence[dict[str, Any]], limit: int | None,
           marker: str | None) -> list[dict[str, str]]:
    if not rows or ctx.query.get("limit") is None:
        return []
    url = str(ctx.request.url).split("?")[0]
    base = [("limit", str(limit))] + [(k, ctx.query[k]) for k in ("sort", "sort_key")
                                      if ctx.query.get(k)]
    links = []
    if marker:
        prev = urlencode(base + [("marker", rows[0]["id"]), ("page_reverse", "True")])
        links.append({"rel": "previous", "href": f"{url}?{prev}"})
    if limit is None or len(rows) >= limit:
        links.append({"rel": "next",
                      "href": f"{url}?{urlencode(base + [('marker', rows[-1]['id'])])}"})
    return links


def one(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    """A single object's document, with `fields` applied (Octavia honours it on GET)."""
    fields = [f for raw in ctx.query_multi.get("fields", []) for f in raw.split(",") if f]
    return {k: v for k, v in doc.items() if k in fields} if fields else doc


Render = Callable[[Any], dict[str, Any]]
