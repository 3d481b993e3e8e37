"""Metadata definitions inside a namespace: objects, properties, tags."""

from __future__ import annotations

from cheptel.errors import NotFound
from cheptel.image import metadef_schemas as schemas
from cheptel.image import metadef_views as views
from cheptel.image.api.common import NS, metadef
from cheptel.image.api.metadefs import (
    READ_ONLY,
    delete_objects,
    delete_properties,
    delete_tags,
    load,
)
from cheptel.image.service import metadef_content as content
from cheptel.image.service import metadefs
from cheptel.web import Ctx, Reply, Route

TIMES = ("created_at", "updated_at")


def _check_object(body: object) -> dict:
    checked = schemas.check(schemas.OBJECT, body, READ_ONLY)
    for value in (checked.get("properties") or {}).values():
        schemas.check_property(value)
    return checked


# -- objects -------------------------------------------------------------------------------

def list_objects(ctx: Ctx) -> dict:
    ns = load(ctx)
    return {"objects": [views.object_body(ns.namespace, o) for o in content.objects(ctx.db, ns)],
            "schema": "v2/schemas/metadefs/objects"}


def create_object(ctx: Ctx) -> Reply:
    body = _check_object(ctx.body)
    ns = load(ctx)
    obj = content.create_object(ctx.db, ns, body, ctx.now)
    return Reply(views.object_body(ns.namespace, obj), status=201)


def get_object(ctx: Ctx) -> dict:
    ns = load(ctx)
    return views.object_body(ns.namespace, content.get_object(ctx.db, ns,
                                                              ctx.params["object_name"]))


def update_object(ctx: Ctx) -> dict:
    body = _check_object(ctx.body)
    ns = load(ctx)
    obj = content.get_object(ctx.db, ns, ctx.params["object_name"])
    content.update_object(ctx.db, ns, obj, body, ctx.now)
    return views.object_body(ns.namespace, obj)


def delete_object(ctx: Ctx) -> None:
    ns = load(ctx)
    content.delete_object(ctx.db, ns, content.get_object(ctx.db, ns, ctx.params["object_name"]))


# -- properties ----------------------------------------------------------------------------

def list_properties(ctx: Ctx) -> dict:
    ns = load(ctx)
    return {"properties": {p.name: views.property_body(p)
                           for p in content.properties(ctx.db, ns)}}


def create_property(ctx: Ctx) -> Reply:
    body = schemas.check(schemas.PROPERTY, ctx.body, TIMES)
    ns = load(ctx)
    return Reply(views.property_body(content.create_property(ctx.db, ns, body, ctx.now)),
                 status=201)


def get_property(ctx: Ctx) -> dict:
    """With ?resource_type=, the name carries that association's prefix (stripped here)."""
    ns = load(ctx)
    name = ctx.params["property_name"]
    resource_type = ctx.query.get("resource_type")
    if resource_type:
        prefix = metadefs.prefix_for(ctx.db, ns, resource_type)
        if prefix is None and resource_type not in {
                rt.name for rt, _ in metadefs.associations(ctx.db, ns)}:
            raise NotFound(f"The metadata definition resource-type association of "
                           f"resource-type={resource_type} to namespace={ns.namespace}, "
                           f"was not found.")
        if not prefix or not name.startswith(prefix):
            raise NotFound(f"Property {name} does not start with the expected resource type "
                           f"association prefix of '{prefix}'.")
        name = name[len(prefix):]
    return views.property_body(content.get_property(ctx.db, ns, name))


def update_property(ctx: Ctx) -> dict:
    body = schemas.check(schemas.PROPERTY, ctx.body, TIMES)
    ns = load(ctx)
    prop = content.get_property(ctx.db, ns, ctx.params["property_name"])
    content.update_property(ctx.db, ns, prop, body, ctx.now)
    return views.property_body(prop)


def delete_property(ctx: Ctx) -> None:
    ns = load(ctx)
    content.delete_property(ctx.db, ns,
                            content.get_property(ctx.db, ns, ctx.params["property_name"]))


# -- tags ----------------------------------------------------------------------------------

def list_tags(ctx: Ctx) -> dict:
    ns = load(ctx)
    return {"tags": [{"name": t.name} for t in content.tags(ctx.db, ns)]}


def create_tags(ctx: Ctx) -> Reply:
    body = schemas.check(schemas.TAG_LIST, ctx.body, TIMES)
    ns = load(ctx)
    append = (ctx.header("x-openstack-append") or "").strip().lower() in (
        "1", "t", "true", "on", "y", "yes")
    made = content.create_tags(ctx.db, ns, [t["name"] for t in body.get("tags") or []],
                               append, ctx.now)
    return Reply({"tags": [{"name": t.name} for t in made]}, status=201)


def create_tag(ctx: Ctx) -> Reply:
    ns = load(ctx)
    return Reply(views.tag(content.create_tag(ctx.db, ns, ctx.params["tag_name"], ctx.now)),
                 status=201)


def get_tag(ctx: Ctx) -> dict:
    ns = load(ctx)
    return views.tag(content.get_tag(ctx.db, ns, ctx.params["tag_name"]))


def update_tag(ctx: Ctx) -> dict:
    body = schemas.check(schemas.TAG, ctx.body, TIMES)
    ns = load(ctx)
    tag = content.get_tag(ctx.db, ns, ctx.params["tag_name"])
    content.rename_tag(ctx.db, ns, tag, body["name"], ctx.now)
    return views.tag(tag)


def delete_tag(ctx: Ctx) -> None:
    ns = load(ctx)
    content.delete_tag(ctx.db, ns, content.get_tag(ctx.db, ns, ctx.params["tag_name"]))


ROUTES: list[Route] = [
    metadef("GET", NS + "/objects", list_objects, "get_metadef_objects"),
    metadef("POST", NS + "/objects", create_object, "add_metadef_object", 201),
    metadef("DELETE", NS + "/objects", delete_objects, "delete_metadef_namespace", 204),
    metadef("GET", NS + "/objects/{object_name}", get_object, "get_metadef_object"),
    metadef("PUT", NS + "/objects/{object_name}", update_object, "modify_metadef_object"),
    metadef("DELETE", NS + "/objects/{object_name}", delete_object, "delete_metadef_object", 204),
    metadef("GET", NS + "/properties", list_properties, "get_metadef_properties"),
    metadef("POST", NS + "/properties", create_property, "add_metadef_property", 201),
    metadef("DELETE", NS + "/properties", delete_properties, "delete_metadef_namespace", 204),
    metadef("GET", NS + "/properties/{property_name}", get_property, "get_metadef_property"),
    metadef("PUT", NS + "/properties/{property_name}", update_property, "modify_metadef_property"),
    metadef("DELETE", NS + "/properties/{property_name}", delete_property,
            "remove_metadef_property", 204),
    metadef("GET", NS + "/tags", list_tags, "get_metadef_tags"),
    metadef("POST", NS + "/tags", create_tags, "add_metadef_tags", 201),
    metadef("DELETE", NS + "/tags", delete_tags, "delete_metadef_tags", 204),
    metadef("GET", NS + "/tags/{tag_name}", get_tag, "get_metadef_tag"),
    metadef("POST", NS + "/tags/{tag_name}", create_tag, "add_metadef_tag", 201),
    metadef("PUT", NS + "/tags/{tag_name}", update_tag, "modify_metadef_tag"),
    metadef("DELETE", NS + "/tags/{tag_name}", delete_tag, "delete_metadef_tag", 204),
]
