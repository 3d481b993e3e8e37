"""Metadata definition response bodies, shaped as Glance's (its WSME models leave out the
attributes that are null; relative self/schema links)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from cheptel.common import iso
from cheptel.image.models import (
    MetadefNamespace,
    MetadefNamespaceResourceType,
    MetadefObject,
    MetadefProperty,
    MetadefResourceType,
    MetadefTag,
)


def _time(ts: float) -> str | None:
    return iso(ts, micro=False)


def _present(body: dict) -> dict:
    return {k: v for k, v in body.items() if v is not None}


def namespace_href(name: str) -> str:
    return f"/v2/metadefs/namespaces/{name}"


def namespace(ns: MetadefNamespace, associations: list | None = None,
              objects: list[MetadefObject] | None = None,
              properties: list[MetadefProperty] | None = None,
              tags: list[MetadefTag] | None = None, prefix: str | None = None) -> dict:
    """A namespace; with its content (what is not empty) when shown. `prefix` (from
    ?resource_type=) is put before every property name, as Glance does."""
    body = _present({
        "namespace": ns.namespace, "display_name": ns.display_name,
        "description": ns.description, "visibility": ns.visibility,
        "protected": ns.protected, "owner": ns.owner,
        "created_at": _time(ns.created_at), "updated_at": _time(ns.updated_at),
        "self": namespace_href(ns.namespace), "schema": "/v2/schemas/metadefs/namespace",
    })
    if associations:
        body["resource_type_associations"] = [association(rt, a) for rt, a in associations]
    if properties:
        body["properties"] = {(prefix or "") + p.name: property_body(p, named=False)
                              for p in properties}
    if objects:
        body["objects"] = [object_body(ns.namespace, o, prefix) for o in objects]
    if tags:
        body["tags"] = [{"name": t.name} for t in tags]
    return body


def namespace_list(items: list[dict], params: list[tuple[str, str]],
                   next_marker: str | None) -> dict:
    kept = [(k, v) for k, v in params if k != "marker"]
    body = {"namespaces": items, "schema": "/v2/schemas/metadefs/namespaces",
            "first": "/v2/metadefs/namespaces" + (f"?{urlencode(kept)}" if kept else "")}
    if next_marker is not None:
        body["next"] = "/v2/metadefs/namespaces?" + urlencode([*kept, ("marker", next_marker)])
    return body


def association(rt: MetadefResourceType, assoc: MetadefNamespaceResourceType) -> dict:
    return _present({"name": rt.name, "prefix": assoc.prefix,
                     "properties_target": assoc.properties_target,
                     "created_at": _time(assoc.created_at),
                     "updated_at": _time(assoc.updated_at)})


def resource_type(rt: MetadefResourceType) -> dict:
    return {"name": rt.name, "created_at": _time(rt.created_at),
            "updated_at": _time(rt.updated_at)}


def object_body(ns_name: str, obj: MetadefObject, prefix: str | None = None) -> dict:
    props = json.loads(obj.json_schema)
    required = json.loads(obj.required)
    if prefix:
        props = {prefix + k: v for k, v in props.items()}
        required = [prefix + r for r in required]
    return _present({
        "name": obj.name, "description": obj.description, "required": required,
        "properties": props, "created_at": _time(obj.created_at),
        "updated_at": _time(obj.updated_at),
        "self": f"{namespace_href(ns_name)}/objects/{obj.name}",
        "schema": "/v2/schemas/metadefs/object",
    })


def property_body(prop: MetadefProperty, named: bool = True) -> dict:
    body = json.loads(prop.json_schema)
    body.pop("name", None)
    return {"name": prop.name, **body} if named else body


def tag(t: MetadefTag) -> dict:
    return {"name": t.name, "created_at": _time(t.created_at),
            "updated_at": _time(t.updated_at)}
