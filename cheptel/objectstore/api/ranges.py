"""HTTP Range (RFC 7233) as swob reads it: `bytes=` with one or more ranges; a header it
cannot parse is ignored (the whole object, 200); ranges none of which fit are a 416."""

from __future__ import annotations

from cheptel.objectstore.errors import RangeNotSatisfiable

MAX_RANGES = 50


def parse(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """-> [(start, length)] to send, or None: send everything (no or unusable header)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    wanted: list[tuple[int | None, int | None]] = []
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        if not dash:
            return None
        try:
            start = int(first) if first.strip() else None
            end = int(last) if last.strip() else None
        except ValueError:
            return None
        if (start is None and end is None) or (start is not None and start < 0) or (
                end is not None and end < 0) or (
                start is not None and end is not None and end < start):
            return None
        wanted.append((start, end))
    if len(wanted) > MAX_RANGES:
        return None
    out = []
    for start, end in wanted:
        if start is None:  # the last `end` bytes
            assert end is not None
            if end == 0:
                continue
            length = min(end, size)
            out.append((size - length, length))
        elif start < size:
            stop = size - 1 if end is None else min(end, size - 1)
            out.append((start, stop - start + 1))
    if not out:
        raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return out
