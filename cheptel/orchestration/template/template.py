"""A HOT template parsed and checked: its version, parameters, conditions, resources (with
their dependency graph) and outputs. Everything wrong with it is an InvalidTemplate (400)
before any resource is touched."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml

from cheptel.orchestration.errors import InvalidTemplate
from cheptel.orchestration.template import functions as fn
from cheptel.orchestration.template import parameters, versions

SECTIONS = {"heat_template_version", "description", "parameter_groups", "parameters",
            "resources", "outputs", "conditions"}
RESOURCE_KEYS = {"type", "properties", "metadata", "depends_on", "update_policy",
                 "deletion_policy", "external_id", "condition"}
MAX_RESOURCES = 1000


MAX_NODES = 100_000  # a YAML alias bomb expands into more than any real template holds


def _undate(value: Any, budget: list[int]) -> Any:
    """YAML dates back to their text (heatclient's loader keeps them as strings); a copy,
    so that aliases become plain values, counted against the budget."""
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidTemplate("Template exceeds maximum allowed size.")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {_undate(k, budget): _undate(v, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_undate(v, budget) for v in value]
    return value


def load(raw: Any, what: str = "template") -> dict[str, Any]:
    """A template (or environment) as the clients send it: a parsed map, or YAML/JSON
    text (yaml.safe_load: no tags that build objects)."""
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except (yaml.YAMLError, RecursionError) as exc:
            raise InvalidTemplate(f"Error parsing {what}: {exc}") from None
        try:
            raw = _undate(raw, [MAX_NODES])
        except RecursionError:
            raise InvalidTemplate(f"The {what} is nested too deeply.") from None
    if not isinstance(raw, dict):
        raise InvalidTemplate(f"The {what} is not a JSON object or YAML mapping.")
    return raw


@dataclass
class Template:
    version: str
    description: str
    params: dict[str, Any]  # name -> schema
    groups: list[Any]
    conditions: dict[str, Any]
    resources: dict[str, dict[str, Any]]  # name -> definition
    outputs: dict[str, dict[str, Any]]
    functions: frozenset[str]
    condition_functions: frozenset[str]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.resources)

    def scope(self, params: dict[str, Any], files: dict[str, Any]) -> fn.Scope:
        """Where functions run: parameters resolved, conditions evaluated."""
        s = fn.Scope(functions=self.functions, params=params, resources=self.names,
                     files=files, condition_functions=self.condition_functions)
        for name, expr in self.conditions.items():
            s.conditions[name] = fn.condition(expr, s)
        return s

    def active(self, s: fn.Scope) -> list[str]:
        """The resources whose condition holds, in dependency order (dependencies first)."""
        live = {n for n, d in self.resources.items() if self._holds(d.get("condition"), s)}
        deps = {n: self.depends(n) & live for n in live}
        return order(deps)

    def _holds(self, cond: Any, s: fn.Scope) -> bool:
        if cond is None:
            return True
        if isinstance(cond, str) and cond not in s.conditions:
            raise InvalidTemplate(f"Invalid condition \"{cond}\"")
        return fn.condition(cond, s)

    def depends(self, name: str) -> set[str]:
        d = self.resources[name]
        found = fn.references({k: v for k, v in d.items() if k != "depends_on"},
                              self.functions)
        explicit = d.get("depends_on") or []
        found.update([explicit] if isinstance(explicit, str) else explicit)
        found.update(self._implicit(name, d))
        return found

    def _implicit(self, name: str, d: dict[str, Any]) -> set[str]:
        """Heat's implicit dependencies (its resources' add_dependencies): a port or a
        server on a network waits for the template's subnets of that network (a port
        made before them would have no address); a floating IP waits for the router
        interfaces (its port's subnet must reach the external network)."""
        kind, props = d.get("type"), d.get("properties") or {}
        if not isinstance(props, dict):
            return set()
        out: set[str] = set()
        if kind == "OS::Neutron::FloatingIP":
            out = {n for n, r in self.resources.items()
                   if r.get("type") == "OS::Neutron::RouterInterface"}
        nets: list[Any] = []
        if kind == "OS::Neutron::Port":
            nets = [props.get("network")]
        elif kind == "OS::Nova::Server" and isinstance(props.get("networks"), list):
            nets = [n.get("network") for n in props["networks"] if isinstance(n, dict)]
        for other, r in self.resources.items():
            sub = r.get("properties") or {}
            if r.get("type") == "OS::Neutron::Subnet" and isinstance(sub, dict) \
                    and sub.get("network") is not None and sub.get("network") in nets:
                out.add(other)
        out.discard(name)
        return out


def order(deps: dict[str, set[str]]) -> list[str]:
    """Dependencies first; a cycle is a 400 naming it."""
    done: list[str] = []
    placed: set[str] = set()
    remaining = dict(deps)
    while remaining:
        ready = sorted(n for n, d in remaining.items() if d <= placed)
        if not ready:
            raise InvalidTemplate("Circular Dependency Found: "
                                  + ", ".join(sorted(remaining)))
        for n in ready:
            done.append(n)
            placed.add(n)
            del remaining[n]
    return done


def _map(section: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and k for k in value):
        raise InvalidTemplate(f"The template section is invalid: {section}")
    if section in ("resources", "parameters", "outputs") and any(len(k) > 255 for k in value):
        raise InvalidTemplate(f"A name in {section} is longer than 255 characters.")
    return value


def parse(raw: Any, known_types: Collection[str]) -> Template:
    """Check a template's structure, version, sections, resources and references."""
    t = load(raw)
    if "heat_template_version" not in t:
        raise InvalidTemplate("Template format version not found.")
    version = versions.canonical(t["heat_template_version"])
    if version is None:
        raise InvalidTemplate(f"\"{t['heat_template_version']}\" is not a valid "
                              "heat_template_version. Should be one of: "
                              + ", ".join(v for v, _, _ in versions.ADDED))
    unknown = sorted(set(t) - SECTIONS)
    if unknown:
        raise InvalidTemplate(f"The template section is invalid: {unknown[0]}")
    if "conditions" in t and version < "2016-10-14":
        raise InvalidTemplate("The template section is invalid: conditions")
    resources = _map("resources", t.get("resources"))
    if len(resources) > MAX_RESOURCES:
        raise InvalidTemplate(f"A template may hold at most {MAX_RESOURCES} resources.")
    tpl = Template(
        version=version, description=str(t.get("description") or ""),
        params=_map("parameters", t.get("parameters")),
        groups=t.get("parameter_groups") or [], conditions=_map("conditions",
                                                                t.get("conditions")),
        resources=resources, outputs=_map("outputs", t.get("outputs")),
        functions=versions.functions(version),
        condition_functions=versions.condition_functions(version))
    for name, schema in tpl.params.items():
        parameters.check_schema(name, schema)
    for name, d in resources.items():
        _check_resource(tpl, name, d, known_types)
    for name, out in tpl.outputs.items():
        if not isinstance(out, dict) or "value" not in out:
            raise InvalidTemplate(f"Each output definition must contain a value key: {name}")
        _check_refs(tpl, f"Outputs.{name}", out)
    deps = {n: tpl.depends(n) for n in resources}
    order(deps)
    _check_functions(t.get("resources"), tpl)
    return tpl


def _check_resource(tpl: Template, name: str, d: Any, known_types: Collection[str]) -> None:
    if not isinstance(d, dict):
        raise InvalidTemplate(f"Resource {name} definition must be a map")
    unknown = sorted(set(d) - RESOURCE_KEYS)
    if unknown:
        raise InvalidTemplate(f"\"{unknown[0]}\" is not a valid keyword inside a resource "
                              "definition")
    kind = d.get("type")
    if not isinstance(kind, str):
        raise InvalidTemplate(f"Resource {name} is missing \"type\"")
    if kind not in known_types:
        raise InvalidTemplate(f"The Resource Type ({kind}) could not be found.")
    if not isinstance(d.get("properties", {}) or {}, dict):
        raise InvalidTemplate(f"Resource {name}: properties must be a map")
    explicit = d.get("depends_on") or []
    for dep in [explicit] if isinstance(explicit, str) else explicit \
            if isinstance(explicit, list) else [None]:
        if dep not in tpl.resources:
            raise InvalidTemplate(f"Resource {name} depends on an unknown resource: {dep}")
    _check_refs(tpl, f"resources.{name}", d)


def _check_refs(tpl: Template, where: str, value: Any) -> None:
    for ref in fn.references(value, tpl.functions):
        if ref not in tpl.resources:
            raise InvalidTemplate(f"The specified reference \"{ref}\" (in {where}) is "
                                  "incorrect.")


def _check_functions(value: Any, tpl: Template) -> None:
    """Refuse a function cheptel does not evaluate (yaql, resource_facade) at once."""
    stack = [value]
    while stack:
        v = stack.pop()
        name = fn.function_of(v, tpl.functions)
        if name in versions.NOT_EVALUATED:
            raise InvalidTemplate(f"The template function \"{name}\" is not supported by "
                                  "cheptel.")
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
