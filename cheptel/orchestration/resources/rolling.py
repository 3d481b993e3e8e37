"""Rolling updates and batched creation of a group, as Heat computes them
(heat/scaling/rolling_update.py, heat/scaling/template.py, the groups' `_get_batches`).

A rolling update gives the members the group's new definition a batch at a time: each
batch is (the group's size during it, how many members get the new definition in it).
The size grows above the target when the members kept in service plus the batch would
not fit (min_in_service): Heat makes extra members for the time of the update and drops
them (the oldest definitions first) at the end. The group's nested stack is updated to
each batch's template in turn; `pause_time` seconds pass between batches.

The policies, each checked as Heat's schemas check them:
  AutoScalingGroup property rolling_updates: {min_in_service, max_batch_size, pause_time}
  ResourceGroup update_policy: {rolling_update: {min_in_service, max_batch_size,
                                pause_time}, batch_create: {max_batch_size, pause_time}}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cheptel.orchestration.errors import InvalidTemplate

MIN_IN_SERVICE, MAX_BATCH_SIZE, PAUSE_TIME = "min_in_service", "max_batch_size", "pause_time"
ROLLING_UPDATE, BATCH_CREATE = "rolling_update", "batch_create"
MAX_PAUSE = 3600  # a ResourceGroup's pause_time at most (Heat: "1hr(3600s)")
# key -> (type, minimum, default)
ROLLING_SCHEMA: dict[str, tuple[str, int, int]] = {
    MIN_IN_SERVICE: ("integer", 0, 0), MAX_BATCH_SIZE: ("integer", 1, 1),
    PAUSE_TIME: ("number", 0, 0)}
CREATE_SCHEMA = {k: v for k, v in ROLLING_SCHEMA.items() if k != MIN_IN_SERVICE}

Batch = tuple[int, int]  # (the group's size during it, members given the new definition)
Definitions = list[tuple[str, dict[str, Any]]]


# -- Heat's arithmetic -------------------------------------------------------------------

def needs_update(target: int, current: int, up_to_date: int) -> bool:
    """More batches to do: not every member has the new definition, or the size is not
    the target yet."""
    return not up_to_date >= current == target


def next_batch(target: int, current: int, up_to_date: int, batch_size: int,
               min_in_service: int) -> Batch:
    """The next batch: the group's size during it (those kept in service, at least
    min_in_service of them, plus the batch) and how many members get the new
    definition in it."""
    keep = min(min_in_service, target, current)
    size = min(batch_size, max(target - up_to_date, 0))
    return size + max(min(current, target - size), keep), size


def asg_batches(capacity: int, batch_size: int, min_in_service: int) -> list[Batch]:
    """An AutoScalingGroup's batches (its size then changes in a resize of its own)."""
    out: list[Batch] = []
    current, updated = capacity, 0
    while needs_update(capacity, current, updated):
        current, new = next_batch(capacity, current, updated, batch_size, min_in_service)
        out.append((current, new))
        updated += new
    return out


def rg_batches(target: int, current: int, batch_size: int,
               min_in_service: int) -> list[Batch]:
    """A ResourceGroup's batches: its extra members (above the target) do not count as
    updated, they are dropped at the end."""
    out: list[Batch] = []
    updated = 0
    while needs_update(target, current, updated):
        size, new = next_batch(target, current, updated, batch_size, min_in_service)
        out.append((size, new))
        updated += new - max(size - max(current, target), 0)
        current = size
    return out


def definitions(old: Definitions, new: Callable[[str], dict[str, Any]], size: int,
                num_new: int, new_name: Iterator[str]) -> Definitions:
    """One batch's members (Heat's member_definitions): `old` in the order they are to be
    replaced or dropped (the first ones first), cut to `size` from the end; new members
    added to reach it; then members given the new definition until num_new of them
    (new ones included) have it."""
    kept = old[len(old) - size:] if size < len(old) else list(old)
    replace = num_new - (size - len(kept))
    out: Definitions = []
    for i in range(size):
        if i < len(kept):
            name, definition = kept[i]
            wanted = new(name)
            if definition != wanted and replace > 0:
                replace -= 1
                out.append((name, wanted))
            else:
                out.append((name, definition))
        else:
            name = next(new_name)
            out.append((name, new(name)))
    return out


def pauses_fit(batches: int, pause: float, timeout_mins: int) -> None:
    """Heat refuses a policy whose pauses alone outlast the stack's timeout."""
    if pause * max(batches - 1, 0) >= timeout_mins * 60:
        raise InvalidTemplate("The current update policy will result in stack update "
                              "timeout.")


# -- the policies' checks ----------------------------------------------------------------

def _number(path: str, key: str, value: Any, kind: str, minimum: int) -> int | float:
    if isinstance(value, str):
        try:
            value = int(value) if kind == "integer" else float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            kind == "integer" and not float(value).is_integer()):
        article = "an" if kind == "integer" else "a"
        raise InvalidTemplate(f"Property error: {path}.{key}: Value '{value}' is not "
                              f"{article} {kind}")
    if value < minimum:
        raise InvalidTemplate(f"Property error: {path}.{key}: {value} is out of range "
                              f"(min: {minimum}, max: None)")
    return int(value) if kind == "integer" else value


def policy(path: str, value: Any, schema: dict[str, tuple[str, int, int]]
           ) -> dict[str, Any] | None:
    """A policy map checked against its schema, defaults added (None if not given)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidTemplate(f"Property error: {path}: Value must be a map")
    unknown = sorted(set(value) - set(schema))
    if unknown:
        raise InvalidTemplate(f"Property error: {path}: Unknown Property {unknown[0]}")
    return {key: default if value.get(key) is None
            else _number(path, key, value[key], kind, minimum)
            for key, (kind, minimum, default) in schema.items()}


def rg_policy(name: str, value: Any) -> dict[str, Any]:
    """A ResourceGroup's update_policy: its rolling_update and batch_create, checked."""
    path = f"resources.{name}.update_policy"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidTemplate(f"Property error: {path}: Value must be a map")
    unknown = sorted(set(value) - {ROLLING_UPDATE, BATCH_CREATE})
    if unknown:
        raise InvalidTemplate(f"Property error: {path}: Unknown Property {unknown[0]}")
    out = {ROLLING_UPDATE: policy(f"{path}.{ROLLING_UPDATE}", value.get(ROLLING_UPDATE),
                                  ROLLING_SCHEMA),
           BATCH_CREATE: policy(f"{path}.{BATCH_CREATE}", value.get(BATCH_CREATE),
                                CREATE_SCHEMA)}
    for section in out.values():
        if section is not None and section[PAUSE_TIME] > MAX_PAUSE:
            raise InvalidTemplate(f"Maximum {PAUSE_TIME} allowed is 1hr({MAX_PAUSE}s), "
                                  f"provided {section[PAUSE_TIME]} seconds.")
    return {k: v for k, v in out.items() if v is not None}
