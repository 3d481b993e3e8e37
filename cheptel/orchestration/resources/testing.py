"""OS::Heat::TestResource: a resource that only stores a string, with knobs to make it
slow, fail or be replaced (heat/engine/resources/openstack/heat/test_resource.py), as
heat-tempest-plugin's tests use it.

Each action (create, update, delete) takes `action_wait_secs[action]` or `wait_secs`
seconds (-1: forever, until the stack's timeout), read off the engine's clock; at the
end a resource with `fail` true fails it ("ValueError: ... Test Resource failed"), a
delete never fails. Changing `update_replace` to true, or `update_replace_value`,
replaces it; the other properties are updated in place. `attr_wait_secs` and
`constraint_prop_secs` are accepted and recorded, not slept on: a request thread is
never held (Heat sleeps in the API's attribute read and in validation).
"""

from __future__ import annotations

from typing import Any

from cheptel.orchestration.errors import InvalidTemplate, ResourceFailure
from cheptel.orchestration.resources.base import Prop, Record, ResourceType, now
from cheptel.orchestration.service.cloud import Cloud

ACTIONS = ("create", "update", "delete")


def _wait(p: dict[str, Any], action: str) -> float:
    per = p.get("action_wait_secs") or {}
    secs = per.get(action) if isinstance(per, dict) else None
    return float(p.get("wait_secs") or 0) if secs is None else float(secs)


def _started(cloud: Cloud, p: dict[str, Any], r: Record, action: str) -> None:
    r.data = {**r.data, "started": now(cloud), "wait": _wait(p, action)}


def _create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    r.physical_id = r.name  # Heat sets it only when it does not fail: it must be found
    r.data = {} if p.get("fail") else {"value": p.get("value")}
    _started(cloud, p, r, "create")


def _update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
    p = {**r.properties, **changed}
    if changed.get("value") and not p.get("fail"):
        r.data = {**r.data, "value": changed["value"]}
    _started(cloud, p, r, "update")
    if not changed.get("value"):  # Heat waits only when the value changes
        r.data["wait"] = 0.0


def _done(cloud: Cloud, r: Record, failing: bool) -> bool:
    wait = float(r.data.get("wait") or 0)
    if wait < 0 or now(cloud) - float(r.data.get("started") or 0) < wait:
        return False
    if failing and r.properties.get("fail"):
        raise ResourceFailure(f"ValueError: resources.{r.resource}: Test Resource failed "
                              f"{r.resource}")
    return True


def _delete(cloud: Cloud, r: Record) -> None:
    _started(cloud, r.properties, r, "delete")


def _validate(name: str, p: dict[str, Any]) -> None:
    per = p.get("action_wait_secs")
    if per is None:
        return
    for key, value in per.items():
        if key not in ACTIONS:
            raise InvalidTemplate(f"Property error: resources.{name}.properties."
                                  f"action_wait_secs: Unknown Property {key}")
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, (int, float))):
            raise InvalidTemplate(f"Property error: resources.{name}.properties."
                                  f"action_wait_secs.{key}: Value must be a number")


TEST_RESOURCE = ResourceType(
    name="OS::Heat::TestResource",
    description="A resource which stores the string value that was provided.",
    properties={
        "value": Prop("string", "The input string to be stored.", default="test_string",
                      update_allowed=True),
        "update_replace_value": Prop("string", "Some value that can be stored but can not "
                                     "be updated."),
        "fail": Prop("boolean", "Value which can be set to fail the resource operation to "
                     "test failure scenarios.", default=False, update_allowed=True),
        "update_replace": Prop("boolean", "Value which can be set to trigger update "
                               "replace for the particular resource.", default=False,
                               update_allowed=True),
        "wait_secs": Prop("number", "Seconds to wait after an action (-1 is infinite).",
                          default=0, update_allowed=True),
        "action_wait_secs": Prop("map", "Options for simulating waiting: create, update, "
                                 "delete (seconds; default: wait_secs).",
                                 update_allowed=True),
        "client_name": Prop("string", "Client to poll.", default="", update_allowed=True),
        "entity_name": Prop("string", "Client entity to poll.", default="",
                            update_allowed=True),
        "attr_wait_secs": Prop("number", "Number value for timeout during resolving "
                               "output value.", default=0, update_allowed=True),
        "constraint_prop_secs": Prop("number", "Number value for delay during resolve "
                                     "constraint.", default=0, update_allowed=True),
    },
    attributes={"output": "The string that was stored. This value is also available by "
                "referencing the resource."},
    create=_create, delete=_delete, update=_update,
    show=lambda cloud, r: {"output": r.data.get("value")},
    ready=lambda cloud, r: _done(cloud, r, failing=True),
    gone=lambda cloud, r: _done(cloud, r, failing=False),
    validate=_validate,
    replaces=lambda old, changed: bool(changed.get("update_replace")))

TYPES = [TEST_RESOURCE]
