"""Health monitors: list, create, show, update, delete."""

from __future__ import annotations

from typing import Any

from cheptel.loadbalancer import schemas, views
from cheptel.loadbalancer.api.common import LBAAS, body, listing, one, project_filter
from cheptel.loadbalancer.api.loadbalancers import kick
from cheptel.loadbalancer.models import HealthMonitor, LoadBalancer, Pool
from cheptel.loadbalancer.service import monitors as service
from cheptel.loadbalancer.service.common import get
from cheptel.web import Ctx, Reply, Route

ITEM = LBAAS + "/healthmonitors/{healthmonitor_id}"


def list_all(ctx: Ctx) -> dict[str, Any]:
    project = project_filter(ctx, "healthmonitor")
    query = ctx.db.query(HealthMonitor)
    if project is not None:
        query = query.filter(HealthMonitor.project_id == project)
    return listing(ctx, "healthmonitors", [views.healthmonitor(h) for h in query])


def create(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.monitor_create, "healthmonitor")
    pool = get(ctx.db, Pool, values["pool_id"])
    ctx.enforce({"project_id": pool.project_id})
    lb = get(ctx.db, LoadBalancer, pool.loadbalancer_id)
    hm = service.create(ctx.db, lb, pool, values, ctx.now)
    kick(ctx, lb.id)
    return Reply({"healthmonitor": views.healthmonitor(hm)}, status=201)


def _monitor(ctx: Ctx) -> tuple[LoadBalancer, HealthMonitor]:
    hm = get(ctx.db, HealthMonitor, ctx.params["healthmonitor_id"])
    ctx.enforce({"project_id": hm.project_id})
    pool = get(ctx.db, Pool, hm.pool_id)
    return get(ctx.db, LoadBalancer, pool.loadbalancer_id), hm


def show(ctx: Ctx) -> dict[str, Any]:
    return {"healthmonitor": one(ctx, views.healthmonitor(_monitor(ctx)[1]))}


def update(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.monitor_update, "healthmonitor")
    lb, hm = _monitor(ctx)
    service.update(ctx.db, lb, hm, values, ctx.now)
    kick(ctx, lb.id)
    return {"healthmonitor": views.healthmonitor(hm)}


def delete(ctx: Ctx) -> Reply:
    lb, hm = _monitor(ctx)
    service.delete(ctx.db, lb, hm, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=204)


ROUTES = [
    Route("GET", LBAAS + "/healthmonitors", list_all, "healthmonitor:get_all"),
    Route("POST", LBAAS + "/healthmonitors", create, "healthmonitor:post", 201,
          deferred=True),
    Route("GET", ITEM, show, "healthmonitor:get_one", deferred=True),
    Route("PUT", ITEM, update, "healthmonitor:put", deferred=True),
    Route("DELETE", ITEM, delete, "healthmonitor:delete", 204, deferred=True),
]
