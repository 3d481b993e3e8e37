"""Provider drivers and their capabilities (Octavia's ProviderController): the enabled
providers (cheptel.loadbalancer.service.providers), and what a flavor profile or an
availability zone profile of one may say, filtered by `name` or `description`."""

from __future__ import annotations

from typing import Any

from cheptel.loadbalancer.api.common import LBAAS, caller
from cheptel.loadbalancer.service import providers
from cheptel.web import Ctx, Route


def _fields(ctx: Ctx, docs: list[dict[str, str]]) -> list[dict[str, str]]:
    fields = [f for raw in ctx.query_multi.get("fields", []) for f in raw.split(",") if f]
    return [{k: v for k, v in d.items() if k in fields} for d in docs] if fields else docs


def list_providers(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    docs = [{"name": k, "description": v} for k, v in providers.PROVIDERS.items()]
    return {"providers": _fields(ctx, docs)}


def _capabilities(ctx: Ctx, schema: dict[str, Any]) -> list[dict[str, str]]:
    caller(ctx)
    providers.enabled(ctx.params["provider"])
    docs = providers.capabilities(schema)
    for key in ("name", "description"):
        if ctx.query.get(key):
            docs = [d for d in docs if d[key] == ctx.query[key]]
    return _fields(ctx, docs)


def flavor_capabilities(ctx: Ctx) -> dict[str, Any]:
    return {"flavor_capabilities": _capabilities(ctx, providers.FLAVOR_SCHEMA)}


def availability_zone_capabilities(ctx: Ctx) -> dict[str, Any]:
    return {"availability_zone_capabilities": _capabilities(
        ctx, providers.AVAILABILITY_ZONE_SCHEMA)}


PROVIDERS = LBAAS + "/providers"

ROUTES: list[Route] = [
    Route("GET", PROVIDERS, list_providers, "provider:get_all"),
    # Octavia's provider-flavor:get_all and provider-availability-zone:get_all
    Route("GET", PROVIDERS + "/{provider}/flavor_capabilities", flavor_capabilities,
          "provider:get_capabilities"),
    Route("GET", PROVIDERS + "/{provider}/availability_zone_capabilities",
          availability_zone_capabilities, "provider:get_capabilities"),
]
