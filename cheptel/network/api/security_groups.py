"""Security groups and rules: /v2.0/security-groups, /v2.0/security-group-rules."""

from __future__ import annotations

from cheptel.network import schemas, views
from cheptel.network.api.common import caller, collection, create, one, values
from cheptel.network.attributes import project_of
from cheptel.network.service import security_groups as service
from cheptel.network.service.common import check_owner
from cheptel.web import Ctx, Reply, Route

GROUPS = "/v2.0/security-groups"
GROUP = GROUPS + "/{security_group_id}"
RULES = "/v2.0/security-group-rules"
RULE = RULES + "/{security_group_rule_id}"


def index(ctx: Ctx) -> dict:
    asked = ctx.query_multi.get("project_id", []) + ctx.query_multi.get("tenant_id", [])
    items = [views.security_group(g)
             for g in service.list_visible(ctx.db, ctx.now, caller(ctx), asked)]
    return collection(ctx, "security_groups", schemas.SECURITY_GROUP, items)


def show(ctx: Ctx) -> dict:
    group = service.get_visible(ctx.db, caller(ctx), ctx.params["security_group_id"])
    return one(ctx, "security_group", views.security_group(group))


def _make(ctx: Ctx, new: dict) -> dict:
    group = service.create(ctx.db, ctx.now, project_of(new, caller(ctx)), new)
    return views.security_group(group)


def create_group(ctx: Ctx) -> Reply:
    return create(ctx, "security_group", "security_groups", schemas.SECURITY_GROUP,
                  lambda v: _make(ctx, v))


def update(ctx: Ctx) -> dict:
    creds = caller(ctx)
    changes = values(ctx, "security_group", schemas.SECURITY_GROUP, False)
    group = service.get_visible(ctx.db, creds, ctx.params["security_group_id"])
    group = service.update(ctx.db, ctx.now, creds, group, changes)
    return {"security_group": views.security_group(group)}


def delete(ctx: Ctx) -> None:
    creds = caller(ctx)
    group = service.get_visible(ctx.db, creds, ctx.params["security_group_id"])
    check_owner(creds, group.project_id, "delete_security_group")
    service.delete(ctx.db, creds, group)


def index_rules(ctx: Ctx) -> dict:
    items = [views.security_group_rule(r) for r in service.list_rules(ctx.db, caller(ctx))]
    return collection(ctx, "security_group_rules", schemas.SECURITY_GROUP_RULE, items,
                      taggable=False)


def show_rule(ctx: Ctx) -> dict:
    rule = service.get_rule(ctx.db, caller(ctx), ctx.params["security_group_rule_id"])
    return one(ctx, "security_group_rule", views.security_group_rule(rule))


def _make_rule(ctx: Ctx, new: dict) -> dict:
    return views.security_group_rule(service.create_rule(ctx.db, ctx.now, caller(ctx), new))


def create_rule(ctx: Ctx) -> Reply:
    return create(ctx, "security_group_rule", "security_group_rules",
                  schemas.SECURITY_GROUP_RULE, lambda v: _make_rule(ctx, v))


def delete_rule(ctx: Ctx) -> None:
    creds = caller(ctx)
    rule = service.get_rule(ctx.db, creds, ctx.params["security_group_rule_id"])
    service.delete_rule(ctx.db, creds, rule)


ROUTES = [
    Route("GET", GROUPS, index, "network:get_security_group"),
    Route("POST", GROUPS, create_group, "network:create_security_group", 201),
    Route("GET", GROUP, show, "network:get_security_group"),
    Route("PUT", GROUP, update, "network:update_security_group"),
    Route("DELETE", GROUP, delete, "network:delete_security_group", 204),
    Route("GET", RULES, index_rules, "network:get_security_group_rule"),
    Route("POST", RULES, create_rule, "network:create_security_group_rule", 201),
    Route("GET", RULE, show_rule, "network:get_security_group_rule"),
    Route("DELETE", RULE, delete_rule, "network:delete_security_group_rule", 204),
]
