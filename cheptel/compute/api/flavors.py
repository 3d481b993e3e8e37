"""Flavors, their extra specs and private flavor access (flavors.py, flavors_extraspecs.py,
flavor_access.py in Nova)."""

from __future__ import annotations

from cheptel.compute import schemas
from cheptel.compute import views_flavors as views
from cheptel.compute.api.params import (
    caller,
    check_query,
    flag,
    limit_marker,
    loose_flag,
    to_int,
    version,
)
from cheptel.compute.models import Flavor
from cheptel.compute.service import flavors as service
from cheptel.compute.service import projects
from cheptel.compute.views_common import next_links
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.web import Ctx, Route

FLAVOR = "/v2.1/flavors/{flavor_id}"
SPECS = FLAVOR + "/os-extra_specs"


def _base(ctx: Ctx) -> str:
    return ctx.base_url


def _specs_shown(ctx: Ctx) -> bool:
    """From 2.61 flavors carry extra_specs when the caller may read them."""
    return version(ctx).at_least("2.61") and ctx.allowed(
        "compute:flavor-extra-specs:index", {})


def _flavor(ctx: Ctx) -> Flavor:
    creds = caller(ctx)
    return service.get(ctx.db, ctx.params["flavor_id"], creds.project_id, creds.is_admin)


def _is_public_filter(value: str | None) -> bool | None:
    if value is None:
        return True
    if value.strip().lower() == "none":
        return None
    try:
        return flag(value, "is_public")
    except BadRequest:
        raise BadRequest(f"Invalid is_public filter [{value}]") from None


def _min_filter(ctx: Ctx, name: str) -> int | None:
    if name not in ctx.query:
        return None
    try:
        return int(ctx.query[name])
    except ValueError:
        raise BadRequest(f"Invalid {name} filter [{ctx.query[name]}]") from None


def _list(ctx: Ctx) -> tuple[list[Flavor], bool]:
    v = version(ctx)
    check_query(ctx, schemas.flavor_index_query_v275 if v.at_least("2.75")
                else schemas.flavor_index_query)
    creds = caller(ctx)
    limit, marker = limit_marker(ctx)
    q = service.ListQuery(
        is_public=_is_public_filter(ctx.query.get("is_public")) if creds.is_admin else True,
        min_ram=_min_filter(ctx, "minRam"), min_disk=_min_filter(ctx, "minDisk"),
        sort_key=ctx.query.get("sort_key") or "flavorid",
        sort_dir=ctx.query.get("sort_dir") or "asc", limit=limit, marker=marker)
    return service.list_flavors(ctx.db, creds.project_id, creds.is_admin, q)


def _collection(ctx: Ctx, key: str, items: list[dict], collection: str, more: bool) -> dict:
    body: dict = {key: items}
    if items and more:
        body[f"{key}_links"] = next_links(_base(ctx), collection, ctx.query, items[-1]["id"],
                                          more)
    return body


def list_flavors(ctx: Ctx) -> dict:
    flavors, more = _list(ctx)
    items = [views.brief(_base(ctx), f, version(ctx)) for f in flavors]
    return _collection(ctx, "flavors", items, "flavors", more)


def list_details(ctx: Ctx) -> dict:
    flavors, more = _list(ctx)
    specs = (service.extra_specs_of(ctx.db, [f.id for f in flavors])
             if _specs_shown(ctx) else {})
    items = [views.detail(_base(ctx), f, version(ctx), specs.get(f.id)) for f in flavors]
    return _collection(ctx, "flavors", items, "flavors/detail", more)


def _show(ctx: Ctx, flavor: Flavor) -> dict:
    specs = service.extra_specs(ctx.db, flavor.id) if _specs_shown(ctx) else None
    return {"flavor": views.detail(_base(ctx), flavor, version(ctx), specs)}


def show(ctx: Ctx) -> dict:
    return _show(ctx, _flavor(ctx))


def create(ctx: Ctx) -> dict:
    v = version(ctx)
    body = check(schemas.flavor_create_v255 if v.at_least("2.55") else schemas.flavor_create,
                 ctx.body)["flavor"]
    flavor_id = body.get("id")
    try:
        rxtx = float(body.get("rxtx_factor", 1.0))
        if not 0 < rxtx <= 3.40282e38:
            raise ValueError
    except ValueError:
        raise BadRequest("Invalid input received: 'rxtx_factor' argument must be a float "
                         "between 0 and 3.40282e+38") from None
    flavor = service.create(
        ctx.db, ctx.now, name=body["name"],
        flavor_id=None if flavor_id is None else str(flavor_id),
        ram=to_int(body["ram"], "ram", 1, schemas.MAX_INT),
        vcpus=to_int(body["vcpus"], "vcpus", 1, schemas.MAX_INT),
        disk=to_int(body["disk"], "disk", 0, schemas.MAX_INT),
        ephemeral=to_int(body.get("OS-FLV-EXT-DATA:ephemeral", 0), "ephemeral", 0,
                         schemas.MAX_INT),
        swap=to_int(body.get("swap", 0), "swap", 0, schemas.MAX_INT),
        rxtx_factor=rxtx, is_public=loose_flag(body.get("os-flavor-access:is_public", True)),
        description=body.get("description") if v.at_least("2.55") else None)
    specs: dict[str, str] | None = {} if _specs_shown(ctx) else None
    return {"flavor": views.detail(_base(ctx), flavor, v, specs)}


def update(ctx: Ctx) -> dict:
    if not version(ctx).at_least("2.55"):
        raise NotFound("The resource could not be found.")
    body = check(schemas.flavor_update, ctx.body)["flavor"]
    creds = caller(ctx)
    flavor = service.get(ctx.db, ctx.params["flavor_id"], creds.project_id, True)
    return _show(ctx, service.set_description(ctx.db, flavor, body["description"]))


def delete(ctx: Ctx) -> None:
    service.delete_flavor(ctx.db, ctx.params["flavor_id"])


# -- os-flavor-access -------------------------------------------------------------------------

def list_access(ctx: Ctx) -> dict:
    flavor = _flavor(ctx)
    return views.access(flavor.id, service.public_access_list(ctx.db, flavor))


def action(ctx: Ctx) -> dict:
    """POST /flavors/{id}/action: addTenantAccess or removeTenantAccess."""
    body = ctx.body
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("Malformed request body")
    name = next(iter(body))
    if name == "addTenantAccess":
        tenant = check(schemas.add_tenant_access, body)[name]["tenant"]
        projects.verify(ctx.db, tenant)
        flavor = _flavor(ctx)
        service.add_access(ctx.db, flavor, tenant, refuse_public=version(ctx).at_least("2.7"))
    elif name == "removeTenantAccess":
        tenant = check(schemas.remove_tenant_access, body)[name]["tenant"]
        flavor = _flavor(ctx)
        service.remove_access(ctx.db, flavor, tenant)
    else:
        raise BadRequest(f"There is no such action: {name}")
    return views.access(flavor.id, service.access_list(ctx.db, flavor))


# -- os-extra_specs ---------------------------------------------------------------------------

def list_specs(ctx: Ctx) -> dict:
    return {"extra_specs": service.extra_specs(ctx.db, _flavor(ctx).id)}


def create_specs(ctx: Ctx) -> dict:
    body = check(schemas.extra_specs_create, ctx.body)
    service.set_extra_specs(ctx.db, _flavor(ctx), body["extra_specs"])
    return body


def show_spec(ctx: Ctx) -> dict:
    key = ctx.params["key"]
    return {key: service.get_extra_spec(ctx.db, _flavor(ctx), key)}


def update_spec(ctx: Ctx) -> dict:
    body = check(schemas.extra_spec_update, ctx.body)
    if ctx.params["key"] not in body:
        raise BadRequest("Request body and URI mismatch")
    service.set_extra_specs(ctx.db, _flavor(ctx), body)
    return body


def delete_spec(ctx: Ctx) -> None:
    service.delete_extra_spec(ctx.db, _flavor(ctx), ctx.params["key"])


ROUTES = [
    Route("GET", "/v2.1/flavors", list_flavors, "compute:flavors:list"),
    Route("GET", "/v2.1/flavors/detail", list_details, "compute:flavors:list"),
    Route("POST", "/v2.1/flavors", create, "compute:flavors:create"),
    Route("GET", FLAVOR, show, "compute:flavors:show"),
    Route("PUT", FLAVOR, update, "compute:flavors:update"),
    Route("DELETE", FLAVOR, delete, "compute:flavors:delete", 202),
    Route("POST", FLAVOR + "/action", action, "compute:flavor-access:action"),
    Route("GET", FLAVOR + "/os-flavor-access", list_access, "compute:flavor-access:list"),
    Route("GET", SPECS, list_specs, "compute:flavor-extra-specs:index"),
    Route("POST", SPECS, create_specs, "compute:flavor-extra-specs:create"),
    Route("GET", SPECS + "/{key}", show_spec, "compute:flavor-extra-specs:show"),
    Route("PUT", SPECS + "/{key}", update_spec, "compute:flavor-extra-specs:update"),
    Route("DELETE", SPECS + "/{key}", delete_spec, "compute:flavor-extra-specs:delete"),
]
