"""os-simple-tenant-usage: the usage of every project (admin) or of one, over a period
(`openstack usage list/show`; Horizon's overview pages)."""

from __future__ import annotations

from cheptel.compute import schemas
from cheptel.compute.api.params import check_query, limit_marker, version
from cheptel.compute.service import usage
from cheptel.compute.views_common import next_links
from cheptel.errors import NotFound
from cheptel.web import Ctx, Route

USAGE = "/v2.1/os-simple-tenant-usage"
POLICY = "compute:os-simple-tenant-usage"


def _query(ctx: Ctx, index: bool) -> None:
    v = version(ctx)
    if v.at_least("2.75"):
        check_query(ctx, schemas.usage_index_v275 if index else schemas.usage_show_v275)
    elif v.at_least("2.40"):
        check_query(ctx, schemas.usage_index_v240 if index else schemas.usage_show_v240)
    else:
        check_query(ctx, schemas.usage_index if index else schemas.usage_show)


def _paging(ctx: Ctx) -> tuple[int, str | None, bool]:
    if version(ctx).at_least("2.40"):
        limit, marker = limit_marker(ctx)
        return limit, marker, True
    return 1000, None, False


def index(ctx: Ctx) -> dict:
    _query(ctx, index=True)
    p = usage.period(ctx.query, ctx.now)
    limit, marker, links = _paging(ctx)
    found, servers = usage.usages(ctx.db, p, None, ctx.query.get("detailed") == "1",
                                  limit, marker, ctx.now)
    body: dict = {"tenant_usages": found}
    if links and servers and limit == len(servers):
        body["tenant_usages_links"] = next_links(
            ctx.base_url, "os-simple-tenant-usage", ctx.query, servers[-1]["instance_id"],
            True)
    return body


def show(ctx: Ctx) -> dict:
    _query(ctx, index=False)
    project = ctx.params["project_id"]
    p = usage.period(ctx.query, ctx.now)
    limit, marker, links = _paging(ctx)
    found, servers = usage.usages(ctx.db, p, project, True, limit, marker, ctx.now)
    body: dict = {"tenant_usage": found[0] if found else {}}
    if links and servers and limit == len(servers):
        body["tenant_usage_links"] = next_links(
            ctx.base_url, f"os-simple-tenant-usage/{project}", ctx.query,
            servers[-1]["instance_id"], True)
    return body


def no_id(ctx: Ctx) -> None:
    """`/os-simple-tenant-usage/` with an empty project id: Nova routes it nowhere."""
    raise NotFound("The resource could not be found.")


ROUTES = [
    Route("GET", USAGE, index, f"{POLICY}:list"),
    # any reader gets the 404 an unrouted path gives
    Route("GET", USAGE + "/", no_id, f"{POLICY}:unrouted"),
    Route("GET", USAGE + "/{project_id}", show, f"{POLICY}:show"),
]
