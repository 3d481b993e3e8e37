"""Tags of the standard-attribute resources (networks, subnets, ports, routers, floating
IPs, security groups): a list of unique strings on the row."""

from __future__ import annotations

from typing import Any

from cheptel.network.errors import bad_resource_request, invalid_input, not_found
from cheptel.network.service.common import touch

MAX_TAG_LEN = 255
MAX_TAGS = 50


def check_tag(tag: str) -> None:
    if len(tag) > MAX_TAG_LEN:
        raise invalid_input(f"'{tag}' exceeds maximum length of {MAX_TAG_LEN}")


def _limit(resource: str, tags: list[str]) -> None:
    if len(set(tags)) > MAX_TAGS:
        raise bad_resource_request(resource, "The number of tags exceed the per-resource "
                                   f"limit of {MAX_TAGS}")


def check_body(body: Any) -> list[str]:
    if not isinstance(body, dict) or "tags" not in body or not isinstance(body["tags"], list):
        raise invalid_input("Invalid tags body")
    tags = body["tags"]
    for tag in tags:
        if not isinstance(tag, str):
            raise invalid_input(f"'{tag}' is not a valid string")
        check_tag(tag)
    if len(set(tags)) != len(tags):
        dups = sorted({t for t in tags if tags.count(t) > 1})
        raise invalid_input(f"Duplicate items in the list: '{', '.join(dups)}'")
    return tags


def replace(row: Any, resource: str, tags: list[str], now: float) -> list[str]:
    _limit(resource, tags)
    row.tags = list(tags)
    touch(row, now)
    return row.tags


def add(row: Any, resource: str, tag: str, now: float) -> None:
    check_tag(tag)
    if tag not in (row.tags or []):
        _limit(resource, [*row.tags, tag])
        row.tags = [*row.tags, tag]
        touch(row, now)


def has(row: Any, tag: str) -> None:
    if tag not in (row.tags or []):
        raise not_found("TagNotFound", f"Tag {tag} could not be found.")


def remove(row: Any, tag: str, now: float) -> None:
    has(row, tag)
    row.tags = [t for t in row.tags if t != tag]
    touch(row, now)


def clear(row: Any, now: float) -> None:
    if row.tags:
        row.tags = []
        touch(row, now)
