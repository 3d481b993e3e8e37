"""A stack's resources and events: /stacks/{name}/{id}/resources[/{resource}[/events]]
and /stacks/{name}/{id}/events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cheptel.errors import BadRequest
from cheptel.orchestration import views
from cheptel.orchestration.api.common import (
    STACK,
    P,
    base,
    caller,
    limit,
    sort_dir,
    sort_keys,
    stack,
)
from cheptel.orchestration.errors import StackNotFound
from cheptel.orchestration.models import Stack, StackEvent, StackResource
from cheptel.orchestration.service import healing, inspect, listing, scaling, signals
from cheptel.orchestration.service import stacks as service
from cheptel.web import Ctx, Route

RESOURCES = STACK + "/resources"
RESOURCE = RESOURCES + "/{resource_name}"
EVENT_SORT: dict[str, Callable[[StackEvent], Any]] = {
    "event_time": lambda e: e.seq, "resource_type": lambda e: e.resource_type,
    "resource_status": lambda e: e.status, "resource_action": lambda e: e.action,
    "resource_name": lambda e: e.resource_name}


def _rows(ctx: Ctx, s: Stack) -> list[StackResource]:
    return service.resources_of(ctx.db, s)


def index(ctx: Ctx) -> dict[str, Any]:
    s = stack(ctx)
    depth = ctx.query.get("nested_depth")
    if depth is not None and (not depth.isdigit() or len(depth) > 4):
        raise BadRequest(f"Invalid value {depth[:40]!r} for nested_depth: a non-negative "
                         "integer.")
    wanted = {k: set(v) for k, v in ctx.query_multi.items()
              if k in ("name", "type", "status", "action", "physical_resource_id", "id")}
    out = []
    for owner, r, parent, required in inspect.nested_rows(ctx.db, s, int(depth or 0)):
        have = {"name": r.name, "type": r.type, "status": r.status, "action": r.action,
                "physical_resource_id": r.physical_id, "id": r.id}
        if all(have[k] in v for k, v in wanted.items()):
            out.append(views.resource(base(ctx), owner, r, required, parent=parent,
                                      nested=inspect.nested_stack(ctx.db, owner, r)))
    return {"resources": out}


def _row(ctx: Ctx, s: Stack) -> StackResource:
    name = ctx.params["resource_name"]
    for r in _rows(ctx, s):
        if r.name == name:
            return r
    raise StackNotFound(f"{name} in stack {s.name}", "Resource")


def show(ctx: Ctx) -> dict[str, Any]:
    s = stack(ctx)
    row = _row(ctx, s)
    attrs = inspect.attributes(ctx.deps, ctx.db, caller(ctx), s, row,
                               ctx.query_multi.get("with_attr", []))
    required = inspect.required_by(s, {r.name for r in _rows(ctx, s)})
    return {"resource": views.resource(base(ctx), s, row, required.get(row.name, []), attrs,
                                       nested=inspect.nested_stack(ctx.db, s, row))}


def _events(ctx: Ctx, s: Stack, resource: str | None) -> list[StackEvent]:
    return service.events_of(ctx.db, s, resource)


def _event_kept(ctx: Ctx, e: StackEvent) -> bool:
    q = ctx.query_multi
    have = {"resource_action": e.action, "resource_status": e.status,
            "resource_name": e.resource_name, "resource_type": e.resource_type}
    return all(have[k] in q[k] for k in have if q.get(k))


def _list(ctx: Ctx, resource: str | None) -> dict[str, Any]:
    s = stack(ctx)
    if resource is not None:
        _row_or_event_name(ctx, s, resource)
    keys = sort_keys(ctx, tuple(EVENT_SORT), "event_time")
    found = listing.page([e for e in _events(ctx, s, resource) if _event_kept(ctx, e)],
                         lambda e: (*(EVENT_SORT[k](e) for k in keys), e.seq),
                         sort_dir(ctx) == "desc", ctx.query.get("marker"),
                         lambda e: e.id, limit(ctx), "Event")
    return {"events": [views.event(base(ctx), s, e) for e in found]}


def _row_or_event_name(ctx: Ctx, s: Stack, name: str) -> None:
    """A resource's events outlive it (deleted by an update): its name is enough."""
    if name == s.name or any(r.name == name for r in _rows(ctx, s)):
        return
    if not _events(ctx, s, name):
        raise StackNotFound(f"{name} in stack {s.name}", "Resource")


def events(ctx: Ctx) -> dict[str, Any]:
    return _list(ctx, None)


def resource_events(ctx: Ctx) -> dict[str, Any]:
    return _list(ctx, ctx.params["resource_name"])


def event(ctx: Ctx) -> dict[str, Any]:
    s = stack(ctx)
    for e in _events(ctx, s, ctx.params["resource_name"]):
        if e.id == ctx.params["event_id"]:
            return {"event": views.event(base(ctx), s, e)}
    raise StackNotFound(ctx.params["event_id"], "Event")


def signal(ctx: Ctx) -> None:
    """POST …/resources/{name}/signal: a scaling policy resizes its group, a wait
    condition handle stores the signal."""
    s = stack(ctx)
    ctx.after_commit.extend(signals.signal(ctx.deps, ctx.db, caller(ctx), s, _row(ctx, s),
                                           ctx.body, ctx.now))


def mark_unhealthy(ctx: Ctx) -> None:
    """PATCH …/resources/{name}: CHECK_FAILED (the next update replaces it; a group's
    member is replaced at once) or, unmarked, CHECK_COMPLETE again."""
    s = stack(ctx)
    if healing.mark(ctx.db, ctx.now, s, _row(ctx, s), ctx.body):
        sid = s.id
        ctx.after_commit.append(lambda: ctx.deps.reconciler.schedule("orchestration", sid))


def webhook(ctx: Ctx) -> None:
    """POST /webhooks/{secret}: a policy's alarm_url, no token (the secret is the
    credential), for any webhook sender."""
    s, row = scaling.by_secret(ctx.db, ctx.params["project_id"], ctx.params["secret"])
    ctx.after_commit.extend(scaling.signal(ctx.deps, ctx.db, s, row, ctx.body, ctx.now))


ROUTES = [
    Route("GET", RESOURCES, index, "resource:index"),
    Route("GET", RESOURCE, show, "resource:show"),
    Route("PATCH", RESOURCE, mark_unhealthy, "resource:mark_unhealthy"),
    Route("POST", RESOURCE + "/signal", signal, "resource:signal"),
    Route("POST", P + "/webhooks/{secret}", webhook, "resource:webhook"),
    Route("GET", STACK + "/events", events, "events:index"),
    Route("GET", RESOURCE + "/events", resource_events, "events:index"),
    Route("GET", RESOURCE + "/events/{event_id}", event, "events:show"),
]
