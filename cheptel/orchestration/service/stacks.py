"""Stacks as intent: create, update and delete record what is wanted and start the action
(the engine, service/engine.py, does it in the background). Everything a template,
environment or parameter gets wrong is refused here, before anything is recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest
from cheptel.orchestration.errors import (
    ActionInProgress,
    InvalidTemplate,
    RequestLimitExceeded,
    StackExists,
    StackNotFound,
)
from cheptel.orchestration.models import Stack, StackEvent, StackResource
from cheptel.orchestration.resources.registry import TYPES
from cheptel.orchestration.template import parameters
from cheptel.orchestration.template.functions import Scope, evaluate
from cheptel.orchestration.template.template import Template, load, parse
from cheptel.policy import Creds

if TYPE_CHECKING:
    from cheptel.orchestration.service.nested import Kinds

DEFAULT_TIMEOUT_MINS = 60  # Heat's stack_action_timeout
MAX_STACKS_PER_PROJECT = 100  # Heat's max_stacks_per_tenant
MAX_EVENTS_PER_STACK = 1000  # Heat's max_events_per_stack: older ones are purged


@dataclass
class Parsed:
    """A template checked against its parameters and environment: ready to record."""

    template: Template
    raw: dict[str, Any]
    params: dict[str, Any]  # resolved values
    scope: Scope
    active: list[str]  # resources whose condition holds, dependencies first
    kinds: Kinds  # the types its resources may name (cheptel's, templates of its files)


def pseudo(stack_name: str, stack_id: str, project_id: str) -> dict[str, Any]:
    return {"OS::stack_name": stack_name, "OS::stack_id": stack_id,
            "OS::project_id": project_id}


def environment_of(env: Any) -> dict[str, Any]:
    if env is None:
        return {}
    if isinstance(env, str):
        env = load(env, "environment")
    if not isinstance(env, dict):
        raise InvalidTemplate("The environment is not a valid YAML mapping data type.")
    allowed = {"parameters", "parameter_defaults", "resource_registry", "event_sinks",
               "encrypted_param_names", "parameter_merge_strategies"}
    unknown = sorted(set(env) - allowed)
    if unknown:
        raise InvalidTemplate(f"environment has unknown section \"{unknown[0]}\"")
    for key in ("parameters", "parameter_defaults"):
        if not isinstance(env.get(key) or {}, dict):
            raise InvalidTemplate(f"The environment's {key} must be a map.")
    return env


def merged_environment(env: Any, names: list[str], files: dict[str, Any]
                       ) -> dict[str, Any]:
    """Heat's environment_files: each (its text in `files`) merged in order, the request's
    environment last (heatclient sends both: the files' merge and their names)."""
    out: dict[str, Any] = {}
    for name in [*names, None]:
        if name is not None and name not in files:
            raise InvalidTemplate(f"Could not fetch environment file \"{str(name)[:200]}\": "
                                  "it must be sent in the request's files.")
        part = environment_of(files[name] if name is not None else env)
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
    return out


def registry_of(env: dict[str, Any], files: dict[str, Any]) -> dict[str, str]:
    """The environment's resource_registry: global aliases of one resource type to
    another type cheptel makes (`OS::Nova::Server: OS::Heat::None`) or to a template of
    the request's files (a nested stack; heatclient puts the file there under its URL).
    A per-resource section is a 400: not supported yet."""
    registry = env.get("resource_registry") or {}
    if not isinstance(registry, dict):
        raise InvalidTemplate("The environment's resource_registry must be a map.")
    out: dict[str, str] = {}
    for alias, target in registry.items():
        if alias == "resources" and target in ({}, None):
            continue
        if alias == "resources" or not isinstance(target, str):
            raise InvalidTemplate(f"resource_registry entry {str(alias)[:80]}: only global "
                                  "entries (a type or a template file) are supported.")
        if target not in TYPES and target not in files:
            raise InvalidTemplate(f"Could not fetch remote template \"{target[:200]}\": "
                                  "a template must be sent in the request's files.")
        out[str(alias)] = target
    return out


def _aliased(raw: dict[str, Any], registry: dict[str, str]) -> dict[str, Any]:
    """The template with the registry's aliases applied to its resources' types."""
    resources = raw.get("resources")
    if not registry or not isinstance(resources, dict):
        return raw
    return {**raw, "resources": {
        n: ({**d, "type": registry[d["type"]]}
            if isinstance(d, dict) and isinstance(d.get("type"), str)
            and registry.get(d["type"]) in TYPES else d)
        for n, d in resources.items()}}


def check(raw_template: Any, given: Any, env_raw: Any, files: Any, stack_name: str,
          stack_id: str, project_id: str, depth: int = 0,
          parent: Stack | None = None, validating: bool = False) -> Parsed:
    """Parse and check everything a create, update, preview or validate sends. `depth`:
    how deep a nested stack it is; `parent`: the stack whose engine makes the nested
    stacks its template resources name; `validating`: POST /validate, where parameters
    may have no value (Heat validates their schemas, not values it was not given)."""
    from cheptel.orchestration.service.nested import Kinds

    if raw_template is None:
        raise InvalidTemplate("No template specified")
    if not isinstance(given or {}, dict) or not isinstance(files or {}, dict):
        raise BadRequest("parameters and files must be maps.")
    env = environment_of(env_raw)
    raw = load(raw_template)
    registry = registry_of(env, dict(files or {}))
    kinds = Kinds(registry, dict(files or {}), parent, depth,
                  env.get("parameter_defaults") or {})
    tpl = parse(_aliased(raw, registry), kinds)
    values = {**(env.get("parameters") or {}), **(given or {})}
    resolved = parameters.resolve(tpl.params, values, env.get("parameter_defaults") or {},
                                  required=not validating)
    params = {**resolved, **pseudo(stack_name, stack_id, project_id)}
    scope = tpl.scope(params, dict(files or {}))
    active = tpl.active(scope)
    for name in active:  # what can be checked before anything exists
        d = tpl.resources[name]
        props = evaluate(d.get("properties") or {}, scope)
        _static_check(tpl, kinds, name, props)
        kind = kinds[d["type"]]
        if kind.check_policy is not None:
            kind.check_policy(name, evaluate(d.get("update_policy"), scope))
    for out in tpl.outputs.values():
        evaluate(out.get("value"), scope)
    return Parsed(tpl, raw, params, scope, active, kinds)


def _static_check(tpl: Template, kinds: Kinds, name: str, props: dict[str, Any]) -> None:
    """What can be checked before anything exists: known properties, the required ones
    written, each value of its type (those that do not wait on another resource)."""
    kind = kinds[tpl.resources[name]["type"]]
    props = kind.check(name, props, static=True)
    raw = tpl.resources[name].get("properties") or {}
    for key, prop in kind.properties.items():
        if prop.required and key not in raw:
            raise InvalidTemplate(f"Property error: resources.{name}.properties: "
                                  f"Property {key} not assigned")
    if kind.members is not None:  # a group: a member's definition, checked as deep
        members = parse(kind.members(props), kinds)
        for member, d in members.resources.items():
            given = d.get("properties") or {}
            inner = kinds[d["type"]]
            inner.check(f"{name}.{member}", given, static=True)
            for key, prop in inner.properties.items():
                if prop.required and key not in given:
                    raise InvalidTemplate(f"Property error: resources.{name}.properties."
                                          f"resource_def: Property {key} not assigned")


def in_project(db: Session, project_id: str, include_deleted: bool = False,
               nested: bool = True) -> list[Stack]:
    """A project's stacks; `nested`: with the nested stacks (Heat lists them only with
    show_nested; names find them)."""
    q = select(Stack).where(Stack.project_id == project_id)
    if not nested:
        q = q.where(Stack.parent_id.is_(None))
    if not include_deleted:
        q = q.where(~((Stack.action == "DELETE") & (Stack.status == "COMPLETE")))
    return list(db.scalars(q.order_by(Stack.created_at, Stack.id)))


def every(db: Session, nested: bool = True) -> list[Stack]:
    q = select(Stack).where(~((Stack.action == "DELETE") & (Stack.status == "COMPLETE")))
    if not nested:
        q = q.where(Stack.parent_id.is_(None))
    return list(db.scalars(q.order_by(Stack.created_at, Stack.id)))


def find(db: Session, creds: Creds, ref: str) -> Stack:
    """A stack of the caller's project by name (not deleted) or by id (even deleted)."""
    project = creds.project_id or ""
    stack = db.get(Stack, ref)
    if stack is not None and stack.project_id == project:
        return stack
    for s in in_project(db, project):
        if s.name == ref:
            return s
    raise StackNotFound(ref)


def get(db: Session, creds: Creds, name: str, stack_id: str) -> Stack:
    """`/stacks/{name}/{id}`: the id must be the caller's project's and the name its."""
    stack = db.get(Stack, stack_id)
    if stack is None or stack.project_id != (creds.project_id or "") or stack.name != name:
        raise StackNotFound(f"{name}/{stack_id}" if stack is None else name)
    return stack


def event(db: Session, stack: Stack, now: float, name: str, kind: str, physical: str,
          action: str, status: str, reason: str) -> None:
    db.add(StackEvent(id=str(uuid.uuid4()), stack_id=stack.id, resource_name=name,
                      physical_id=physical, resource_type=kind, action=action,
                      status=status, status_reason=reason, created_at=now))


def stack_event(db: Session, stack: Stack, now: float, reason: str) -> None:
    event(db, stack, now, stack.name, "OS::Heat::Stack", stack.id, stack.action,
          stack.status, reason)


def start(db: Session, stack: Stack, now: float, action: str) -> None:
    stack.update_rollback = False
    stack.action, stack.status = action, "IN_PROGRESS"
    stack.status_reason = f"Stack {action} started"
    stack.action_started = now
    stack.generation = (stack.generation or 0) + 1
    db.flush()
    stack_event(db, stack, now, stack.status_reason)


def create(db: Session, creds: Creds, now: float, name: str, body: dict[str, Any]) -> Stack:
    project = creds.project_id or ""
    existing = in_project(db, project)
    if any(s.name == name for s in existing):
        raise StackExists(name)
    if len([s for s in existing if s.parent_id is None]) >= MAX_STACKS_PER_PROJECT:
        raise RequestLimitExceeded(f"You have reached the maximum stacks per tenant, "
                                   f"{MAX_STACKS_PER_PROJECT}. Please delete some stacks.")
    stack_id = str(uuid.uuid4())
    parsed = check(body.get("template"), body.get("parameters"), body.get("environment"),
                   body.get("files"), name, stack_id, project)
    stack = Stack(id=stack_id, name=name, project_id=project, user_id=creds.user_id,
                  action="CREATE", status="IN_PROGRESS", status_reason="",
                  template=parsed.raw, parameters=dict(body.get("parameters") or {}),
                  environment=environment_of(body.get("environment")),
                  files=dict(body.get("files") or {}), tags=_tags(body.get("tags")),
                  disable_rollback=bool(body.get("disable_rollback", True)),
                  timeout_mins=_timeout(body.get("timeout_mins")), created_at=now,
                  updated_at=None, action_started=now, generation=0)
    db.add(stack)
    start(db, stack, now, "CREATE")
    return stack


def _tags(tags: Any) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        return [t for t in tags.split(",") if t]
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        return list(tags)
    raise BadRequest("tags must be a comma-separated string or a list of strings.")


def _timeout(value: Any) -> int | None:
    if value is None:
        return None
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"Invalid timeout value {value}") from None
    if not 1 <= minutes <= 10080:
        raise BadRequest(f"Invalid timeout value {value}")
    return minutes


def update(db: Session, creds: Creds, now: float, stack: Stack, body: dict[str, Any],
           patch: bool) -> None:
    """PUT: the template and parameters given replace the stack's; PATCH (--existing):
    what is not given is kept (parameters are merged; the environment's sections and the
    files too, as Heat's: heatclient's `stack update --existing` sends `{}` for both)."""
    if stack.status == "IN_PROGRESS":
        raise ActionInProgress(stack.name, stack.action)
    template = body.get("template")
    given = body.get("parameters")
    if patch:
        if template is None:
            template = stack.template
        given = {**stack.parameters, **(given or {})}
        for name in body.get("clear_parameters") or []:
            given.pop(name, None)
    env = body.get("environment")
    files = body.get("files")
    if patch:
        env = _merged(environment_of(stack.environment), environment_of(env))
        files = {**(stack.files or {}), **(files or {})}
    parsed = check(template, given, env, files, stack.name, stack.id, stack.project_id)
    stack.previous = {"template": stack.template, "parameters": stack.parameters,
                      "environment": stack.environment, "files": stack.files}
    stack.template, stack.parameters = parsed.raw, dict(given or {})
    stack.environment, stack.files = environment_of(env), dict(files or {})
    if "tags" in body:
        stack.tags = _tags(body["tags"])
    if "timeout_mins" in body:
        stack.timeout_mins = _timeout(body["timeout_mins"])
    if "disable_rollback" in body:
        stack.disable_rollback = bool(body["disable_rollback"])
    stack.updated_at = now
    start(db, stack, now, "UPDATE")


def roll_back(db: Session, stack: Stack, now: float, cancelled: bool = False) -> bool:
    """A failed (or cancelled) action's ROLLBACK, if Heat would start one: a create's
    deletes what was made; an update's updates back to the definition it replaced. Heat
    rolls back when the stack allows it (disable_rollback false) or when `openstack stack
    cancel` asked for it. True if started."""
    if stack.disable_rollback and not cancelled:
        return False
    if stack.action == "CREATE":
        start(db, stack, now, "ROLLBACK")
        return True
    if stack.action != "UPDATE" or not stack.previous:
        return False
    before = stack.previous
    stack.template, stack.parameters = before["template"], before["parameters"]
    stack.environment, stack.files = before["environment"], before["files"]
    stack.previous = None
    start(db, stack, now, "ROLLBACK")
    stack.update_rollback = True
    return True


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An environment's sections updated by another's (maps merged, others replaced)."""
    out = dict(old)
    for key, value in new.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = {**out[key], **value} if both else value
    return out


def act(db: Session, now: float, stack: Stack, body: Any) -> None:
    """POST .../actions: {"check"|"suspend"|"resume"|"cancel_without_rollback"|
    "cancel_update": null}, one at a time."""
    from cheptel.orchestration.service import actions

    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("Exactly one action must be given.")
    (name,) = body
    if name in actions.BODIES:
        actions.allowed(stack, actions.BODIES[name])
        start(db, stack, now, actions.BODIES[name])
    elif name in ("cancel_update", "cancel_without_rollback"):
        if stack.action != "UPDATE" or stack.status != "IN_PROGRESS":
            raise BadRequest(f"Cancelling update when stack is {stack.action}_"
                             f"{stack.status} is not supported.")
        stack.status, stack.status_reason = "FAILED", "Stack UPDATE cancelled"
        stack.generation += 1  # the engine's step under way finds another action
        db.flush()
        stack_event(db, stack, now, stack.status_reason)
        # then Heat's rollback: asked for (cancel_update), or allowed by the stack
        roll_back(db, stack, now, cancelled=name == "cancel_update")
    else:
        raise BadRequest(f"Invalid action {str(name)[:40]}")


def delete(db: Session, now: float, stack: Stack) -> None:
    if stack.action == "DELETE" and stack.status == "COMPLETE":
        raise StackNotFound(stack.name)
    if stack.action == "DELETE" and stack.status == "IN_PROGRESS":
        return
    start(db, stack, now, "DELETE")


def resources_of(db: Session, stack: Stack) -> list[StackResource]:
    return list(db.scalars(select(StackResource).where(StackResource.stack_id == stack.id)
                           .order_by(StackResource.created_at, StackResource.name)))


def events_of(db: Session, stack: Stack, resource: str | None = None) -> list[StackEvent]:
    """A stack's events (one resource's if named), oldest first."""
    q = select(StackEvent).where(StackEvent.stack_id == stack.id)
    if resource is not None:
        q = q.where(StackEvent.resource_name == resource)
    return list(db.scalars(q.order_by(StackEvent.seq)))


def purge(db: Session, before: float) -> None:
    """Forget stacks deleted before `before` (their events go with them)."""
    old = [s.id for s in db.scalars(select(Stack).where(
        Stack.action == "DELETE", Stack.status == "COMPLETE", Stack.action_started < before))]
    if old:
        db.execute(sql_delete(StackEvent).where(StackEvent.stack_id.in_(old)))
        db.execute(sql_delete(StackResource).where(StackResource.stack_id.in_(old)))
        db.execute(sql_delete(Stack).where(Stack.id.in_(old)))


def trim_events(db: Session) -> None:
    """Keep each stack's newest MAX_EVENTS_PER_STACK events (Heat purges the rest)."""
    crowded = db.execute(select(StackEvent.stack_id).group_by(StackEvent.stack_id)
                         .having(func.count() > MAX_EVENTS_PER_STACK)).scalars().all()
    for stack_id in crowded:
        keep_from = db.scalar(select(StackEvent.seq).where(StackEvent.stack_id == stack_id)
                              .order_by(StackEvent.seq.desc())
                              .offset(MAX_EVENTS_PER_STACK - 1).limit(1))
        if keep_from is not None:
            db.execute(sql_delete(StackEvent).where(StackEvent.stack_id == stack_id,
                                                    StackEvent.seq < keep_from))
