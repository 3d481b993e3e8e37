"""/software_configs (create, show, list, delete) and /software_deployments (create,
show, list, update, delete, a server's metadata): Heat's software config API."""

from __future__ import annotations

from typing import Any

from cheptel.orchestration import schemas, views
from cheptel.orchestration.api.common import P, caller, limit
from cheptel.orchestration.service import listing, software
from cheptel.validation import check
from cheptel.web import Ctx, Route

CONFIGS = P + "/software_configs"
DEPLOYMENTS = P + "/software_deployments"


def create(ctx: Ctx) -> dict[str, Any]:
    row = software.create(ctx.db, caller(ctx), check(schemas.SOFTWARE_CONFIG, ctx.body),
                          ctx.now)
    return {"software_config": views.software_config(row)}


def show(ctx: Ctx) -> dict[str, Any]:
    row = software.get(ctx.db, caller(ctx), ctx.params["config_id"])
    return {"software_config": views.software_config(row)}


def index(ctx: Ctx) -> dict[str, Any]:
    rows = software.listing(ctx.db, caller(ctx))
    found = listing.page(rows, lambda r: (r.created_at, r.id), False,
                         ctx.query.get("marker"), lambda r: r.id, limit(ctx), "Config")
    return {"software_configs": [views.software_config(r, summary=True) for r in found]}


def delete(ctx: Ctx) -> None:
    software.delete(ctx.db, caller(ctx), ctx.params["config_id"])


def create_deployment(ctx: Ctx) -> dict[str, Any]:
    row = software.create_deployment(ctx.db, caller(ctx),
                                     check(schemas.DEPLOYMENT_CREATE, ctx.body), ctx.now)
    return {"software_deployment": views.software_deployment(row)}


def show_deployment(ctx: Ctx) -> dict[str, Any]:
    row = software.get_deployment(ctx.db, caller(ctx), ctx.params["deployment_id"])
    return {"software_deployment": views.software_deployment(row)}


def deployments(ctx: Ctx) -> dict[str, Any]:
    rows = software.deployments(ctx.db, caller(ctx), ctx.query.get("server_id"))
    return {"software_deployments": [views.software_deployment(r) for r in rows]}


def update_deployment(ctx: Ctx) -> dict[str, Any]:
    row = software.update_deployment(ctx.db, caller(ctx), ctx.params["deployment_id"],
                                     check(schemas.DEPLOYMENT_UPDATE, ctx.body), ctx.now)
    return {"software_deployment": views.software_deployment(row)}


def delete_deployment(ctx: Ctx) -> None:
    software.delete_deployment(ctx.db, caller(ctx), ctx.params["deployment_id"])


def metadata(ctx: Ctx) -> dict[str, Any]:
    found = software.metadata(ctx.db, caller(ctx), ctx.params["server_id"])
    return {"metadata": [{**m, "creation_time": views.iso(m["creation_time"])}
                         for m in found]}


ROUTES = [
    Route("GET", CONFIGS, index, "software_configs:index"),
    Route("POST", CONFIGS, create, "software_configs:create"),
    Route("GET", CONFIGS + "/{config_id}", show, "software_configs:show"),
    Route("DELETE", CONFIGS + "/{config_id}", delete, "software_configs:delete", 204),
    Route("GET", DEPLOYMENTS, deployments, "software_deployments:index"),
    Route("POST", DEPLOYMENTS, create_deployment, "software_deployments:create"),
    Route("GET", DEPLOYMENTS + "/metadata/{server_id}", metadata,
          "software_deployments:metadata"),
    Route("GET", DEPLOYMENTS + "/{deployment_id}", show_deployment,
          "software_deployments:show"),
    Route("PUT", DEPLOYMENTS + "/{deployment_id}", update_deployment,
          "software_deployments:update"),
    Route("DELETE", DEPLOYMENTS + "/{deployment_id}", delete_deployment,
          "software_deployments:delete", 204),
]
