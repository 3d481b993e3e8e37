"""Load balancers: list, create, show, update, delete (cascade), status tree, stats,
failover."""

from __future__ import annotations

from typing import Any

from cheptel.loadbalancer import schemas, views
from cheptel.loadbalancer.api.common import LBAAS, body, caller, listing, one, project_filter
from cheptel.loadbalancer.models import LoadBalancer
from cheptel.loadbalancer.service import loadbalancers as service
from cheptel.loadbalancer.service import stats
from cheptel.loadbalancer.service.common import get, validation
from cheptel.web import Ctx, Reply, Route

KIND = "load-balancer"
ITEM = LBAAS + "/loadbalancers/{loadbalancer_id}"


def kick(ctx: Ctx, lb_id: str, network: bool = False) -> None:
    deps = ctx.deps

    def later() -> None:
        if network:
            deps.reconciler.kick_network()
        deps.reconciler.schedule(KIND, lb_id)
    ctx.after_commit.append(later)


def render(ctx: Ctx, lb: LoadBalancer) -> dict[str, Any]:
    listeners, pools = service.children(ctx.db, lb.id)
    return views.loadbalancer(lb, listeners, pools)


def list_all(ctx: Ctx) -> dict[str, Any]:
    project = project_filter(ctx, "loadbalancer")
    query = ctx.db.query(LoadBalancer)
    if project is not None:
        query = query.filter(LoadBalancer.project_id == project)
    docs = [render(ctx, lb) for lb in query.order_by(LoadBalancer.created_at)]
    return listing(ctx, "loadbalancers", docs)


def create(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.lb_create, "loadbalancer")
    creds = caller(ctx)
    project = values.get("project_id") or values.get("tenant_id") or creds.project_id
    ctx.enforce({"project_id": project or ""})
    if not project:
        raise validation("Missing project ID in request where one is required.")
    lb = service.create(ctx.db, creds, values, ctx.now, project)
    kick(ctx, lb.id, network=True)
    return Reply({"loadbalancer": render(ctx, lb)}, status=201)


def _lb(ctx: Ctx) -> LoadBalancer:
    lb = get(ctx.db, LoadBalancer, ctx.params["loadbalancer_id"])
    ctx.enforce({"project_id": lb.project_id})
    return lb


def show(ctx: Ctx) -> dict[str, Any]:
    return {"loadbalancer": one(ctx, render(ctx, _lb(ctx)))}


def update(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.lb_update, "loadbalancer")
    lb = _lb(ctx)
    service.update(ctx.db, lb, values, ctx.now)
    kick(ctx, lb.id)
    return {"loadbalancer": render(ctx, lb)}


def delete(ctx: Ctx) -> Reply:
    lb = _lb(ctx)
    cascade = (ctx.query.get("cascade") or "").lower() in ("true", "1", "yes", "on")
    service.delete(ctx.db, lb, ctx.now, cascade)
    kick(ctx, lb.id)
    return Reply(None, status=204)


def status(ctx: Ctx) -> dict[str, Any]:
    return {"statuses": service.status_tree(ctx.db, _lb(ctx))}


def statistics(ctx: Ctx) -> dict[str, Any]:
    lb = _lb(ctx)
    return {"stats": stats.of_loadbalancer(ctx.db, ctx.deps, lb)}


def failover(ctx: Ctx) -> Reply:
    lb = _lb(ctx)
    service.failover(ctx.db, lb, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=202)


ROUTES = [
    Route("GET", LBAAS + "/loadbalancers", list_all, "loadbalancer:get_all"),
    Route("POST", LBAAS + "/loadbalancers", create, "loadbalancer:post", 201, deferred=True),
    Route("GET", ITEM, show, "loadbalancer:get_one", deferred=True),
    Route("PUT", ITEM, update, "loadbalancer:put", deferred=True),
    Route("DELETE", ITEM, delete, "loadbalancer:delete", 204, deferred=True),
    Route("GET", ITEM + "/status", status, "loadbalancer:get_status", deferred=True),
    Route("GET", ITEM + "/stats", statistics, "loadbalancer:get_stats", deferred=True),
    Route("PUT", ITEM + "/failover", failover, "loadbalancer:put_failover", 202,
          deferred=True),
]
