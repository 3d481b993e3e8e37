"""What a resource type is: its property and attribute schema (GET /resource_types/X),
and how it creates, waits for, reads and deletes its physical resource.

A type never keeps a client: every step gets the Cloud (the other services, as the
stack's owner) and the resource's own record (its physical id and `data`, what the type
keeps of its own). create() runs in the engine's transaction with the resource row's
update, so a crash leaves no resource made but unrecorded; ready() and gone() are polled
until they hold (a server ACTIVE, a server deleted); they raise ResourceFailure when the
resource can never get there (a server in ERROR).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cheptel.errors import CheptelError, NotFound
from cheptel.orchestration.errors import InvalidTemplate
from cheptel.orchestration.models import Stack
from cheptel.orchestration.service.cloud import Cloud

UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "list": list,
    "map": dict, "any": object}


@dataclass(frozen=True)
class Prop:
    type: str  # string, integer, number, boolean, list, map
    description: str = ""
    required: bool = False
    default: Any = None
    update_allowed: bool = False

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "description": self.description,
                               "required": self.required,
                               "update_allowed": self.update_allowed, "immutable": False}
        if self.default is not None:
            out["default"] = self.default
        return out


@dataclass
class Record:
    """A resource's own state, as the engine hands it to its type."""

    physical_id: str
    data: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # the physical name to give it: <stack>-<resource>-<random>
    resource: str = ""  # its name in the template
    stack: Stack | None = None  # the stack it is a resource of (a group makes a nested one)
    properties: dict[str, Any] = field(default_factory=dict)  # what it was made with
    # its definition's update_policy, evaluated (a ResourceGroup's rolling_update)
    policy: dict[str, Any] = field(default_factory=dict)


Create = Callable[[Cloud, dict[str, Any], Record], None]  # sets record.physical_id
Poll = Callable[[Cloud, Record], bool]
Delete = Callable[[Cloud, Record], None]
Show = Callable[[Cloud, Record], dict[str, Any]]
Act = Callable[[Cloud, Record], None]


def _always(cloud: Cloud, record: Record) -> bool:
    return True


@dataclass(frozen=True)
class ResourceType:
    name: str
    description: str
    properties: dict[str, Prop]
    attributes: dict[str, str]  # name -> description ("show" is every type's)
    create: Create
    delete: Delete
    show: Show  # the physical resource's API document: attributes are read from it
    ready: Poll = _always  # may change the record's data: the engine keeps it
    gone: Poll = _always
    # attribute name -> how to read it from the show document (default: the same key)
    readers: dict[str, Callable[[dict[str, Any], Record], Any]] = field(default_factory=dict)
    reference: Callable[[Record], Any] = lambda r: r.physical_id
    # changes the properties marked update_allowed in place: (cloud, {changed: new value})
    update: Callable[[Cloud, dict[str, Any], Record], None] | None = None
    # the stack actions SUSPEND, RESUME, CHECK: (start it, poll until done); a type
    # without SUSPEND/RESUME has nothing to do for them, CHECK defaults to `show`
    actions: dict[str, tuple[Act, Poll]] = field(default_factory=dict)
    # takes any properties and ignores them (OS::Heat::None, a registry's off switch)
    any_properties: bool = False
    # reads an attribute and its path itself (a nested stack's outputs, a group's
    # members): (cloud, record, attribute, path)
    read: Callable[[Cloud, Record, str, list[Any]], Any] | None = None
    # get_resource, when it needs the other services (a nested stack's OS::stack_id)
    reference_in: Callable[[Cloud, Record], Any] | None = None
    # checks the properties together, once each is of its type (a group's sizes): raises
    # InvalidTemplate; values still None (references not made yet) are not checked
    validate: Callable[[str, dict[str, Any]], None] | None = None
    # the nested stack's template its properties make (a group's members), so that the
    # members' type and template are checked before anything is made
    members: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # a nested stack: updated with every update of its parent (as Heat does), even when
    # its properties are unchanged (its template, its members' templates may have changed)
    nested: bool = False
    # True while it may not be made yet though its dependencies are done (a load
    # balancer's child while the balancer is PENDING_*: Octavia's 409, Heat's retry)
    blocked: Callable[[Cloud, dict[str, Any]], bool] = lambda cloud, props: False
    # a 409 Conflict from its service is "not now" (a balancer PENDING_* because another
    # stack changed it meanwhile): the step is retried a moment later, not failed
    conflict_waits: bool = False
    # checks the definition's update_policy (name, evaluated value): raises
    # InvalidTemplate; a type without it ignores the section, as Heat's
    check_policy: Callable[[str, Any], None] | None = None
    # a change it must be replaced for though each property is update_allowed (a
    # TestResource's update_replace turned on): (old properties, changed ones)
    replaces: Callable[[dict[str, Any], dict[str, Any]], bool] = lambda old, changed: False

    def updatable(self, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
        """The changes to make in place, or None if one of them needs a replacement."""
        changed = {k: new.get(k) for k in set(old) | set(new) if old.get(k) != new.get(k)}
        if self.update is None or not all(
                k in self.properties and self.properties[k].update_allowed for k in changed):
            return None
        if self.replaces(old, changed):
            return None
        return changed

    def check(self, name: str, props: dict[str, Any], static: bool = False
              ) -> dict[str, Any]:
        """The properties, defaults added, each of its declared type (after evaluation).
        `static`: before the stack exists, a value still None (a reference to a resource
        not made yet) is not missing."""
        if self.any_properties:
            return dict(props)
        unknown = sorted(set(props) - set(self.properties))
        if unknown:
            raise InvalidTemplate(f"Property error: resources.{name}.properties: Unknown "
                                  f"Property {unknown[0]}")
        out = {}
        for key, prop in self.properties.items():
            value = props.get(key)
            if value is None:
                if prop.required and not static:
                    raise InvalidTemplate(f"Property error: resources.{name}.properties: "
                                          f"Property {key} not assigned")
                if prop.default is not None:
                    out[key] = prop.default
                continue
            if prop.type in ("integer", "number") and isinstance(value, str):
                try:
                    value = int(value) if prop.type == "integer" else float(value)
                except ValueError:
                    pass
            if prop.type == "boolean" and isinstance(value, str) \
                    and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if prop.type == "string" and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, TYPES[prop.type]) or (
                    prop.type in ("integer", "number") and isinstance(value, bool)):
                raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}: "
                                      f"Value must be of type {prop.type}")
            out[key] = value
        if self.validate is not None:
            self.validate(name, out)
        return out

    def attribute(self, cloud: Cloud, record: Record, name: str) -> Any:
        if self.any_properties:  # OS::Heat::None: every attribute is None
            return None
        if name not in self.attributes and name != "show":
            raise InvalidTemplate(f"The Referenced Attribute ({name}) is incorrect.")
        doc = self.show(cloud, record)
        if name == "show":
            return doc
        reader = self.readers.get(name)
        return reader(doc, record) if reader else doc.get(name)

    def schema(self) -> dict[str, Any]:
        """GET /resource_types/{type}."""
        return {"resource_type": self.name,
                "properties": {k: p.schema() for k, p in self.properties.items()},
                "attributes": {k: {"description": d, "type": "string"}
                               for k, d in {**self.attributes,
                                            "show": "Detailed information about resource."
                                            }.items()},
                "support_status": {"status": "SUPPORTED", "message": None,
                                   "version": None, "previous_status": None},
                "description": self.description}


def now(cloud: Cloud) -> float:
    """The engine's clock (the tests move it), for a type that waits on time."""
    deps = getattr(cloud, "deps", None)
    return float(deps.clock()) if deps is not None else time.time()


def orchestration_url(cloud: Cloud) -> str:
    """Heat's endpoint for the stack's project, as a server or a webhook sender calls
    it (the signal URLs)."""
    deps = getattr(cloud, "deps", None)
    base = deps.settings.base_url if deps is not None else ""
    return f"{base}/orchestration/v1/{cloud.project_id}"


def walk(value: Any, path: list[Any]) -> Any:
    """get_attr's path into an attribute's value: keys of maps (also as text), indexes of
    lists; None where the path leads nowhere (Heat's)."""
    for key in path:
        if isinstance(value, dict):
            value = value.get(key, value.get(str(key)))
        elif isinstance(value, list) and isinstance(key, int) \
                and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def ignore_missing(step: Callable[[], object]) -> None:
    """A delete of something already gone is done."""
    try:
        step()
    except NotFound:
        pass


def gone_when_missing(read: Callable[[], object]) -> bool:
    try:
        read()
    except NotFound:
        return True
    return False


def reason(exc: CheptelError) -> str:
    return f"{type(exc).__name__}: {exc.message}"


def find(cloud: Cloud, service: str, path: str, plural: str, ref: str,
         what: str) -> dict[str, Any]:
    """A resource by id or by name, as Heat's client plugins find them (one by name)."""
    if not isinstance(ref, str) or not ref:
        raise InvalidTemplate(f"The {what} reference {ref!r} must be a name or an id.")
    if UUID.match(ref):
        try:
            found = cloud.call(service, "GET", f"{path}/{ref}")
            return dict(next(iter(found.values())))
        except NotFound:
            pass
    items = cloud.call(service, "GET", path, query={"name": ref})[plural]
    items = [i for i in items if i.get("name") == ref]
    if len(items) != 1:
        raise NotFound(f"The {what} ({ref}) could not be found." if not items else
                       f"Multiple {what} matches found for name '{ref}', use an ID to "
                       "be more specific.")
    return dict(items[0])
