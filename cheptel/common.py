"""Small helpers every service uses: ids, times, query flags."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    return uuid.uuid4().hex


def iso(ts: float | None, *, micro: bool = True) -> str | None:
    """POSIX seconds -> the ISO-8601 UTC form OpenStack prints ("...T12:00:00.000000Z")."""
    if ts is None:
        return None
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.fromtimestamp(ts, UTC).strftime(fmt)


def parse_iso(value: str) -> float:
    """ISO-8601 (with Z, an offset, or naive meaning UTC) -> POSIX seconds."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def flag(query: dict[str, str], name: str) -> bool:
    """Keystone's query_filter_is_true: present and not '0'/'false' means true."""
    if name not in query:
        return False
    return query[name].strip().lower() not in ("0", "false")


def bool_filter(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")
