"""Network quotas: /v2.0/quotas[/{project_id}[/default|/details]]."""

from __future__ import annotations

from typing import Any

from cheptel.errors import NotImplementedYet
from cheptel.network import schemas
from cheptel.network.api.common import caller
from cheptel.network.attributes import Invalid, parse, to_bool
from cheptel.network.errors import bad_request
from cheptel.network.service import quotas as service
from cheptel.web import Ctx, Route

ONE = "/v2.0/quotas/{project_id}"


def index(ctx: Ctx) -> dict:
    return {"quotas": [{**limits, "project_id": p, "tenant_id": p}
                       for p, limits in service.overridden(ctx.db).items()]}


def show(ctx: Ctx) -> dict:
    return {"quota": service.limits(ctx.db, ctx.params["project_id"])}


def defaults(ctx: Ctx) -> dict:
    return {"quota": dict(service.DEFAULTS)}


def details(ctx: Ctx) -> dict:
    return {"quota": service.details(ctx.db, ctx.params["project_id"])}


def update(ctx: Ctx) -> dict:
    body: Any = ctx.body
    inner = body.get("quota") if isinstance(body, dict) else None
    force = False
    if isinstance(inner, dict):
        inner = dict(inner)
        try:
            force = to_bool(inner.pop("force", False))
        except Invalid as exc:
            raise bad_request(f"Invalid input for force. Reason: {exc}.") from None
        inner.pop("check_limit", None)
        body = {"quota": inner}
    changes = parse(body, "quota", schemas.QUOTA, False, caller(ctx))
    return {"quota": service.set_limits(ctx.db, ctx.params["project_id"], changes, force)}


def delete(ctx: Ctx) -> None:
    service.reset(ctx.db, ctx.params["project_id"])


def own_project(ctx: Ctx) -> dict:
    return {"project": {"project_id": caller(ctx).project_id}}


def own_tenant(ctx: Ctx) -> dict:
    return {"tenant": {"tenant_id": caller(ctx).project_id}}


def not_supported(ctx: Ctx) -> None:
    raise NotImplementedYet("POST requests are not supported on this resource.")


ROUTES = [
    Route("GET", "/v2.0/quotas", index, "network:get_quotas"),
    Route("POST", "/v2.0/quotas", not_supported, "network:update_quota"),
    Route("GET", "/v2.0/quotas/project", own_project, "network:quota_project"),
    Route("GET", "/v2.0/quotas/tenant", own_tenant, "network:quota_project"),
    Route("GET", ONE, show, "network:get_quota"),
    Route("PUT", ONE, update, "network:update_quota"),
    Route("DELETE", ONE, delete, "network:delete_quota", 204),
    Route("GET", ONE + "/default", defaults, "network:get_quota"),
    Route("GET", ONE + "/details", details, "network:get_quota"),
]
