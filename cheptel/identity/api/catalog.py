"""Services, endpoints and regions."""

from __future__ import annotations

from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, crud
from cheptel.identity.service import catalog, extras
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def list_services(ctx: Ctx) -> dict:
    items = [views.service(base(ctx), s)
             for s in catalog.list_services(ctx.db, ctx.query.get("type"), ctx.query.get("name"))]
    return views.collection(base(ctx), "services", "services", items)


def create_service(ctx: Ctx) -> Reply:
    body = check(schemas.service_create, ctx.body, "service")
    s = catalog.create_service(ctx.db, body["type"], body.get("name") or "",
                               body.get("description") or "", body.get("enabled", True))
    extras.merge(ctx.db, s, schemas.extra_of(schemas.service_create, body))
    return Reply({"service": views.service(base(ctx), s)}, status=201)


def get_service(ctx: Ctx) -> dict:
    return {"service": views.service(base(ctx), catalog.get_service(ctx.db,
                                                                    ctx.params["service_id"]))}


def update_service(ctx: Ctx) -> dict:
    body = check(schemas.service_update, ctx.body, "service")
    schemas.check_same_id(body, ctx.params["service_id"])
    s = catalog.update_service(ctx.db, catalog.get_service(ctx.db, ctx.params["service_id"]),
                               body)
    extras.merge(ctx.db, s, schemas.extra_of(schemas.service_update, body))
    return {"service": views.service(base(ctx), s)}


def delete_service(ctx: Ctx) -> None:
    catalog.delete_service(ctx.db, catalog.get_service(ctx.db, ctx.params["service_id"]))


def _endpoint_body(ctx: Ctx, body: dict) -> dict:
    """The v2-era "region" some clients still send: as Keystone, when region_id is not
    given, it names the region, which is created if it does not exist (region_id itself
    must name an existing region)."""
    region = body.pop("region", None)
    if body.get("region_id") is None and region:
        body["region_id"] = region
        catalog.ensure_region(ctx.db, region)
    return body


def list_endpoints(ctx: Ctx) -> dict:
    f = {k: v for k, v in ctx.query.items() if k in ("service_id", "interface", "region_id")}
    items = [views.endpoint(base(ctx), e) for e in catalog.list_endpoints(ctx.db, f)]
    return views.collection(base(ctx), "endpoints", "endpoints", items)


def create_endpoint(ctx: Ctx) -> Reply:
    body = check(schemas.endpoint_create, ctx.body, "endpoint")
    extra = schemas.extra_of(schemas.endpoint_create, body)
    e = catalog.create_endpoint(ctx.db, _endpoint_body(ctx, body))
    extras.merge(ctx.db, e, extra)
    return Reply({"endpoint": views.endpoint(base(ctx), e)}, status=201)


def get_endpoint(ctx: Ctx) -> dict:
    e = catalog.get_endpoint(ctx.db, ctx.params["endpoint_id"])
    return {"endpoint": views.endpoint(base(ctx), e)}


def update_endpoint(ctx: Ctx) -> dict:
    body = check(schemas.endpoint_update, ctx.body, "endpoint")
    schemas.check_same_id(body, ctx.params["endpoint_id"])
    extra = schemas.extra_of(schemas.endpoint_update, body)
    e = catalog.get_endpoint(ctx.db, ctx.params["endpoint_id"])
    e = catalog.update_endpoint(ctx.db, e, _endpoint_body(ctx, body))
    extras.merge(ctx.db, e, extra)
    return {"endpoint": views.endpoint(base(ctx), e)}


def delete_endpoint(ctx: Ctx) -> None:
    ctx.db.delete(catalog.get_endpoint(ctx.db, ctx.params["endpoint_id"]))


def list_regions(ctx: Ctx) -> dict:
    items = [views.region(base(ctx), r)
             for r in catalog.list_regions(ctx.db, ctx.query.get("parent_region_id"))]
    return views.collection(base(ctx), "regions", "regions", items)


def _create_region(ctx: Ctx, region_id: str | None) -> Reply:
    body = check(schemas.region_create, ctx.body, "region")
    r = catalog.create_region(ctx.db, region_id or body.get("id"),
                              body.get("description") or "", body.get("parent_region_id"))
    extras.merge(ctx.db, r, schemas.extra_of(schemas.region_create, body))
    return Reply({"region": views.region(base(ctx), r)}, status=201)


def create_region(ctx: Ctx) -> Reply:
    return _create_region(ctx, None)


def put_region(ctx: Ctx) -> Reply:
    check(schemas.region_create["properties"]["id"], ctx.params["region_id"])  # column size
    return _create_region(ctx, ctx.params["region_id"])


def get_region(ctx: Ctx) -> dict:
    return {"region": views.region(base(ctx), catalog.get_region(ctx.db,
                                                                 ctx.params["region_id"]))}


def update_region(ctx: Ctx) -> dict:
    body = check(schemas.region_update, ctx.body, "region")
    schemas.check_same_id(body, ctx.params["region_id"])
    r = catalog.update_region(ctx.db, catalog.get_region(ctx.db, ctx.params["region_id"]), body)
    extras.merge(ctx.db, r, schemas.extra_of(schemas.region_update, body))
    return {"region": views.region(base(ctx), r)}


def delete_region(ctx: Ctx) -> None:
    catalog.delete_region(ctx.db, catalog.get_region(ctx.db, ctx.params["region_id"]))


ROUTES: list[Route] = [
    *crud("/v3/services", "service_id", "service", "services",
          (list_services, create_service, get_service, update_service, delete_service)),
    *crud("/v3/endpoints", "endpoint_id", "endpoint", "endpoints",
          (list_endpoints, create_endpoint, get_endpoint, update_endpoint, delete_endpoint)),
    *crud("/v3/regions", "region_id", "region", "regions",
          (list_regions, create_region, get_region, update_region, delete_region)),
    Route("PUT", "/v3/regions/{region_id}", put_region, "identity:create_region", 201),
]
