"""What the API reads of a stack beyond its row: its parameters (hidden ones masked), its
outputs (evaluated now, reading attributes as the caller), its resources' attributes, and
a preview of what a create would make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cheptel.errors import CheptelError
from cheptel.orchestration import views
from cheptel.orchestration.errors import StackNotFound
from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources.base import reason
from cheptel.orchestration.service import stacks
from cheptel.orchestration.service.cloud import InProcess
from cheptel.orchestration.service.nested import kinds_of
from cheptel.orchestration.service.resolver import Resolver, record
from cheptel.policy import Creds

if TYPE_CHECKING:
    from cheptel.app import Deps


def template_outputs(stack: Stack) -> dict[str, Any]:
    outs = (stack.template or {}).get("outputs") or {}
    return outs if isinstance(outs, dict) else {}


def _resolver(deps: Deps, db: Session, creds: Creds, stack: Stack
              ) -> tuple[stacks.Parsed, Resolver] | None:
    try:
        parsed = stacks.check(stack.template, stack.parameters, stack.environment,
                              stack.files, stack.name, stack.id, stack.project_id)
    except CheptelError:
        return None
    rows = {r.name: r for r in stacks.resources_of(db, stack)}
    resolver = Resolver(InProcess(deps, db, creds), stack, rows, parsed.kinds)
    resolver.bind(parsed.scope)
    return parsed, resolver


def detail(deps: Deps, db: Session, creds: Creds, stack: Stack, base: str,
           resolve: bool) -> dict[str, Any]:
    found = _resolver(deps, db, creds, stack)
    params: dict[str, Any] = stacks.pseudo(stack.name, stack.id, stack.project_id)
    hidden: set[str] = set()
    outputs = None
    if found is not None:
        parsed, resolver = found
        params = parsed.params
        hidden = {k for k, v in parsed.template.params.items() if v.get("hidden")}
        # as Heat's format_stack: resolved whatever the status (an output that cannot
        # be read yet carries its output_error), but once the stack is deleted
        if resolve and not (stack.action == "DELETE" and stack.status == "COMPLETE"):
            outputs = resolver.outputs(parsed.template.outputs, parsed.scope)
        elif resolve:
            outputs = []
    return views.stack_detail(base, stack, params, hidden, outputs)


def output(deps: Deps, db: Session, creds: Creds, stack: Stack, key: str) -> dict[str, Any]:
    if key not in template_outputs(stack):
        raise StackNotFound(key, "Output")
    found = _resolver(deps, db, creds, stack)
    if found is None:
        return {"output_key": key, "output_value": None, "description": "",
                "output_error": "The stack's template no longer parses."}
    parsed, resolver = found
    return resolver.outputs(parsed.template.outputs, parsed.scope, only=key)[0]


def attributes(deps: Deps, db: Session, creds: Creds, stack: Stack,
               row: StackResource, names: list[str]) -> dict[str, Any]:
    """A resource's attributes (all of its type's, or those asked with `with_attr`)."""
    kind = kinds_of(stack).of_row(row.type)
    if not row.physical_id:
        return {}
    cloud = InProcess(deps, db, creds)
    out: dict[str, Any] = {}
    for name in names or list(kind.attributes):
        try:
            if kind.read is not None:
                out[name] = kind.read(cloud, record(row, stack), name, [])
            else:
                out[name] = kind.attribute(cloud, record(row, stack), name)
        except CheptelError as exc:
            out[name] = None if name in kind.attributes else reason(exc)
    return out


def required_by(stack: Stack, names: set[str]) -> dict[str, list[str]]:
    """Who depends on whom, from the stack's template (empty if it no longer parses)."""
    out: dict[str, list[str]] = {n: [] for n in names}
    try:
        parsed = stacks.check(stack.template, stack.parameters, stack.environment,
                              stack.files, stack.name, stack.id, stack.project_id)
    except CheptelError:
        return out
    for n in names:
        if n in parsed.template.resources:
            for dep in parsed.template.depends(n):
                if dep in out:
                    out[dep].append(n)
    return {k: sorted(v) for k, v in out.items()}


def preview(db: Session, creds: Creds, now: float, body: dict[str, Any],
            base: str) -> dict[str, Any]:
    """POST /stacks/preview: the stack a create would make, its resources not made."""
    name = body["stack_name"]
    parsed = stacks.check(body.get("template"), body.get("parameters"),
                          body.get("environment"), body.get("files"), name, "None",
                          creds.project_id or "")
    stack = Stack(id="None", name=name, project_id=creds.project_id or "",
                  user_id=creds.user_id, action="INIT", status="COMPLETE", status_reason="",
                  template=parsed.raw, parameters={}, environment={}, files={},
                  tags=[], disable_rollback=True, timeout_mins=None, created_at=now,
                  updated_at=None, action_started=now, generation=0)
    out = views.stack_detail(base, stack, parsed.params, set(), None)
    out["resources"] = [{"resource_name": n, "resource_type": parsed.template.resources[n]
                         ["type"], "resource_action": "INIT", "resource_status": "COMPLETE",
                         "physical_resource_id": "", "stack_name": name,
                         "required_by": [], "properties": parsed.template.resources[n].get(
                             "properties") or {}} for n in parsed.active]
    return out


def nested_stack(db: Session, stack: Stack, row: StackResource) -> Stack | None:
    """The nested stack a resource of `stack` is (a template resource's, a group's)."""
    if not row.physical_id or len(row.physical_id) > 36:
        return None
    child = db.get(Stack, row.physical_id)
    return child if child is not None and child.parent_id == stack.id else None


def nested_rows(db: Session, stack: Stack, depth: int
                ) -> list[tuple[Stack, StackResource, str | None, list[str]]]:
    """A stack's resources, then, `depth` levels down, its nested stacks' (Heat's
    nested_depth): (the stack holding it, the row, the parent's resource, required_by)."""
    out: list[tuple[Stack, StackResource, str | None, list[str]]] = []
    level: list[tuple[Stack, str | None]] = [(stack, None)]
    for d in range(min(depth, 5) + 1):
        below: list[tuple[Stack, str | None]] = []
        for owner, parent in level:
            rows = stacks.resources_of(db, owner)
            required = required_by(owner, {r.name for r in rows})
            for r in rows:
                out.append((owner, r, parent, required.get(r.name, [])))
                child = nested_stack(db, owner, r)
                if child is not None and d < depth:
                    below.append((child, r.name))
        level = below
    return out
