"""Stacks: /v1/{project_id}/stacks, Heat's 302 lookups by name, show, update, delete,
preview, and the stack's template, environment, files and outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from cheptel.orchestration import schemas, views
from cheptel.orchestration.api.common import (
    LOOKUP,
    STACK,
    STACKS,
    base,
    body,
    caller,
    flag,
    limit,
    sort_dir,
    sort_keys,
    stack,
)
from cheptel.orchestration.models import Stack
from cheptel.orchestration.service import inspect, listing
from cheptel.orchestration.service import stacks as service
from cheptel.web import Ctx, Reply, Route

SORT: dict[str, Callable[[Stack], Any]] = {
    "stack_name": lambda s: s.name, "stack_status": lambda s: f"{s.action}_{s.status}",
    "creation_time": lambda s: s.created_at,
    "updated_time": lambda s: listing.sort_value(s.updated_at)}
FILTERS = ("id", "name", "status", "action", "tenant", "owner_id", "username")


def _kept(ctx: Ctx, s: Stack) -> bool:
    q = ctx.query_multi
    for key in FILTERS:
        wanted = q.get(key)
        if not wanted:
            continue
        have = {"id": s.id, "name": s.name, "action": s.action, "tenant": s.project_id,
                "owner_id": None, "username": None}.get(key)
        if key == "status":
            if not any(w in (s.status, f"{s.action}_{s.status}") for w in wanted):
                return False
        elif have not in wanted:
            return False
    tags = set(s.tags)
    for key in ("tags", "tags_any", "not_tags", "not_tags_any"):
        raw = ctx.query.get(key)
        if raw and not _tags_match(key, {t for t in raw.split(",") if t}, tags):
            return False
    return True


def _tags_match(key: str, wanted: set[str], tags: set[str]) -> bool:
    if key == "tags":
        return wanted <= tags
    if key == "tags_any":
        return bool(wanted & tags)
    if key == "not_tags":
        return not wanted <= tags
    return not wanted & tags


def index(ctx: Ctx) -> dict[str, Any]:
    creds = caller(ctx)
    everyone = flag(ctx.query.get("global_tenant"))
    if everyone:
        ctx.require("stacks:global_index", {"project_id": creds.project_id})
    nested = flag(ctx.query.get("show_nested"))
    items = service.every(ctx.db, nested) if everyone else service.in_project(
        ctx.db, creds.project_id or "", flag(ctx.query.get("show_deleted")), nested)
    keys = sort_keys(ctx, tuple(SORT), "creation_time")
    found = listing.page([s for s in items if _kept(ctx, s)],
                         lambda s: tuple(SORT[k](s) for k in keys),
                         sort_dir(ctx, "desc") == "desc", ctx.query.get("marker"),
                         lambda s: s.id, limit(ctx), "Stack")
    return {"stacks": [views.stack_summary(base(ctx), s) for s in found]}


def create(ctx: Ctx) -> Reply:
    creds = caller(ctx)
    data = body(ctx, schemas.CREATE)
    made = service.create(ctx.db, creds, ctx.now, data["stack_name"], data)
    sid = made.id
    ctx.after_commit.append(lambda: ctx.deps.reconciler.schedule("orchestration", sid))
    url = views.stack_url(base(ctx), made)
    return Reply({"stack": {"id": made.id, "links": [{"href": url, "rel": "self"}]}},
                 status=201, headers={"Location": url})  # Heat's: where to poll


def preview(ctx: Ctx) -> dict[str, Any]:
    creds = caller(ctx)
    data = body(ctx, schemas.CREATE)
    return {"stack": inspect.preview(ctx.db, creds, ctx.now, data, base(ctx))}


def _redirect(ctx: Ctx, sub: str = "") -> Reply:
    found = service.find(ctx.db, caller(ctx), ctx.params["stack_name"])
    location = views.stack_url(base(ctx), found) + sub
    if ctx.request.query_params:
        location += "?" + urlencode(list(ctx.request.query_params.multi_items()))
    return Reply(None, status=302, headers={"Location": location})


def lookup(ctx: Ctx) -> Reply:
    return _redirect(ctx)


def _lookup_sub(sub: str) -> Any:
    def handler(ctx: Ctx) -> Reply:
        return _redirect(ctx, "/" + sub)
    return handler


def show(ctx: Ctx) -> dict[str, Any]:
    s = stack(ctx)
    resolve = ctx.query.get("resolve_outputs", "true").lower() != "false"
    return {"stack": inspect.detail(ctx.deps, ctx.db, caller(ctx), s, base(ctx), resolve)}


def _update(ctx: Ctx, patch: bool) -> Reply:
    creds = caller(ctx)
    s = stack(ctx)
    data = body(ctx, schemas.UPDATE)
    service.update(ctx.db, creds, ctx.now, s, data, patch or flag(str(data.get("existing"))))
    sid = s.id
    ctx.after_commit.append(lambda: ctx.deps.reconciler.schedule("orchestration", sid))
    return Reply(None, status=202)


def update(ctx: Ctx) -> Reply:
    return _update(ctx, False)


def update_patch(ctx: Ctx) -> Reply:
    return _update(ctx, True)


def delete(ctx: Ctx) -> None:
    s = stack(ctx)
    service.delete(ctx.db, ctx.now, s)
    sid = s.id
    ctx.after_commit.append(lambda: ctx.deps.reconciler.schedule("orchestration", sid))


def action(ctx: Ctx) -> None:
    s = stack(ctx)
    service.act(ctx.db, ctx.now, s, ctx.body)
    sid = s.id
    ctx.after_commit.append(lambda: ctx.deps.reconciler.schedule("orchestration", sid))


def template(ctx: Ctx) -> dict[str, Any]:
    return dict(stack(ctx).template)


def environment(ctx: Ctx) -> dict[str, Any]:
    env = stack(ctx).environment
    return {"parameters": env.get("parameters") or {}, "parameter_defaults":
            env.get("parameter_defaults") or {}, "resource_registry": {
                **(env.get("resource_registry") or {}), "resources": {}},
            "encrypted_param_names": [], "event_sinks": []}


def files(ctx: Ctx) -> dict[str, Any]:
    return dict(stack(ctx).files)


def outputs(ctx: Ctx) -> dict[str, Any]:
    return {"outputs": [{"output_key": k, "description": d.get("description",
                                                                 "No description given")}
                        for k, d in inspect.template_outputs(stack(ctx)).items()]}


def output(ctx: Ctx) -> dict[str, Any]:
    s = stack(ctx)
    return {"output": inspect.output(ctx.deps, ctx.db, caller(ctx), s, ctx.params["key"])}


ROUTES = [
    Route("GET", STACKS, index, "stacks:index"),
    Route("POST", STACKS, create, "stacks:create", 201),
    Route("POST", STACKS + "/preview", preview, "stacks:preview"),
    *[Route("GET", f"{LOOKUP}/{sub}", _lookup_sub(sub), "stacks:lookup", 302)
      for sub in ("resources", "events", "template", "environment", "files", "outputs")],
    # heatclient's actions post to /stacks/<name>/actions (`openstack stack suspend
    # web`): redirected to the stack's, as Heat's stack_lookup_subpath_post
    *[Route("POST", f"{LOOKUP}/{sub}", _lookup_sub(sub), "stacks:lookup", 302)
      for sub in ("resources", "events", "template", "actions")],
    Route("GET", LOOKUP, lookup, "stacks:lookup", 302),
    Route("PUT", LOOKUP, lookup, "stacks:lookup", 302),
    Route("PATCH", LOOKUP, lookup, "stacks:lookup", 302),
    Route("DELETE", LOOKUP, lookup, "stacks:lookup", 302),
    Route("GET", STACK, show, "stacks:show"),
    Route("PUT", STACK, update, "stacks:update", 202),
    Route("PATCH", STACK, update_patch, "stacks:update_patch", 202),
    Route("DELETE", STACK, delete, "stacks:delete", 204),
    Route("POST", STACK + "/actions", action, "actions:action"),
    Route("GET", STACK + "/template", template, "stacks:template"),
    Route("GET", STACK + "/environment", environment, "stacks:environment"),
    Route("GET", STACK + "/files", files, "stacks:files"),
    Route("GET", STACK + "/outputs", outputs, "stacks:list_outputs"),
    Route("GET", STACK + "/outputs/{key}", output, "stacks:show_output"),
]
