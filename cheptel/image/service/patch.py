"""PATCH /v2/images/{id}: Glance's JSON-patch dialects, parsed and applied.

Two media types: `application/openstack-images-v2.1-json-patch` (RFC 6902 style,
{"op": "replace", "path": "/name", "value": ...}) and the older
`application/openstack-images-v2.0-json-patch` ({"replace": "/name", "value": ...}).
Paths name one attribute: a base attribute or an extra property. The whole list is
applied in the caller's transaction, so one bad operation changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, Forbidden
from cheptel.image import schemas
from cheptel.image.models import Image, ImageProperty
from cheptel.image.service import images
from cheptel.policy import Creds

MEDIA_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
OPS = ("add", "remove", "replace")
_FORMATS_ONLY_QUEUED = ("container_format", "disk_format")


@dataclass(frozen=True)
class Change:
    op: str
    path: str  # the one attribute the pointer names, unescaped
    value: Any = None
    draft: int = 10


def _pointer(pointer: Any) -> str:
    if not isinstance(pointer, str):
        raise BadRequest("Pointer must be a string.")
    if not pointer.startswith("/"):
        raise BadRequest(f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer[1:]):
        raise BadRequest(f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise BadRequest(f'Pointer `{pointer}` end with "/".')
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise BadRequest(f'Pointer `{pointer}` contains "~" not part of a recognized '
                         f"escape sequence.")
    parts = [p.replace("~1", "/").replace("~0", "~").strip()
             for p in pointer.lstrip("/").split("/")]
    if len(parts) != 1 or not parts[0]:
        raise BadRequest(f"Invalid JSON pointer for this resource: '/{'/'.join(parts)}'")
    return parts[0]


def _one(raw: Any, draft: int) -> Change:
    if not isinstance(raw, dict):
        raise BadRequest("Operations must be JSON objects.")
    if draft == 10:
        op = raw.get("op")
        if op not in OPS:
            raise BadRequest(f"Invalid operation: `{op}`. It must be one of the following: "
                             f"{', '.join(OPS)}.")
        if "path" not in raw:
            raise BadRequest("Unable to find 'path' in JSON Schema change")
        path = _pointer(raw["path"])
    else:
        found = [k for k in OPS if k in raw]
        if len(found) != 1:
            raise BadRequest('Operation objects must contain exactly one member named '
                             '"add", "remove", or "replace".')
        op = found[0]
        path = _pointer(raw[op])
    if op != "remove" and "value" not in raw:
        raise BadRequest(f'Operation "{op}" requires a member named "value".')
    change = Change(op, path, raw.get("value"), draft)
    images.check_key(path)
    if op != "remove":
        schemas.validate_image({path: change.value})
    return change


def parse(body: Any, media_type: str) -> list[Change]:
    """Check a PATCH body the way Glance does: every problem is a 400 or a 403."""
    if body is None:
        raise BadRequest("Body expected in request.")
    if not isinstance(body, list):
        raise BadRequest("Request body must be a JSON array of operation objects.")
    return [_one(raw, MEDIA_TYPES[media_type]) for raw in body]


def apply(db: Session, creds: Creds, image: Image, changes: list[Change], now: float) -> None:
    """Apply checked changes to the image (policy for visibility was checked by the caller)."""
    props = {p.name: p for p in db.scalars(select(ImageProperty)
                                          .where(ImageProperty.image_id == image.id))}
    for c in changes:
        base = c.path in schemas.BASE_PROPERTIES
        if c.op == "remove":
            if base:
                raise Forbidden(f"Property {c.path} may not be removed.")
            if c.path not in props:
                raise Conflict(f"Property {c.path} does not exist.")
            db.delete(props.pop(c.path))
        elif base:
            if c.op == "add" and c.draft == 4:
                raise Conflict(f"Property {c.path} already present.")
            _set_base(db, creds, image, c.path, c.value)
        elif c.op == "replace" and c.path not in props:
            raise Conflict(f"Property {c.path} does not exist.")
        elif c.path in props:
            if c.draft == 4 and c.op == "add":
                raise Conflict(f"Property {c.path} already present.")
            props[c.path].value = c.value
        else:
            props[c.path] = ImageProperty(image_id=image.id, name=c.path, value=c.value)
            db.add(props[c.path])
    images.check_quotas(len(props), 0)
    image.updated_at = now
    db.flush()


def _set_base(db: Session, creds: Creds, image: Image, name: str, value: Any) -> None:
    if name == "tags":
        images.set_tags(db, image, value)
        return
    if name == "owner" and value != image.owner and not creds.is_admin:
        raise Forbidden("Owner can't be updated by non admin.")
    if (name in _FORMATS_ONLY_QUEUED and value != getattr(image, name)
            and image.status not in ("queued", "importing")):
        raise Forbidden(f"Attribute {name} can be only replaced for a queued image.")
    if name in ("protected", "os_hidden"):
        value = bool(value)
    setattr(image, name, value)
