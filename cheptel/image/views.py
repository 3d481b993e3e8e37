"""Image response bodies, shaped as Glance's (relative self/file/schema links)."""

from __future__ import annotations

from urllib.parse import urlencode

from cheptel.common import iso
from cheptel.image.models import ImageMember
from cheptel.image.service.images import Loaded

# (version, status): what the discovery document advertises. 2.7 brings os_hidden and
# the multihash fields; image import (2.6) is advertised with no import method enabled,
# as a Glance configured with enabled_import_methods = [] does.
VERSIONS = [("2.7", "CURRENT"), ("2.6", "SUPPORTED"), ("2.5", "SUPPORTED"),
            ("2.4", "SUPPORTED"), ("2.3", "SUPPORTED"), ("2.2", "SUPPORTED"),
            ("2.1", "SUPPORTED"), ("2.0", "SUPPORTED")]


def versions(base: str) -> dict:
    href = f"{base}/v2/"
    return {"versions": [{"id": f"v{v}", "status": status,
                          "links": [{"rel": "self", "href": href}]}
                         for v, status in VERSIONS]}


def _time(ts: float) -> str | None:
    return iso(ts, micro=False)


def image(loaded: Loaded) -> dict:
    i = loaded.image
    body: dict = dict(loaded.properties)
    body.update({
        "id": i.id, "name": i.name, "status": i.status, "visibility": i.visibility,
        "protected": i.protected, "os_hidden": i.os_hidden, "owner": i.owner,
        "disk_format": i.disk_format, "container_format": i.container_format,
        "size": i.size, "virtual_size": i.virtual_size, "checksum": i.checksum,
        "os_hash_algo": i.os_hash_algo, "os_hash_value": i.os_hash_value,
        "min_ram": i.min_ram, "min_disk": i.min_disk, "tags": list(loaded.tags),
        "created_at": _time(i.created_at), "updated_at": _time(i.updated_at),
        "self": f"/v2/images/{i.id}", "file": f"/v2/images/{i.id}/file",
        "schema": "/v2/schemas/image",
    })
    return body


def image_list(items: list[Loaded], params: list[tuple[str, str]], next_marker: str | None
               ) -> dict:
    """Glance's list: `first`, and `next` (same query, new marker) when more remain."""
    kept = [(k, v) for k, v in params if k != "marker"]
    body: dict = {"images": [image(i) for i in items], "schema": "/v2/schemas/images",
                  "first": "/v2/images" + (f"?{urlencode(kept)}" if kept else "")}
    if next_marker is not None:
        body["next"] = "/v2/images?" + urlencode([*kept, ("marker", next_marker)])
    return body


def member(m: ImageMember) -> dict:
    return {"image_id": m.image_id, "member_id": m.member_id, "status": m.status,
            "created_at": _time(m.created_at), "updated_at": _time(m.updated_at),
            "schema": "/v2/schemas/member"}


def member_list(members: list[ImageMember]) -> dict:
    return {"members": [member(m) for m in members], "schema": "/v2/schemas/members"}
