"""Listeners: list, create, show, update, delete, stats."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cheptel.loadbalancer import schemas, views
from cheptel.loadbalancer.api.common import LBAAS, body, listing, one, project_filter
from cheptel.loadbalancer.api.loadbalancers import kick
from cheptel.loadbalancer.models import L7Policy, Listener, LoadBalancer
from cheptel.loadbalancer.service import listeners as service
from cheptel.loadbalancer.service import stats
from cheptel.loadbalancer.service.common import get
from cheptel.web import Ctx, Reply, Route

ITEM = LBAAS + "/listeners/{listener_id}"


def render(ctx: Ctx, lis: Listener) -> dict[str, Any]:
    policies = ctx.db.scalars(select(L7Policy.id).where(L7Policy.listener_id == lis.id)
                              .order_by(L7Policy.position)).all()
    return views.listener(lis, list(policies))


def list_all(ctx: Ctx) -> dict[str, Any]:
    project = project_filter(ctx, "listener")
    query = ctx.db.query(Listener)
    if project is not None:
        query = query.filter(Listener.project_id == project)
    return listing(ctx, "listeners", [render(ctx, x) for x in query])


def create(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.listener_create, "listener")
    lb = get(ctx.db, LoadBalancer, values["loadbalancer_id"])
    ctx.enforce({"project_id": lb.project_id})
    lis = service.create(ctx.db, lb, values, ctx.now)
    kick(ctx, lb.id)
    return Reply({"listener": render(ctx, lis)}, status=201)


def _listener(ctx: Ctx) -> Listener:
    lis = get(ctx.db, Listener, ctx.params["listener_id"])
    ctx.enforce({"project_id": lis.project_id})
    return lis


def show(ctx: Ctx) -> dict[str, Any]:
    return {"listener": one(ctx, render(ctx, _listener(ctx)))}


def update(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.listener_update, "listener")
    lis = _listener(ctx)
    lb = get(ctx.db, LoadBalancer, lis.loadbalancer_id)
    service.update(ctx.db, lb, lis, values, ctx.now)
    kick(ctx, lb.id)
    return {"listener": render(ctx, lis)}


def delete(ctx: Ctx) -> Reply:
    lis = _listener(ctx)
    lb = get(ctx.db, LoadBalancer, lis.loadbalancer_id)
    service.delete(ctx.db, lb, lis, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=204)


def statistics(ctx: Ctx) -> dict[str, Any]:
    return {"stats": stats.of_listener(ctx.deps, _listener(ctx))}


ROUTES = [
    Route("GET", LBAAS + "/listeners", list_all, "listener:get_all"),
    Route("POST", LBAAS + "/listeners", create, "listener:post", 201, deferred=True),
    Route("GET", ITEM, show, "listener:get_one", deferred=True),
    Route("PUT", ITEM, update, "listener:put", deferred=True),
    Route("DELETE", ITEM, delete, "listener:delete", 204, deferred=True),
    Route("GET", ITEM + "/stats", statistics, "listener:get_stats", deferred=True),
]
