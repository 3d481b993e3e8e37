"""User messages (Cinder's /messages, 3.3; cinder/message/): what went wrong with a
request the API had already accepted (a volume no backend could take, an upload to an
image that failed), with Cinder's event ids and texts (message_field.py).

A message belongs to the project of the request that caused it; it is kept for
message_ttl (30 days) and removed at the first start after it expired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import VolumeMessage
from cheptel.volume.service.listing import MAX_LIMIT, _int, _sort

TTL = 2592000  # Cinder's message_ttl, seconds

# cinder/message/message_field.py: Resource, Action, Detail
VOLUME = "VOLUME"
SCHEDULE_ALLOCATE_VOLUME = ("001", "schedule allocate volume")
COPY_VOLUME_TO_IMAGE = ("003", "copy volume to image")
ACTIONS = dict([SCHEDULE_ALLOCATE_VOLUME, ("002", "attach volume"), COPY_VOLUME_TO_IMAGE,
                ("004", "update attachment"), ("005", "copy image to volume"),
                ("006", "unmanage volume"), ("007", "extend volume"),
                ("008", "create volume from backend storage"), ("009", "create snapshot"),
                ("010", "delete snapshot"), ("011", "update snapshot"),
                ("012", "update snapshot metadata"), ("013", "create backup"),
                ("014", "delete backup"), ("015", "restore backup"),
                ("016", "reimage volume")])
UNKNOWN_ERROR = ("001", "An unknown error occurred.")
NO_BACKEND_AVAILABLE = ("003", "Could not find any available weighted backend.")
FAILED_TO_UPLOAD_VOLUME = ("004", "Failed to upload volume to image at backend.")
DETAILS = dict([UNKNOWN_ERROR, NO_BACKEND_AVAILABLE, FAILED_TO_UPLOAD_VOLUME])

# cinder/etc/cinder/resource_filters.json ("message"); what a listing takes besides
FILTERS = ("resource_uuid", "resource_type", "event_id", "request_id", "message_level")
PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "all_tenants"}
SORT_KEYS = {"id", "project_id", "request_id", "resource_type", "resource_uuid",
             "event_id", "detail_id", "action_id", "message_level", "created_at",
             "expires_at"}
COLUMNS = SORT_KEYS  # the model's attributes: any other filter matches nothing


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


def record(db: Session, project_id: str, request_id: str, action: tuple[str, str],
           detail: tuple[str, str], resource_uuid: str | None, now: float,
           resource_type: str = VOLUME, level: str = "ERROR") -> VolumeMessage:
    """cinder/message/api.py create: event VOLUME_<resource>_<action>_<detail>."""
    detail_id = detail[0] if detail[0] in DETAILS else UNKNOWN_ERROR[0]
    msg = VolumeMessage(id=str(uuid.uuid4()), project_id=project_id, request_id=request_id,
                        resource_type=resource_type, resource_uuid=resource_uuid,
                        event_id=f"VOLUME_{resource_type}_{action[0]}_{detail_id}",
                        action_id=action[0], detail_id=detail_id, message_level=level,
                        created_at=now, expires_at=now + TTL)
    db.add(msg)
    db.flush()
    return msg


def user_message(msg: VolumeMessage) -> str:
    """The controller's _build_user_message: "<action>:<detail>"."""
    return (f"{ACTIONS.get(msg.action_id or '', 'unknown action')}:"
            f"{DETAILS.get(msg.detail_id or '', UNKNOWN_ERROR[1])}")


def get_visible(db: Session, creds: Creds, message_id: str, now: float) -> VolumeMessage:
    msg = db.get(VolumeMessage, message_id) if len(message_id) <= 36 else None
    if msg is None or msg.expires_at < now or not (
            creds.is_admin or msg.project_id == creds.project_id):
        raise NotFound(f"Message {message_id[:64]} could not be found.")
    return msg


def remove(db: Session, msg: VolumeMessage) -> None:
    db.delete(msg)
    db.flush()


def cleanup_expired(db: Session, now: float) -> int:
    """cleanup_expired_messages: delete what has expired; -> how many."""
    result = db.execute(delete(VolumeMessage).where(VolumeMessage.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Page:
    messages: list[VolumeMessage]
    more: bool


def _matches(msg: VolumeMessage, filters: dict[str, str]) -> bool:
    for key, want in filters.items():
        if key.endswith("~"):  # 3.34's like filters: a substring
            if want not in str(getattr(msg, key[:-1]) or ""):
                return False
        elif str(getattr(msg, key) if getattr(msg, key) is not None else "") != want:
            return False
    return True


def _attr_key(attr: str, msg: VolumeMessage) -> tuple[bool, Any]:
    value = getattr(msg, attr)
    return (value is None, value if value is not None else 0)


def list_messages(db: Session, creds: Creds, query: dict[str, str], paged: bool,
                  strict: bool, like: bool, all_tenants: bool, now: float) -> Page:
    """The caller's project's messages (every project's for an admin with all_tenants),
    unexpired. Before 3.5 the query is ignored (Cinder reads none); from 3.31 a filter
    outside resource_filters.json is a non-admin's 400; a filter that names no column
    matches nothing, as Cinder's is_valid_model_filters."""
    query = dict(query) if paged else {}
    filters = {k: v for k, v in query.items() if k not in PAGING}
    if strict and not creds.is_admin:
        allowed = set(FILTERS) | ({f + "~" for f in FILTERS} if like else set())
        unknown = sorted(set(filters) - allowed)
        if unknown:
            raise BadRequest(f"Invalid filters {', '.join(unknown)[:200]} are found in "
                             f"query options.")
    limit, offset = _int(query, "limit"), _int(query, "offset") or 0
    order = _sort(query, SORT_KEYS, {})
    stmt = select(VolumeMessage).where(VolumeMessage.expires_at >= now)
    if not all_tenants:
        stmt = stmt.where(VolumeMessage.project_id == creds.project_id)
    if any(k.rstrip("~") not in COLUMNS or (k.endswith("~") and not like) for k in filters):
        found: list[VolumeMessage] = []
    else:
        found = [m for m in db.scalars(stmt) if _matches(m, filters)]
    for attr, desc in reversed(order):
        found.sort(key=partial(_attr_key, attr), reverse=desc)
    marker = query.get("marker")
    if marker is not None:
        ids = [m.id for m in found]
        if marker not in ids:
            raise NotFound(f"Message {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    found = found[offset:]
    size = min(limit, MAX_LIMIT) if limit is not None else MAX_LIMIT
    page = found[:size]
    return Page(page, bool(page) and len(page) >= size)
