"""OS::Swift::Container (heat/engine/resources/openstack/swift/container.py), through
the object store's own routes (Swift's API): PUT with the ACL and metadata headers,
GET for its counters, DELETE (its objects first with PurgeOnDelete; else a container
that still holds objects fails the delete with Swift's 409, as Heat's)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlparse

from cheptel.errors import NotFound
from cheptel.orchestration.resources.base import (
    Prop,
    Record,
    ResourceType,
    gone_when_missing,
    ignore_missing,
)
from cheptel.orchestration.service.cloud import Cloud

S = "object-store"


def _account(cloud: Cloud) -> str:
    return f"/v1/AUTH_{cloud.project_id}"


def _path(cloud: Cloud, name: str, obj: str = "") -> str:
    tail = f"/{quote(obj, safe='/')}" if obj else ""
    return f"{_account(cloud)}/{quote(name, safe='')}{tail}"


def _create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    name = p.get("name") or r.name
    headers = {k: str(p[k]) for k in ("X-Container-Read", "X-Container-Write")
               if p.get(k) is not None}
    headers.update({f"X-Container-Meta-{k}": str(v)
                    for k, v in (p.get("X-Container-Meta") or {}).items()})
    cloud.call(S, "PUT", _path(cloud, name), headers=headers)
    if p.get("X-Account-Meta"):
        cloud.call(S, "POST", _account(cloud), headers={
            f"X-Account-Meta-{k}": str(v) for k, v in p["X-Account-Meta"].items()})
    r.physical_id = name


def _head(cloud: Cloud, r: Record) -> dict[str, str]:
    return cloud.call_headers(S, "GET", _path(cloud, r.physical_id),
                              query={"format": "json", "limit": "0"})


def _delete(cloud: Cloud, r: Record) -> None:
    if not r.physical_id:
        return
    if r.properties.get("PurgeOnDelete"):
        try:
            listed = cloud.call(S, "GET", _path(cloud, r.physical_id),
                                query={"format": "json"}) or []
        except NotFound:
            return
        for entry in listed:
            name = str(entry.get("name") or "")
            ignore_missing(lambda name=name: cloud.call(  # type: ignore[misc]
                S, "DELETE", _path(cloud, r.physical_id, name)))
    ignore_missing(lambda: cloud.call(S, "DELETE", _path(cloud, r.physical_id)))


def _show(cloud: Cloud, r: Record) -> dict[str, Any]:
    head = _head(cloud, r)
    base = getattr(getattr(cloud, "deps", None), "settings", None)
    root = f"{base.base_url if base else ''}/object-store{_account(cloud)}"
    return {"DomainName": urlparse(root).hostname, "WebsiteURL": f"{root}/"
            f"{quote(r.physical_id, safe='')}", "RootURL": f"{root}/",
            "ObjectCount": int(head.get("x-container-object-count", 0)),
            "BytesUsed": int(head.get("x-container-bytes-used", 0)),
            "HeadContainer": head}


CONTAINER = ResourceType(
    name="OS::Swift::Container", description="A resource for managing Swift containers.",
    properties={
        "name": Prop("string", "Name for the container. If not specified, a unique name "
                     "will be generated."),
        "X-Container-Read": Prop("string", "Specify the ACL permissions on who can read "
                                 "objects in the container."),
        "X-Container-Write": Prop("string", "Specify the ACL permissions on who can write "
                                  "objects to the container."),
        "X-Container-Meta": Prop("map", "A map of user-defined meta data to associate with "
                                 "the container."),
        "X-Account-Meta": Prop("map", "A map of user-defined meta data to associate with "
                               "the account."),
        "PurgeOnDelete": Prop("boolean", "If True, delete any objects in the container "
                              "when the container is deleted. Otherwise, deleting a "
                              "non-empty container will result in an error.",
                              default=False),
    },
    attributes={"DomainName": "The host from the container URL.",
                "WebsiteURL": "The URL of the container.",
                "RootURL": "The parent URL of the container.",
                "ObjectCount": "The number of objects stored in the container.",
                "BytesUsed": "The number of bytes stored in the container.",
                "HeadContainer": "A map containing all headers for the container."},
    create=_create, delete=_delete, show=_show,
    gone=lambda cloud, r: not r.physical_id or gone_when_missing(lambda: _head(cloud, r)))

TYPES = [CONTAINER]
