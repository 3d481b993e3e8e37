"""Quotas (Octavia's QuotasController): a project's limits on its load balancers and
their children. A listing shows the projects whose quotas were set, as stored (null:
the default); a project's own shows the limits in force. PUT and DELETE answer 202."""

from __future__ import annotations

from typing import Any

from cheptel.errors import BadRequest, Forbidden
from cheptel.loadbalancer import admin_schemas, admin_views
from cheptel.loadbalancer.api.common import LBAAS, body, caller
from cheptel.loadbalancer.service import quotas
from cheptel.web import Ctx, Reply, Route

# filterable: the stored columns under both spellings
ATTRIBUTES = set(admin_views.quota("", dict(quotas.DEFAULTS)))


def _project(ctx: Ctx) -> str:
    project_id = ctx.params["project_id"]
    if len(project_id) > 64:
        raise BadRequest(f"Invalid input for field/attribute project_id. Value: "
                         f"'{project_id[:40]}...'. Value should be at most 64 characters")
    return project_id


def list_quotas(ctx: Ctx) -> dict[str, Any]:
    """An admin sees every project's (or the `project_id` asked for); anyone else only
    their own project's, and asking for another project's is Octavia's 403."""
    creds = caller(ctx)
    wanted = ctx.query.get("project_id") or None
    if not ctx.allowed("quota:get_all-global", {"project_id": wanted}):
        if wanted not in (None, creds.project_id) or not creds.project_id:
            raise Forbidden()
        wanted = creds.project_id
    docs = [admin_views.quota(q.project_id, {k: getattr(q, k) for k in quotas.KINDS})
            for q in quotas.rows(ctx.db, wanted)]
    return admin_views.listed(ctx, "quotas", docs, ATTRIBUTES, key="project_id")


def show(ctx: Ctx) -> dict[str, Any]:
    project_id = _project(ctx)
    return {"quota": admin_views.quota(project_id, dict(quotas.limits(ctx.db, project_id)))}


def defaults(ctx: Ctx) -> dict[str, Any]:
    return {"quota": admin_views.quota(_project(ctx), dict(quotas.DEFAULTS))}


def update(ctx: Ctx) -> dict[str, Any]:
    """Both spellings accepted; given both, the current one (loadbalancer,
    healthmonitor) beats the one deprecated in Rocky (load_balancer, health_monitor),
    as Octavia's to_dict() has it (attributes in alphabetical order)."""
    project_id = _project(ctx)
    given = body(ctx, admin_schemas.quota_put, "quota")
    values = {quotas.ALIASES.get(k, k): given[k] for k in sorted(given)}
    quotas.update(ctx.db, project_id, values)
    return show(ctx)


def reset(ctx: Ctx) -> Reply:
    quotas.reset(ctx.db, _project(ctx))
    return Reply(None, status=202)


QUOTAS = LBAAS + "/quotas"
QUOTA = QUOTAS + "/{project_id}"

ROUTES: list[Route] = [
    Route("GET", QUOTAS, list_quotas, "quota:get_all"),
    Route("GET", QUOTA, show, "quota:get_one"),
    Route("PUT", QUOTA, update, "quota:put", 202),
    Route("DELETE", QUOTA, reset, "quota:delete", 202),
    Route("GET", QUOTA + "/default", defaults, "quota:get_defaults"),
]
