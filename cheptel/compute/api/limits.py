"""GET /limits: the project's absolute limits and usage (another project's for an admin)."""

from __future__ import annotations

from cheptel.compute import schemas, views_quotas
from cheptel.compute.api.params import caller, check_query, version
from cheptel.compute.service import quotas
from cheptel.web import Ctx, Route


def show(ctx: Ctx) -> dict:
    v = version(ctx)
    check_query(ctx, schemas.limits_query_v275 if v.at_least("2.75") else schemas.limits_query)
    creds = caller(ctx)
    project_id = creds.project_id or ""
    if "tenant_id" in ctx.query:
        ctx.require("compute:limits:other_project", {})
        project_id = ctx.query["tenant_id"]
    return views_quotas.limits(quotas.limits(ctx.db, project_id),
                               quotas.usage(ctx.db, project_id, creds.user_id), v)


ROUTES = [
    Route("GET", "/v2.1/limits", show, "compute:limits"),
]
