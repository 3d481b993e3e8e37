"""Volume types, their extra specs and access lists; /types/default (3.62)."""

from __future__ import annotations

from typing import Any

from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import TYPE, TYPES, caller
from cheptel.volume.models import VolumeType
from cheptel.volume.service import types, volumes
from cheptel.web import Ctx, Reply, Route


def _type(ctx: Ctx) -> VolumeType:
    return types.get(ctx.db, caller(ctx), ctx.params["type_id"])


def _render(ctx: Ctx, vt: VolumeType, answer: str = "show") -> dict[str, Any]:
    return {"volume_type": views.volume_type(vt, caller(ctx).is_admin, answer)}


def list_types(ctx: Ctx) -> dict[str, Any]:
    creds = caller(ctx)
    raw = ctx.query.get("is_public")
    is_public = None if raw is None or raw.lower() == "none" else volumes.as_bool(raw)
    return {"volume_types": [views.volume_type(t, creds.is_admin)
                             for t in types.list_types(ctx.db, creds, is_public)]}


def show(ctx: Ctx) -> dict[str, Any]:
    return _render(ctx, _type(ctx))


def show_default(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return _render(ctx, types.default(ctx.db))


def create(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.type_create, ctx.body)["volume_type"]
    caller(ctx)
    public = volumes.as_bool(body.get("os-volume-type-access:is_public", True))
    return _render(ctx, types.create(ctx.db, body, public, ctx.now), "create")


def update(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.type_update, ctx.body)["volume_type"]
    public = volumes.as_bool(body["is_public"]) if "is_public" in body else None
    return _render(ctx, types.update(ctx.db, _type(ctx), body, public), "update")


def delete(ctx: Ctx) -> None:
    types.delete(ctx.db, _type(ctx))


def list_specs(ctx: Ctx) -> dict[str, Any]:
    return {"extra_specs": dict(_type(ctx).extra_specs)}


def create_specs(ctx: Ctx) -> dict[str, Any]:
    specs = check(schemas.extra_specs, ctx.body)["extra_specs"]
    types.set_specs(ctx.db, _type(ctx), specs)
    return {"extra_specs": dict(specs)}  # Cinder answers with the body's specs only


def show_spec(ctx: Ctx) -> dict[str, Any]:
    vt, key = _type(ctx), ctx.params["key"]
    if key not in vt.extra_specs:
        raise NotFound(f"Volume Type {vt.id} has no extra specs with key {key}.")
    return {key: vt.extra_specs[key]}


def update_spec(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.EXTRA_SPECS, ctx.body)
    key = ctx.params["key"]
    if len(body) > 1:
        raise BadRequest("Request body contains too many items.")
    if key not in body:
        raise BadRequest("Request body and URI mismatch")
    types.set_specs(ctx.db, _type(ctx), body)
    return dict(body)


def delete_spec(ctx: Ctx) -> None:
    types.delete_spec(ctx.db, _type(ctx), ctx.params["key"])


def list_access(ctx: Ctx) -> dict[str, Any]:
    vt = _type(ctx)
    return {"volume_type_access": [{"volume_type_id": vt.id, "project_id": p}
                                   for p in types.access_list(ctx.db, vt)]}


def type_action(ctx: Ctx) -> Reply:
    """addProjectAccess / removeProjectAccess (202, as Cinder)."""
    body = check(schemas.type_access, ctx.body)
    vt = _type(ctx)
    if "addProjectAccess" in body:
        types.add_access(ctx.db, vt, body["addProjectAccess"]["project"])
    else:
        ctx.require("volume_extension:volume_type_access:removeProjectAccess", {})
        types.remove_access(ctx.db, vt, body["removeProjectAccess"]["project"])
    return Reply(None, status=202)


SPECS = TYPE + "/extra_specs"
MANAGE = "volume_extension:types_manage"
SPECS_MANAGE = "volume_extension:types_extra_specs:manage"

ROUTES: list[Route] = [
    Route("GET", TYPES, list_types, "volume_extension:type_get_all"),
    Route("POST", TYPES, create, MANAGE),
    Route("GET", TYPES + "/default", show_default, "volume_extension:default_get"),
    Route("GET", TYPE, show, "volume_extension:type_get"),
    Route("PUT", TYPE, update, MANAGE),
    Route("DELETE", TYPE, delete, MANAGE, 202),
    Route("GET", TYPE + "/os-volume-type-access", list_access,
          "volume_extension:volume_type_access:get_type_access"),
    Route("POST", TYPE + "/action", type_action,
          "volume_extension:volume_type_access:addProjectAccess", 202),
    Route("GET", SPECS, list_specs, "volume_extension:types_extra_specs:index"),
    Route("POST", SPECS, create_specs, SPECS_MANAGE),
    Route("GET", SPECS + "/{key}", show_spec, "volume_extension:types_extra_specs:index"),
    Route("PUT", SPECS + "/{key}", update_spec, SPECS_MANAGE),
    Route("DELETE", SPECS + "/{key}", delete_spec, SPECS_MANAGE, 202),
]
