"""Placement's routes (read-only): the version document and the resource providers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cheptel.compute.service import hosts
from cheptel.errors import NotFound
from cheptel.placement import microversion, views
from cheptel.web import Ctx, Route

RP = "/resource_providers/{uuid}"


def root(ctx: Ctx) -> dict[str, Any]:
    return {"versions": [{"id": "v1.0", "max_version": microversion.text(microversion.MAX),
                          "min_version": microversion.text(microversion.MIN),
                          "status": "CURRENT", "links": [{"rel": "self", "href": ""}]}]}


def _host(ctx: Ctx) -> tuple[str, hosts.Host]:
    host_ip = urlsplit(ctx.base_url).hostname or "127.0.0.1"
    h = hosts.compute_host(ctx.deps.containers, ctx.deps.settings.data_dir, host_ip)
    return hosts.hypervisor_uuid(h.hostname), h


def _provider(ctx: Ctx) -> hosts.Host:
    uuid, h = _host(ctx)
    if ctx.params["uuid"] != uuid:
        raise NotFound(f"No resource provider with uuid {ctx.params['uuid'][:64]} found")
    return h


def list_providers(ctx: Ctx) -> dict[str, Any]:
    uuid, h = _host(ctx)
    wanted = ctx.query.get("uuid"), ctx.query.get("name")
    found = [views.provider(ctx.base_url, uuid, h, ctx.version)]
    if (wanted[0] and wanted[0] != uuid) or (wanted[1] and wanted[1] != h.hostname):
        found = []
    return {"resource_providers": found}


def show_provider(ctx: Ctx) -> dict[str, Any]:
    h = _provider(ctx)
    return views.provider(ctx.base_url, ctx.params["uuid"], h, ctx.version)


def inventories(ctx: Ctx) -> dict[str, Any]:
    return views.inventories(_provider(ctx))


def usages(ctx: Ctx) -> dict[str, Any]:
    h = _provider(ctx)
    return views.usages(hosts.usage(ctx.db, h.hostname))


def aggregates(ctx: Ctx) -> dict[str, Any]:
    _provider(ctx)
    body: dict[str, Any] = {"aggregates": []}
    if ctx.version >= (1, 19):
        body["resource_provider_generation"] = views.GENERATION
    return body


ROUTES: list[Route] = [
    Route("GET", "/", root, "placement:root"),
    Route("GET", "/resource_providers", list_providers, "placement:resource_providers:list"),
    Route("GET", RP, show_provider, "placement:resource_providers:show"),
    Route("GET", RP + "/inventories", inventories,
          "placement:resource_providers:inventories:list"),
    Route("GET", RP + "/usages", usages, "placement:resource_providers:usages"),
    Route("GET", RP + "/aggregates", aggregates, "placement:resource_providers:aggregates:list"),
]
