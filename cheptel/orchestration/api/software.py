"""/software_configs: create, show, list, delete (Heat's software config API)."""

from __future__ import annotations

from typing import Any

from cheptel.orchestration import schemas, views
from cheptel.orchestration.api.common import P, caller, limit
from cheptel.orchestration.service import listing, software
from cheptel.validation import check
from cheptel.web import Ctx, Route

CONFIGS = P + "/software_configs"


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


ROUTES = [
    Route("GET", CONFIGS, index, "software_configs:index"),
    Route("POST", CONFIGS, create, "software_configs:create"),
    Route("GET", CONFIGS + "/{config_id}", show, "software_configs:show"),
    Route("DELETE", CONFIGS + "/{config_id}", delete, "software_configs:delete", 204),
]
