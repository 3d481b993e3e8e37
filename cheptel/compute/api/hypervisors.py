"""os-hypervisors: the one compute host, its capacity and what the servers use of it."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from cheptel.compute import schemas, views_hosts
from cheptel.compute.api.params import check_query, flag, limit_marker, version
from cheptel.compute.service import hosts
from cheptel.compute.views_common import next_links
from cheptel.errors import BadRequest, NotFound, NotImplementedYet
from cheptel.web import Ctx, Route

H = "/v2.1/os-hypervisors"


def _host(ctx: Ctx) -> hosts.Host:
    host_ip = urlsplit(ctx.base_url).hostname or "127.0.0.1"
    return hosts.compute_host(ctx.deps.containers, ctx.deps.settings.data_dir, host_ip)


def _before(ctx: Ctx, last: str) -> None:
    """Routes Nova removed at a microversion answer 404 from it on."""
    if version(ctx).at_least(last):
        raise NotFound("The resource could not be found.")


def _list(ctx: Ctx, detail: bool) -> dict:
    v = version(ctx)
    if v.at_least("2.53"):
        check_query(ctx, schemas.hypervisors_query_v253)
    elif v.at_least("2.33"):
        check_query(ctx, schemas.hypervisors_query_v233)
    pattern = ctx.query.get("hypervisor_hostname_pattern") if v.at_least("2.53") else None
    with_servers = (flag(ctx.query.get("with_servers", "false"), "with_servers")
                    if v.at_least("2.53") else False)
    limit, marker = limit_marker(ctx) if v.at_least("2.33") else (None, None)
    h = _host(ctx)
    found = [h]
    if pattern is not None:
        if "limit" in ctx.query or marker:
            raise BadRequest("Paging over hypervisors with the hypervisor_hostname_pattern "
                             "query parameter is not supported.")
        found = [x for x in found if pattern in x.hostname]
        if not found:
            raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    if marker is not None:
        if str(views_hosts.hypervisor_id(h, v)) != marker:
            raise BadRequest(f"marker [{marker}] not found")
        found = []
    more = limit is not None and len(found) > limit
    found = found[:limit] if limit is not None else found
    items = [views_hosts.hypervisor(x, hosts.usage(ctx.db, x.hostname), v, detail=detail,
                                    with_servers=with_servers, uptime=hosts.uptime())
             for x in found]
    body: dict = {"hypervisors": items}
    if v.at_least("2.33") and pattern is None and items and more:
        body["hypervisors_links"] = next_links(
            ctx.base_url, "os-hypervisors/detail" if detail else "os-hypervisors", ctx.query,
            str(items[-1]["id"]), more)
    return body


def list_hypervisors(ctx: Ctx) -> dict:
    return _list(ctx, detail=False)


def list_details(ctx: Ctx) -> dict:
    return _list(ctx, detail=True)


def _find(ctx: Ctx) -> hosts.Host:
    """The hypervisor named by the path: a uuid from 2.53, an integer before."""
    wanted = ctx.params["hypervisor_id"]
    v = version(ctx)
    if v.at_least("2.53"):
        try:
            uuid.UUID(wanted)
        except ValueError:
            raise BadRequest(f"Invalid uuid {wanted}") from None
    elif not wanted.lstrip("-").isdigit():
        raise NotFound(f"Hypervisor with ID '{wanted}' could not be found.")
    h = _host(ctx)
    if str(views_hosts.hypervisor_id(h, v)) != str(uuid.UUID(wanted) if v.at_least("2.53")
                                                  else int(wanted)):
        raise NotFound(f"Hypervisor with ID '{wanted}' could not be found.")
    return h


def show(ctx: Ctx) -> dict:
    v = version(ctx)
    with_servers = False
    if v.at_least("2.53"):
        check_query(ctx, schemas.hypervisor_show_query_v253)
        with_servers = flag(ctx.query.get("with_servers", "false"), "with_servers")
    h = _find(ctx)
    return {"hypervisor": views_hosts.hypervisor(h, hosts.usage(ctx.db, h.hostname), v,
                                                 detail=True, with_servers=with_servers,
                                                 uptime=hosts.uptime())}


def uptime(ctx: Ctx) -> dict:
    _before(ctx, "2.88")
    h = _find(ctx)
    text = hosts.uptime()
    if text is None:
        raise NotImplementedYet("Action is not supported.")
    body = views_hosts.hypervisor(h, hosts.Usage(), version(ctx), detail=False)
    body["uptime"] = text
    return {"hypervisor": body}


def statistics(ctx: Ctx) -> dict:
    _before(ctx, "2.88")
    h = _host(ctx)
    return views_hosts.statistics([(h, hosts.usage(ctx.db, h.hostname))])


def _search(ctx: Ctx, with_servers: bool) -> dict:
    _before(ctx, "2.53")
    pattern = ctx.params["pattern"]
    found = [h for h in [_host(ctx)] if pattern in h.hostname]
    if not found:
        raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    items = []
    for h in found:
        used = hosts.usage(ctx.db, h.hostname) if with_servers else hosts.Usage()
        items.append(views_hosts.hypervisor(h, used, version(ctx), detail=False,
                                            with_servers=with_servers))
    return {"hypervisors": items}


def search(ctx: Ctx) -> dict:
    return _search(ctx, with_servers=False)


def servers(ctx: Ctx) -> dict:
    return _search(ctx, with_servers=True)


ROUTES = [
    Route("GET", H, list_hypervisors, "compute:hypervisors:list"),
    Route("GET", H + "/detail", list_details, "compute:hypervisors:list-detail"),
    Route("GET", H + "/statistics", statistics, "compute:hypervisors:statistics"),
    Route("GET", H + "/{hypervisor_id}", show, "compute:hypervisors:show"),
    Route("GET", H + "/{hypervisor_id}/uptime", uptime, "compute:hypervisors:uptime"),
    Route("GET", H + "/{pattern}/search", search, "compute:hypervisors:search"),
    Route("GET", H + "/{pattern}/servers", servers, "compute:hypervisors:servers"),
]
