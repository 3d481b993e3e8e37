"""Cinder's scheduler, for the one backend this host has: its CapabilitiesFilter
(cinder/scheduler/filters/capabilities_filter.py, extra_specs_ops.py) matches a volume
type's extra specs against the backend's capabilities (what /scheduler-stats/get_pools
and /capabilities report). No match is Cinder's "No valid backend": the volume goes
`error` and a user message says so (create still answered 202).
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cheptel.volume.models import Volume, VolumeType
from cheptel.volume.service import backends, messages

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

# what the file backend reports (its get_volume_stats), pool and backend alike
CAPABILITIES: dict[str, Any] = {
    "volume_backend_name": backends.BACKEND, "vendor_name": "Open Source",
    "driver_version": "1.0", "storage_protocol": "file"}


def capabilities(pool: backends.Pool | None = None) -> dict[str, Any]:
    """The pool's capabilities, as get_pools?detail=True shows them (without the
    timestamp); without a pool, the capacity is left out."""
    caps: dict[str, Any] = {**CAPABILITIES, "pool_name": backends.BACKEND,
                            "QoS_support": False, "reserved_percentage": 0,
                            "thin_provisioning_support": True, "multiattach": False}
    if pool is not None:
        caps.update(total_capacity_gb=pool.total_gb, free_capacity_gb=pool.free_gb,
                    allocated_capacity_gb=pool.allocated_gb)
    return caps


def _bool(value: Any) -> bool:
    """oslo's strutils.bool_from_string (not strict)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "t", "true", "on", "y", "yes")


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda x, y: float(x) >= float(y),
    "<in>": lambda x, y: y in x,
    "<is>": lambda x, y: _bool(x) is _bool(y),
    "==": lambda x, y: float(x) == float(y),
    "!=": lambda x, y: float(x) != float(y),
    ">=": lambda x, y: float(x) >= float(y),
    "<=": lambda x, y: float(x) <= float(y),
    "s==": operator.eq, "s!=": operator.ne, "s<": operator.lt, "s<=": operator.le,
    "s>": operator.gt, "s>=": operator.ge,
}


def match(value: Any, req: str | None) -> bool:
    """extra_specs_ops.match: `<op> operand`, `<or> a <or> b`, or plain equality."""
    if req is None:
        return value is None
    words = req.split()
    op = words.pop(0) if words else None
    method = OPS.get(op) if op is not None else None
    if op != "<or>" and method is None:
        return bool(value == req)
    if value is None:
        return False
    if op == "<or>":
        while words:
            if words.pop(0) == value:
                return True
            if not words:
                break
            words.pop(0)  # the next <or>
        return False
    try:
        return bool(words and method is not None and method(value, words[0]))
    except (ValueError, TypeError):
        return False


def satisfies(extra_specs: dict[str, Any], caps: dict[str, Any]) -> bool:
    """CapabilitiesFilter._satisfies_extra_specs: a key scoped other than `capabilities:`
    is ignored; any other names a capability (`a:b` walks nested ones) that must exist
    and match."""
    for key, req in (extra_specs or {}).items():
        scope = key.split(":")
        if len(scope) > 1 and scope[0] != "capabilities":
            continue
        if scope[0] == "capabilities":
            del scope[0]
        cap: Any = caps
        for part in scope:
            try:
                cap = cap[part]
            except (TypeError, KeyError):
                return False
        if not any(match(v, req) for v in (cap if isinstance(cap, list) else [cap])):
            return False
    return True


def passes(db: Session, deps: Deps, vt: VolumeType | None) -> bool:
    if vt is None or not vt.extra_specs:
        return True
    return satisfies(vt.extra_specs, capabilities(backends.pool(db, deps.settings.data_dir)))


def no_valid_backend(deps: Deps, volume_id: str, request_id: str) -> None:
    """After the create committed: the scheduler found no backend (NoValidBackend):
    the volume is `error`, and a user message (schedule allocate volume: could not find
    any available weighted backend) is recorded in its project."""
    with deps.sessions() as db, db.begin():
        volume = db.get(Volume, volume_id)
        if volume is None or volume.status != "creating":
            return
        now = deps.clock()
        volume.status, volume.updated_at = "error", now
        volume.error_message = "No valid backend was found. No weighed backends available"
        messages.record(db, volume.project_id, request_id,
                        messages.SCHEDULE_ALLOCATE_VOLUME, messages.NO_BACKEND_AVAILABLE,
                        volume.id, now)
    log.info("volume %s: no valid backend for its type's extra specs", volume_id)
