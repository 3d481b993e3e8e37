"""L7 policies and their rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cheptel.loadbalancer import schemas, views
from cheptel.loadbalancer.api.common import LBAAS, body, listing, one, project_filter
from cheptel.loadbalancer.api.loadbalancers import kick
from cheptel.loadbalancer.faults import missing
from cheptel.loadbalancer.models import L7Policy, L7Rule, Listener, LoadBalancer
from cheptel.loadbalancer.service import l7 as service
from cheptel.loadbalancer.service.common import get
from cheptel.web import Ctx, Reply, Route

ITEM = LBAAS + "/l7policies/{l7policy_id}"
RULES = ITEM + "/rules"
RULE = RULES + "/{l7rule_id}"


def render(ctx: Ctx, pol: L7Policy) -> dict[str, Any]:
    rules = ctx.db.scalars(select(L7Rule.id).where(L7Rule.l7policy_id == pol.id)
                           .order_by(L7Rule.created_at)).all()
    return views.l7policy(pol, list(rules))


def list_all(ctx: Ctx) -> dict[str, Any]:
    project = project_filter(ctx, "l7policy")
    query = ctx.db.query(L7Policy)
    if project is not None:
        query = query.filter(L7Policy.project_id == project)
    return listing(ctx, "l7policies", [render(ctx, p) for p in query])


def _lb_of(ctx: Ctx, listener_id: str) -> LoadBalancer:
    lis = get(ctx.db, Listener, listener_id)
    return get(ctx.db, LoadBalancer, lis.loadbalancer_id)


def create(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.policy_create, "l7policy")
    lis = get(ctx.db, Listener, values["listener_id"])
    ctx.enforce({"project_id": lis.project_id})
    lb = get(ctx.db, LoadBalancer, lis.loadbalancer_id)
    pol = service.create(ctx.db, lb, lis, values, ctx.now)
    kick(ctx, lb.id)
    return Reply({"l7policy": render(ctx, pol)}, status=201)


def _policy(ctx: Ctx) -> L7Policy:
    pol = get(ctx.db, L7Policy, ctx.params["l7policy_id"])
    ctx.enforce({"project_id": pol.project_id})
    return pol


def show(ctx: Ctx) -> dict[str, Any]:
    return {"l7policy": one(ctx, render(ctx, _policy(ctx)))}


def update(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.policy_update, "l7policy")
    pol = _policy(ctx)
    lb = _lb_of(ctx, pol.listener_id)
    service.update(ctx.db, lb, pol, values, ctx.now)
    kick(ctx, lb.id)
    return {"l7policy": render(ctx, pol)}


def delete(ctx: Ctx) -> Reply:
    pol = _policy(ctx)
    lb = _lb_of(ctx, pol.listener_id)
    service.delete(ctx.db, lb, pol, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=204)


# -- rules -----------------------------------------------------------------------------


def list_rules(ctx: Ctx) -> dict[str, Any]:
    pol = _policy(ctx)
    rows = ctx.db.scalars(select(L7Rule).where(L7Rule.l7policy_id == pol.id))
    return listing(ctx, "rules", [views.l7rule(r) for r in rows])


def create_rule(ctx: Ctx) -> Reply:
    values = body(ctx, schemas.rule_create, "rule")
    pol = _policy(ctx)
    lb = _lb_of(ctx, pol.listener_id)
    rule = service.create_rule(ctx.db, lb, pol, values, ctx.now)
    kick(ctx, lb.id)
    return Reply({"rule": views.l7rule(rule)}, status=201)


def _rule(ctx: Ctx) -> tuple[L7Policy, L7Rule]:
    pol = _policy(ctx)
    rule = get(ctx.db, L7Rule, ctx.params["l7rule_id"])
    if rule.l7policy_id != pol.id:
        raise missing("L7 Rule", rule.id)
    return pol, rule


def show_rule(ctx: Ctx) -> dict[str, Any]:
    return {"rule": one(ctx, views.l7rule(_rule(ctx)[1]))}


def update_rule(ctx: Ctx) -> dict[str, Any]:
    values = body(ctx, schemas.rule_update, "rule")
    pol, rule = _rule(ctx)
    lb = _lb_of(ctx, pol.listener_id)
    service.update_rule(ctx.db, lb, pol, rule, values, ctx.now)
    kick(ctx, lb.id)
    return {"rule": views.l7rule(rule)}


def delete_rule(ctx: Ctx) -> Reply:
    pol, rule = _rule(ctx)
    lb = _lb_of(ctx, pol.listener_id)
    service.delete_rule(ctx.db, lb, pol, rule, ctx.now)
    kick(ctx, lb.id)
    return Reply(None, status=204)


ROUTES = [
    Route("GET", LBAAS + "/l7policies", list_all, "l7policy:get_all"),
    Route("POST", LBAAS + "/l7policies", create, "l7policy:post", 201, deferred=True),
    Route("GET", ITEM, show, "l7policy:get_one", deferred=True),
    Route("PUT", ITEM, update, "l7policy:put", deferred=True),
    Route("DELETE", ITEM, delete, "l7policy:delete", 204, deferred=True),
    Route("GET", RULES, list_rules, "l7rule:get_all", deferred=True),
    Route("POST", RULES, create_rule, "l7rule:post", 201, deferred=True),
    Route("GET", RULE, show_rule, "l7rule:get_one", deferred=True),
    Route("PUT", RULE, update_rule, "l7rule:put", deferred=True),
    Route("DELETE", RULE, delete_rule, "l7rule:delete", 204, deferred=True),
]
