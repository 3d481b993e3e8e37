"""Pieces every compute view shares: resource links, paging links, Nova's timestamps."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from cheptel.common import iso


def links(base: str, kind: str, oid: str) -> list[dict]:
    """Nova's self (versioned) and bookmark (unversioned) links; base is the cloud's URL."""
    return [{"rel": "self", "href": f"{base}/compute/v2.1/{kind}/{oid}"},
            {"rel": "bookmark", "href": f"{base}/compute/{kind}/{oid}"}]


def next_links(base: str, collection: str, query: Mapping[str, str], marker: str,
               more: bool) -> list[dict]:
    """A `rel: next` link carrying the request's parameters and the new marker."""
    if not more:
        return []
    params = dict(sorted(query.items()))
    params["marker"] = marker
    return [{"rel": "next",
             "href": f"{base}/compute/v2.1/{collection}?{urlencode(params)}"}]


def naive_time(ts: float | None) -> str | None:
    """Nova's DB datetimes as the API prints them: no zone suffix, microseconds."""
    text = iso(ts)
    return text[:-1] if text else None
