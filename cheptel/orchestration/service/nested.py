"""Nested stacks: a template of the request's `files` used as a resource type (named by
the environment's resource_registry, or by its file name as the resource's `type`), and
the stacks the groups keep their members in (service/groups.py).

A nested stack is a stack of its own (its own row, resources and events, `parent` set),
made, updated and deleted by the engine as any stack, with its parent's owner, timeout,
environment (but its `parameters`: the resource's properties are the nested stack's
parameters) and files. The parent's resource is done when the nested stack is: its
physical id is the nested stack's id, get_attr reads the nested stack's outputs (and
`OS::stack_id`), get_resource gives its `OS::stack_id` output, else its ARN, as Heat's
TemplateResource. Nesting is at most MAX_DEPTH deep (Heat's max_nested_stack_depth).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from cheptel.errors import CheptelError
from cheptel.orchestration.errors import InvalidTemplate, ResourceFailure, StackNotFound
from cheptel.orchestration.models import Stack
from cheptel.orchestration.resources.base import Act, Poll, Prop, Record, ResourceType, walk
from cheptel.orchestration.resources.registry import TYPES
from cheptel.orchestration.service import stacks
from cheptel.orchestration.service.cloud import Cloud, InProcess
from cheptel.orchestration.template import parameters
from cheptel.orchestration.template.template import Template, load, parse

MAX_DEPTH = 5  # Heat's max_nested_stack_depth
STACK_ID = "OS::stack_id"
UNSAFE = re.compile(r"[^a-zA-Z0-9_.-]")


def in_process(cloud: Cloud) -> InProcess:
    """A nested stack is the orchestration service's own: its rows, in the engine's
    transaction (the other services are only ever reached through their routes)."""
    if not isinstance(cloud, InProcess):
        raise TypeError("nested stacks need the engine's in-process cloud")
    return cloud


def child_name(record: Record) -> str:
    """Heat's `<parent>-<resource>-<random>`, a valid stack name."""
    return UNSAFE.sub("-", record.name)[:255]


def make_child(cloud: Cloud, parent: Stack, record: Record, template: dict[str, Any],
               params: dict[str, Any]) -> Stack:
    """Record a nested stack and start its CREATE (the engine makes it, kicked once the
    parent's step commits). A template or parameter it refuses fails the resource."""
    ip = in_process(cloud)
    now = ip.deps.clock()
    env = {k: v for k, v in (parent.environment or {}).items() if k != "parameters"}
    child_id = str(uuid.uuid4())
    name = child_name(record)
    stacks.check(template, params, env, parent.files, name, child_id, parent.project_id,
                 depth=depth_of(ip, parent) + 1)
    child = Stack(id=child_id, name=name, project_id=parent.project_id,
                  user_id=parent.user_id, action="CREATE", status="IN_PROGRESS",
                  status_reason="", template=template, parameters=dict(params),
                  environment=env, files=dict(parent.files or {}), tags=[],
                  disable_rollback=True, timeout_mins=parent.timeout_mins, created_at=now,
                  updated_at=None, action_started=now, generation=0, parent_id=parent.id,
                  parent_resource=record.resource)
    ip.db.add(child)
    stacks.start(ip.db, child, now, "CREATE")
    record.physical_id = child_id
    kick(ip, child_id)
    return child


def kick(ip: InProcess, stack_id: str) -> None:
    deps = ip.deps
    ip.after_commit.append(lambda: deps.reconciler.schedule("orchestration", stack_id))


def depth_of(ip: InProcess, stack: Stack) -> int:
    depth = 0
    while stack.parent_id is not None and depth <= MAX_DEPTH:
        parent = ip.db.get(Stack, stack.parent_id)
        if parent is None:
            break
        stack, depth = parent, depth + 1
    return depth


def child_of(cloud: Cloud, record: Record) -> Stack | None:
    if not record.physical_id:
        return None
    return in_process(cloud).db.get(Stack, record.physical_id)


def update_child(cloud: Cloud, record: Record, template: dict[str, Any],
                 params: dict[str, Any]) -> None:
    """The nested stack updated in place (its resources kept where unchanged)."""
    ip = in_process(cloud)
    child = child_of(cloud, record)
    if child is None:
        raise ResourceFailure(f"The nested stack {record.physical_id} no longer exists.")
    stacks.check(template, params, child.environment, child.files, child.name, child.id,
                 child.project_id, depth=depth_of(ip, child))
    child.template, child.parameters = template, dict(params)
    child.updated_at = ip.deps.clock()
    stacks.start(ip.db, child, child.updated_at, "UPDATE")
    kick(ip, child.id)


def child_ready(cloud: Cloud, record: Record) -> bool:
    child = child_of(cloud, record)
    if child is None:
        raise ResourceFailure(f"The nested stack {record.physical_id} no longer exists.")
    if child.status == "FAILED":
        raise ResourceFailure(child.status_reason)
    return child.status == "COMPLETE"


def delete_child(cloud: Cloud, record: Record) -> None:
    child = child_of(cloud, record)
    if child is None or (child.action == "DELETE" and child.status != "FAILED"):
        return
    ip = in_process(cloud)
    stacks.start(ip.db, child, ip.deps.clock(), "DELETE")
    kick(ip, child.id)


def child_gone(cloud: Cloud, record: Record) -> bool:
    child = child_of(cloud, record)
    if child is None:
        return True
    if child.action == "DELETE" and child.status == "FAILED":
        raise ResourceFailure(child.status_reason)
    return child.action == "DELETE" and child.status == "COMPLETE"


def cascade() -> dict[str, tuple[Act, Poll]]:
    """CHECK, SUSPEND and RESUME of the parent walk into the nested stack, as Heat's: the
    nested stack takes the same action, the parent's resource is done when it is."""
    def start(action: str) -> Act:
        def act(cloud: Cloud, r: Record) -> None:
            from cheptel.orchestration.service import actions

            child = child_of(cloud, r)
            if child is None:
                raise ResourceFailure(f"The nested stack {r.physical_id} no longer exists.")
            if action == "RESUME" and child.action != "SUSPEND":
                return  # nothing to resume in it (made or replaced since)
            actions.allowed(child, action)
            ip = in_process(cloud)
            stacks.start(ip.db, child, ip.deps.clock(), action)
            kick(ip, child.id)
        return act

    def poll(action: str) -> Poll:
        def done(cloud: Cloud, r: Record) -> bool:
            child = child_of(cloud, r)
            if child is None:
                raise ResourceFailure(f"The nested stack {r.physical_id} no longer exists.")
            if child.status == "FAILED":
                raise ResourceFailure(child.status_reason)
            return child.status == "COMPLETE"
        return done

    return {a: (start(a), poll(a)) for a in ("CHECK", "SUSPEND", "RESUME")}


def show_child(cloud: Cloud, record: Record) -> dict[str, Any]:
    child = child_of(cloud, record)
    if child is None:
        raise StackNotFound(record.physical_id)
    return {"id": child.id, "stack_name": child.name,
            "stack_status": f"{child.action}_{child.status}",
            "stack_status_reason": child.status_reason, "parent": child.parent_id}


def outputs(cloud: Cloud, record: Record, only: str | None = None) -> dict[str, Any]:
    """The nested stack's outputs, read as the caller reads (the engine as the owner)."""
    from cheptel.orchestration.service.resolver import Resolver

    child = child_of(cloud, record)
    if child is None:
        return {}
    parsed = stacks.check(child.template, child.parameters, child.environment,
                          child.files, child.name, child.id, child.project_id)
    rows = {r.name: r for r in stacks.resources_of(in_process(cloud).db, child)}
    resolver = Resolver(cloud, child, rows, parsed.kinds)
    resolver.bind(parsed.scope)
    out = {}
    for item in resolver.outputs(parsed.template.outputs, parsed.scope, only):
        if "output_error" in item:
            raise InvalidTemplate(item["output_error"])
        out[item["output_key"]] = item["output_value"]
    return out


def arn(child_id: str, record: Record, project_id: str) -> str:
    return f"arn:openstack:heat::{project_id}:stacks/{child_name(record)}/{child_id}"


def template_type(type_name: str, tpl: Template, raw: dict[str, Any],
                  parent: Stack | None, defaults: dict[str, Any]) -> ResourceType:
    """A template as a resource type: its parameters are the properties (those without a
    default, here or in the environment's parameter_defaults, required), its outputs the
    attributes. Properties all known before anything is made are checked against the
    parameters' types and constraints then (a 400), as Heat validates a nested stack."""
    props = {n: Prop("any", str(s.get("description", "")) if isinstance(s, dict) else "",
                     required=isinstance(s, dict) and "default" not in s
                     and n not in defaults, update_allowed=True)
             for n, s in tpl.params.items()}

    def validate(name: str, p: dict[str, Any]) -> None:
        if any(v is None for v in p.values()) or any(
                prop.required and k not in p for k, prop in props.items()):
            return  # a value waits on another resource: checked when it is made
        try:
            parameters.resolve(tpl.params, p, defaults)
        except InvalidTemplate as exc:
            raise InvalidTemplate(f"Property error: resources.{name}.properties: "
                                  f"{exc.message}") from None

    def create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
        if parent is None:
            raise RuntimeError("a template resource is made only by its stack's engine")
        make_child(cloud, parent, r, raw, p)

    def update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
        child = child_of(cloud, r)
        params = {**(child.parameters if child else {}), **changed}
        update_child(cloud, r, raw, {k: v for k, v in params.items() if v is not None})

    def read(cloud: Cloud, r: Record, attribute: str, path: list[Any]) -> Any:
        if attribute == STACK_ID:
            return walk(r.physical_id, path)
        if attribute not in tpl.outputs and attribute != "show":
            raise InvalidTemplate(f"The Referenced Attribute ({r.resource} {attribute}) "
                                  "is incorrect.")
        if attribute == "show":
            return walk(show_child(cloud, r), path)
        return walk(outputs(cloud, r, attribute).get(attribute), path)

    def reference(cloud: Cloud, r: Record) -> Any:
        if STACK_ID in tpl.outputs:
            try:
                return outputs(cloud, r, STACK_ID).get(STACK_ID)
            except CheptelError:
                return None
        return arn(r.physical_id, r, cloud.project_id)

    return ResourceType(
        name=type_name, description=str(tpl.description), properties=props,
        attributes={**{k: str(v.get("description", "")) for k, v in tpl.outputs.items()},
                    STACK_ID: "The ID of the nested stack."},
        create=create, delete=delete_child, show=show_child, ready=child_ready,
        gone=child_gone, update=update, read=read, reference_in=reference, nested=True,
        validate=validate,
        actions=cascade())


# a nested stack's resource whose type is no longer known (its file dropped by an
# update): enough to delete it
ORPHAN = ResourceType(
    name="nested stack", description="", properties={}, attributes={},
    create=lambda cloud, p, r: None, delete=delete_child, show=show_child,
    gone=child_gone)


class Kinds(Mapping[str, ResourceType]):
    """The resource types a stack's template may name: cheptel's, and its environment's
    registry entries and files that are templates (parsed once, lazily: a template
    naming itself is refused at MAX_DEPTH)."""

    def __init__(self, registry: dict[str, str], files: dict[str, Any],
                 parent: Stack | None, depth: int = 0,
                 defaults: dict[str, Any] | None = None) -> None:
        self.registry, self.files, self.parent, self.depth = registry, files, parent, depth
        self.defaults = dict(defaults or {})  # the environment's parameter_defaults
        self._made: dict[str, ResourceType] = {}

    def _file(self, name: str) -> str | None:
        target = self.registry.get(name, name)
        return target if target in self.files and target not in TYPES else None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (self.registry.get(name, name) in TYPES
                                          or self._file(name) is not None)

    def __getitem__(self, name: str) -> ResourceType:
        if self.registry.get(name, name) in TYPES:
            return TYPES[self.registry.get(name, name)]
        if name in self._made:
            return self._made[name]
        file = self._file(name)
        if file is None:
            raise KeyError(name)
        if self.depth >= MAX_DEPTH:
            raise InvalidTemplate(f"Recursion depth exceeds {MAX_DEPTH}.")
        raw = load(self.files[file], "template")
        inner = Kinds(self.registry, self.files, None, self.depth + 1, self.defaults)
        tpl = parse(raw, inner)
        for d in tpl.resources.values():
            inner[d["type"]]  # the nested template's own types, checked as deep
        kind = template_type(name, tpl, raw, self.parent, self.defaults)
        self._made[name] = kind
        return kind

    def __iter__(self) -> Iterator[str]:
        return iter([*TYPES, *self.registry, *self.files])

    def __len__(self) -> int:
        return len(TYPES) + len(self.registry) + len(self.files)

    def of_row(self, type_name: str) -> ResourceType:
        """A made resource's type: its template's, or enough to delete a nested stack."""
        try:
            return self[type_name]
        except (KeyError, CheptelError):
            return TYPES.get(type_name, ORPHAN)


def kinds_of(stack: Stack) -> Kinds:
    """A made stack's types, even if its environment no longer parses (its rows must
    still be deleted)."""
    try:
        env = stacks.environment_of(stack.environment)
        registry = stacks.registry_of(env, dict(stack.files or {}))
    except CheptelError:
        env, registry = {}, {}
    defaults = env.get("parameter_defaults")
    return Kinds(registry, dict(stack.files or {}), stack,
                 defaults=defaults if isinstance(defaults, dict) else {})
