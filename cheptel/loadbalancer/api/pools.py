"""Pools and their members (one, or the batch update of the whole set)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cheptel.loadbalancer import schemas, views
from cheptel.loadbalancer.api.common import LBAAS, body, caller, listing, one, project_filter
from cheptel.loadbalancer.api.loadbalancers import kick
from cheptel.loadbalancer.faults import missing
from cheptel.loadbalancer.models import HealthMonitor, Listener, LoadBalancer, Member, Pool
from cheptel.loadbalancer.service import pools as service
from cheptel.loadbalancer.service.common import get, validation
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

ITEM = LBAAS + "/pools/{pool_id}"
MEMBERS = ITEM + "/members"
MEMBER = MEMBERS + "/{member_id}"


def render(ctx: Ctx, pool: Pool) -> dict[str, Any]:
    members = ctx.db.scalars(select(Member.id).where(Member.pool_id == pool.id)
                             .order_by(Member.created_at)).all()
    monitor = ctx.db.scalar(select(HealthMonitor.id).where(HealthMonitor.pool_id == pool.id))
    return views.pool(pool, service.listeners_of(ctx.db, pool.id), list(members), monitor)


def list_all(ctx: Ctx) -> dict[str, Any]:
    project = project_filter(ctx, "pool")
    query = ctx.db.query(Pool)
    if project is not None:
        query = query.filter(Pool.project_id == project)
    return listing(ctx, "pools", [render(ctx, p) for p in query])


def create(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.pool_create, "pool")
    listener = None
    if values.get("listener_id"):
        listener = get(ctx.db, Listener, values["listener_id"])
        lb = get(ctx.db, LoadBalancer, listener.loadbalancer_id)
        if values.get("loadbalancer_id") and values["loadbalancer_id"] != lb.id:
            raise validation("The listener is not on the load balancer given.")
    elif values.get("loadbalancer_id"):
        lb = get(ctx.db, LoadBalancer, values["loadbalancer_id"])
    else:
        raise validation("loadbalancer_id or listener_id must be specified.")
    ctx.enforce({"project_id": lb.project_id})
    pool = service.create(ctx.db, lb, listener, values, ctx.now)
    kick(ctx, lb.id)
    return Reply({"pool": render(ctx, pool)}, status=201)


def _pool(ctx: Ctx) -> Pool:
    pool = get(ctx.db, Pool, ctx.params["pool_id"])
    ctx.enforce({"project_id": pool.project_id})
    return pool


def _lb(ctx: Ctx, pool: Pool) -> LoadBalancer:
    return get(ctx.db, LoadBalancer, pool.loadbalancer_id)


def show(ctx: Ctx) -> dict[str, Any]:
    return {"pool": one(ctx, render(ctx, _pool(ctx)))}


def update(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.pool_update, "pool")
    pool = _pool(ctx)
    lb = _lb(ctx, pool)
    service.update(ctx.db, lb, pool, values, ctx.now)
    kick(ctx, lb.id)
    return {"pool": render(ctx, pool)}


def delete(ctx: Ctx) -> Reply:
    pool = _pool(ctx)
    lb = _lb(ctx, pool)
    service.delete(ctx.db, lb, pool, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=204)


# -- members ---------------------------------------------------------------------------


def list_members(ctx: Ctx) -> dict[str, Any]:
    pool = _pool(ctx)
    rows = ctx.db.scalars(select(Member).where(Member.pool_id == pool.id))
    return listing(ctx, "members", [views.member(m) for m in rows])


def create_member(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.member_create, "member")
    pool = _pool(ctx)
    lb = _lb(ctx, pool)
    member = service.create_member(ctx.db, caller(ctx), lb, pool, values, ctx.now)
    kick(ctx, lb.id)
    return Reply({"member": views.member(member)}, status=201)


def _member(ctx: Ctx) -> tuple[Pool, Member]:
    pool = _pool(ctx)
    member = get(ctx.db, Member, ctx.params["member_id"])
    if member.pool_id != pool.id:
        raise missing("Member", member.id)
    return pool, member


def show_member(ctx: Ctx) -> dict[str, Any]:
    return {"member": one(ctx, views.member(_member(ctx)[1]))}


def update_member(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.member_update, "member")
    pool, member = _member(ctx)
    lb = _lb(ctx, pool)
    service.update_member(ctx.db, lb, member, values, ctx.now)
    kick(ctx, lb.id)
    return {"member": views.member(member)}


def delete_member(ctx: Ctx) -> Reply:
    pool, member = _member(ctx)
    lb = _lb(ctx, pool)
    service.delete_member(ctx.db, lb, member, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=204)


def batch_members(ctx: Ctx) -> Reply:
    wanted = check(schemas.members_batch, ctx.body)["members"]
    pool = _pool(ctx)
    lb = _lb(ctx, pool)
    additive = (ctx.query.get("additive_only") or "").lower() in ("true", "1", "yes")
    service.batch(ctx.db, caller(ctx), lb, pool, [dict(m) for m in wanted], additive,
                  ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=202)


ROUTES = [
    Route("GET", LBAAS + "/pools", list_all, "pool:get_all"),
    Route("POST", LBAAS + "/pools", create, "pool:post", 201, deferred=True),
    Route("GET", ITEM, show, "pool:get_one", deferred=True),
    Route("PUT", ITEM, update, "pool:put", deferred=True),
    Route("DELETE", ITEM, delete, "pool:delete", 204, deferred=True),
    Route("GET", MEMBERS, list_members, "member:get_all", deferred=True),
    Route("POST", MEMBERS, create_member, "member:post", 201, deferred=True),
    Route("PUT", MEMBERS, batch_members, "member:put", 202, deferred=True),
    Route("GET", MEMBER, show_member, "member:get_one", deferred=True),
    Route("PUT", MEMBER, update_member, "member:put", deferred=True),
    Route("DELETE", MEMBER, delete_member, "member:delete", 204, deferred=True),
]
