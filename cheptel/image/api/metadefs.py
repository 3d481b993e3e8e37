"""Metadata definitions: namespaces, resource types and their associations, the schemas.

Glance's order of checks: the body first (403 for a read-only attribute, 400 against the
schema), then the namespace (404 if the caller cannot see it), then the policy (403).
"""

from __future__ import annotations

from cheptel.errors import NotFound
from cheptel.image import metadef_schemas as schemas
from cheptel.image import metadef_views as views
from cheptel.image.api.common import NS, caller, metadef
from cheptel.image.models import MetadefNamespace, MetadefObject, MetadefProperty, MetadefTag
from cheptel.image.service import metadef_content as content
from cheptel.image.service import metadefs
from cheptel.web import Ctx, Reply, Route

READ_ONLY = ("self", "schema", "created_at", "updated_at")


def load(ctx: Ctx) -> MetadefNamespace:
    """The namespace of the URL if the caller can see it (else 404); then the route's policy
    with the namespace's owner and visibility as the target."""
    ns = metadefs.get(ctx.db, caller(ctx), ctx.params["namespace"])
    ctx.enforce(metadefs.target(ns))
    return ns


def _own_project(ctx: Ctx) -> None:
    """Policies checked before any namespace is known: the target is the caller's project."""
    ctx.enforce({"project_id": caller(ctx).project_id})


def _show(ctx: Ctx, ns: MetadefNamespace, prefix: str | None = None) -> dict:
    return views.namespace(ns, metadefs.associations(ctx.db, ns), content.objects(ctx.db, ns),
                           content.properties(ctx.db, ns), content.tags(ctx.db, ns), prefix)


def get_schema(ctx: Ctx) -> dict:
    name = f"metadefs/{ctx.params['name']}"
    doc = schemas.document(name)
    if doc is None:
        raise NotFound(f"Could not find schema {name}.")
    return doc


# -- namespaces ----------------------------------------------------------------------------

def list_namespaces(ctx: Ctx) -> dict:
    _own_project(ctx)
    q = metadefs.parse_query(ctx.query)
    found, next_marker = metadefs.list_namespaces(ctx.db, caller(ctx), q)
    items = [views.namespace(ns, metadefs.associations(ctx.db, ns)) for ns in found]
    return views.namespace_list(items, list(ctx.request.query_params.multi_items()),
                                next_marker)


def create_namespace(ctx: Ctx) -> Reply:
    body = schemas.check(schemas.NAMESPACE, ctx.body, READ_ONLY)
    _own_project(ctx)
    ns = metadefs.create(ctx.db, caller(ctx), body, ctx.now)
    return Reply(_show(ctx, ns), status=201,
                 headers={"Location": views.namespace_href(ns.namespace)})


def get_namespace(ctx: Ctx) -> dict:
    ns = load(ctx)
    resource_type = ctx.query.get("resource_type")
    prefix = metadefs.prefix_for(ctx.db, ns, resource_type) if resource_type else None
    return _show(ctx, ns, prefix)


def update_namespace(ctx: Ctx) -> dict:
    body = schemas.check(schemas.NAMESPACE, ctx.body, READ_ONLY)
    ns = load(ctx)
    metadefs.update(ctx.db, caller(ctx), ns, body, ctx.now)
    return views.namespace(ns)


def delete_namespace(ctx: Ctx) -> None:
    metadefs.delete_namespace(ctx.db, load(ctx))


def delete_objects(ctx: Ctx) -> None:
    metadefs.delete_content(ctx.db, load(ctx), MetadefObject)


def delete_properties(ctx: Ctx) -> None:
    metadefs.delete_content(ctx.db, load(ctx), MetadefProperty)


def delete_tags(ctx: Ctx) -> None:
    metadefs.delete_content(ctx.db, load(ctx), MetadefTag)


# -- resource types ------------------------------------------------------------------------

def list_resource_types(ctx: Ctx) -> dict:
    _own_project(ctx)
    return {"resource_types": [views.resource_type(rt)
                               for rt in metadefs.resource_types(ctx.db)]}


def list_associations(ctx: Ctx) -> dict:
    ns = load(ctx)
    return {"resource_type_associations": [views.association(rt, a) for rt, a
                                           in metadefs.associations(ctx.db, ns)]}


def associate(ctx: Ctx) -> Reply:
    body = schemas.check(schemas.RESOURCE_TYPE, ctx.body, ("created_at", "updated_at"))
    ns = load(ctx)
    rt, assoc = metadefs.associate(ctx.db, ns, body, ctx.now)
    return Reply(views.association(rt, assoc), status=201)


def dissociate(ctx: Ctx) -> None:
    metadefs.dissociate(ctx.db, load(ctx), ctx.params["resource_type"])


ROUTES: list[Route] = [
    Route("GET", "/v2/schemas/metadefs/{name}", get_schema, "image:get_schema"),
    metadef("GET", "/v2/metadefs/resource_types", list_resource_types,
            "list_metadef_resource_types"),
    metadef("GET", "/v2/metadefs/namespaces", list_namespaces, "get_metadef_namespaces"),
    metadef("POST", "/v2/metadefs/namespaces", create_namespace, "add_metadef_namespace", 201),
    metadef("GET", NS, get_namespace, "get_metadef_namespace"),
    metadef("PUT", NS, update_namespace, "modify_metadef_namespace"),
    metadef("DELETE", NS, delete_namespace, "delete_metadef_namespace", 204),
    metadef("GET", NS + "/resource_types", list_associations, "get_metadef_resource_type"),
    metadef("POST", NS + "/resource_types", associate,
            "add_metadef_resource_type_association", 201),
    metadef("DELETE", NS + "/resource_types/{resource_type}", dissociate,
            "remove_metadef_resource_type_association", 204),
]
