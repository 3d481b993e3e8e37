"""Listings as Heat pages them: filters, sort keys and direction, a marker (an id of the
list: 404 if it is not in it) and a limit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from cheptel.orchestration.errors import StackNotFound

T = TypeVar("T")


def page(items: Sequence[T], key: Callable[[T], Any], reverse: bool, marker: str | None,
         ident: Callable[[T], str], limit: int | None, what: str) -> list[T]:
    ordered = sorted(items, key=key, reverse=reverse)
    if marker:
        ids = [ident(i) for i in ordered]
        if marker not in ids:
            raise StackNotFound(marker, what)
        ordered = ordered[ids.index(marker) + 1:]
    return ordered if limit is None else ordered[:limit]


def sort_value(value: Any) -> tuple[int, Any]:
    """None sorts first; everything else by itself."""
    return (0, "") if value is None else (1, value)
