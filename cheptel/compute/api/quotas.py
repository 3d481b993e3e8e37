"""Compute quotas: os-quota-sets (per project) and os-quota-class-sets (the defaults)."""

from __future__ import annotations

from cheptel.common import bool_filter
from cheptel.compute import schemas, views_quotas
from cheptel.compute.api.params import caller, check_query, loose_flag, version
from cheptel.compute.service import projects, quotas
from cheptel.validation import check
from cheptel.web import Ctx, Route

QUOTA = "/v2.1/os-quota-sets/{project_id}"
QUOTA_CLASS = "/v2.1/os-quota-class-sets/{class_name}"


def _query(ctx: Ctx) -> None:
    check_query(ctx, schemas.quota_query_v275 if version(ctx).at_least("2.75")
                else schemas.quota_query)


def _usage_user(ctx: Ctx) -> str:
    """Keypairs are counted per user: ?user_id=, else the caller."""
    return ctx.query.get("user_id") or caller(ctx).user_id


def _detail(ctx: Ctx) -> dict:
    project_id = ctx.params["project_id"]
    projects.verify(ctx.db, project_id)
    values = quotas.detail(ctx.db, project_id, _usage_user(ctx),
                           per_user=bool(ctx.query.get("user_id")))
    return views_quotas.quota_set(values, version(ctx), project_id)


def show(ctx: Ctx) -> dict:
    wants_usage = "usage" in ctx.query and bool_filter(ctx.query["usage"])
    ctx.query_multi.pop("usage", None)  # ?usage=True (Cinder's form): the detail view
    _query(ctx)
    if wants_usage:
        return _detail(ctx)
    project_id = ctx.params["project_id"]
    projects.verify(ctx.db, project_id)
    user_id = ctx.query.get("user_id")
    values = (quotas.user_limits(ctx.db, project_id, user_id) if user_id
              else quotas.limits(ctx.db, project_id))
    return views_quotas.quota_set(values, version(ctx), project_id)


def detail(ctx: Ctx) -> dict:
    _query(ctx)
    return _detail(ctx)


def defaults(ctx: Ctx) -> dict:
    project_id = ctx.params["project_id"]
    projects.verify(ctx.db, project_id)
    return views_quotas.quota_set(quotas.defaults(ctx.db), version(ctx), project_id)


def _update_schema(ctx: Ctx) -> dict:
    v = version(ctx)
    if v.at_least("2.57"):
        return schemas.quota_update_v257
    if v.at_least("2.36"):
        return schemas.quota_update_v236
    return schemas.quota_update


def update(ctx: Ctx) -> dict:
    body = check(_update_schema(ctx), ctx.body)["quota_set"]
    _query(ctx)
    user_id = ctx.query.get("user_id")
    project_id = ctx.params["project_id"]
    projects.verify(ctx.db, project_id)
    force = loose_flag(body.get("force", False))
    changes = {k: int(v) for k, v in body.items() if k != "force" and (v or v == 0)}
    if user_id:  # a user's own limits within the project (Nova's project_user_quotas)
        if not force:
            quotas.check_user_settable(ctx.db, project_id, user_id, changes)
        values = quotas.set_user_limits(ctx.db, project_id, user_id, changes)
        return views_quotas.quota_set(values, version(ctx))
    if not force:
        quotas.check_settable(ctx.db, project_id, changes)
    values = quotas.set_limits(ctx.db, project_id, changes)
    return views_quotas.quota_set(values, version(ctx))


def delete(ctx: Ctx) -> None:
    _query(ctx)
    if ctx.query.get("user_id"):  # the user's own limits go: the project's apply again
        quotas.reset_user(ctx.db, ctx.params["project_id"], ctx.query["user_id"])
    else:
        quotas.reset(ctx.db, ctx.params["project_id"])


# -- os-quota-class-sets ----------------------------------------------------------------------

def show_class(ctx: Ctx) -> dict:
    name = ctx.params["class_name"]
    return views_quotas.quota_set(quotas.class_limits(ctx.db, name), version(ctx), name,
                                  "quota_class_set",
                                  views_quotas.hidden_class_quotas(version(ctx)))


def update_class(ctx: Ctx) -> dict:
    v = version(ctx)
    schema = (schemas.quota_class_update_v257 if v.at_least("2.57")
              else schemas.quota_class_update_v250 if v.at_least("2.50")
              else schemas.quota_class_update)
    body = check(schema, ctx.body)["quota_class_set"]
    changes = {k: int(value) for k, value in body.items()}
    values = quotas.set_class_limits(ctx.db, ctx.params["class_name"], changes)
    return views_quotas.quota_set(values, v, None, "quota_class_set",
                                  views_quotas.hidden_class_quotas(v))


ROUTES = [
    Route("GET", QUOTA, show, "compute:quota-sets:show"),
    Route("PUT", QUOTA, update, "compute:quota-sets:update"),
    Route("DELETE", QUOTA, delete, "compute:quota-sets:delete", 202),
    Route("GET", QUOTA + "/detail", detail, "compute:quota-sets:detail"),
    Route("GET", QUOTA + "/defaults", defaults, "compute:quota-sets:defaults"),
    Route("GET", QUOTA_CLASS, show_class, "compute:quota-class-sets:show"),
    Route("PUT", QUOTA_CLASS, update_class, "compute:quota-class-sets:update"),
]
