"""An update's rollback over the in-process cloud, as Heat's (stack.py
_update_exception_handler): an update that fails on a resource rolls back to the
definition it replaced when the stack allows it (`openstack stack update --rollback
enabled`: disable_rollback false), and `openstack stack cancel` (cancel_update) rolls an
update under way back whatever the stack says; cancel_without_rollback leaves it
UPDATE_FAILED. The rollback updates back what was changed and deletes what was added:
the stack ends ROLLBACK_COMPLETE with its old template, values and resources. (A
resource's action under way when the update is cancelled ends before it is rolled back:
Heat interrupts it.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.orchestration import heat
from tests.unit.reconcile import Cloud
from tests.unit.test_orchestration_test_resource import outputs, path, stack, timed


def _template(value: str, extra: dict[str, Any] | None = None, **props: Any
              ) -> dict[str, Any]:
    resources: dict[str, Any] = {"kept": {"type": "OS::Heat::TestResource",
                                          "properties": {"value": value, **props}}}
    if extra is not None:
        resources["added"] = {"type": "OS::Heat::TestResource", "properties": extra,
                              "depends_on": "kept"}  # after `kept` is updated
    return {"heat_template_version": "2016-04-08", "resources": resources,
            "outputs": {"out": {"value": {"get_attr": ["kept", "output"]}}}}


def _made(cloud: Cloud, name: str) -> Callable[[float], None]:
    """The stack made; what moves the engine's clock (and runs the looks put off)."""
    advance = timed(cloud)
    r = heat(cloud, "POST", "/stacks", {"stack_name": name, "template": _template("v1")})
    assert r.status_code == 201, r.text
    cloud.settle()
    assert stack(cloud, name)["stack_status"] == "CREATE_COMPLETE"
    return advance


def _settled(advance: Callable[[float], None], cloud: Cloud, name: str) -> dict[str, Any]:
    """The stack once its action (and a rollback) is over, the clock moved a second at a
    time (the engine looks again at a resource being deleted a moment later)."""
    for _ in range(10):
        advance(1)
        s = stack(cloud, name)
        if not s["stack_status"].endswith("IN_PROGRESS"):
            return s
    raise AssertionError(f"{name} still {s['stack_status']}")


def _said(cloud: Cloud, name: str) -> list[str]:
    """The stack's own events, oldest first."""
    events = heat(cloud, "GET", f"/stacks/{name}/events?sort_dir=asc").json()["events"]
    return [e["resource_status"] for e in events if e["resource_name"] == name]


def _resources(cloud: Cloud, name: str) -> dict[str, str]:
    rows = heat(cloud, "GET", path(cloud, name) + "/resources").json()["resources"]
    return {r["resource_name"]: r["resource_status"] for r in rows}


def test_a_failed_update_rolls_back_when_the_stack_allows_it(rcloud: Cloud) -> None:
    advance = _made(rcloud, "roll")
    kept = heat(rcloud, "GET", path(rcloud, "roll") + "/resources/kept").json()[
        "resource"]["physical_resource_id"]
    r = heat(rcloud, "PATCH", path(rcloud, "roll"), {
        "template": _template("v2", extra={"fail": True}), "disable_rollback": False})
    assert r.status_code == 202, r.text
    s = _settled(advance, rcloud, "roll")
    assert s["stack_status"] == "ROLLBACK_COMPLETE", s["stack_status_reason"]
    assert s["stack_status_reason"] == "Stack ROLLBACK completed successfully"
    assert outputs(s)["out"] == "v1"  # updated back in place
    assert _resources(rcloud, "roll") == {"kept": "UPDATE_COMPLETE"}  # the added one gone
    assert heat(rcloud, "GET", path(rcloud, "roll") + "/resources/kept").json()[
        "resource"]["physical_resource_id"] == kept
    shown = heat(rcloud, "GET", path(rcloud, "roll") + "/template").json()
    assert shown["resources"]["kept"]["properties"]["value"] == "v1"
    assert "added" not in shown["resources"]
    assert _said(rcloud, "roll")[-4:] == ["UPDATE_IN_PROGRESS", "UPDATE_FAILED",
                                          "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    # the stack works on: the next update starts from the definition rolled back to
    r = heat(rcloud, "PATCH", path(rcloud, "roll"), {"template": _template("v3")})
    assert r.status_code == 202, r.text
    rcloud.settle()
    s = stack(rcloud, "roll")
    assert s["stack_status"] == "UPDATE_COMPLETE" and outputs(s)["out"] == "v3"


def test_a_failed_update_stays_failed_by_default(rcloud: Cloud) -> None:
    advance = _made(rcloud, "plain")  # disable_rollback true: heatclient's default
    r = heat(rcloud, "PATCH", path(rcloud, "plain"), {
        "template": _template("v2", extra={"fail": True})})
    assert r.status_code == 202, r.text
    s = _settled(advance, rcloud, "plain")
    assert s["stack_status"] == "UPDATE_FAILED"
    assert _resources(rcloud, "plain")["added"] == "CREATE_FAILED"  # left as it failed
    assert outputs(s)["out"] == "v2"  # a failed stack's outputs shown too, as Heat's


def test_cancel_rolls_an_update_back_and_no_rollback_leaves_it_failed(
        rcloud: Cloud) -> None:
    advance = _made(rcloud, "slow")
    r = heat(rcloud, "PATCH", path(rcloud, "slow"), {"template": _template(
        "v2", extra={"value": "x"}, action_wait_secs={"update": 60})})
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert stack(rcloud, "slow")["stack_status"] == "UPDATE_IN_PROGRESS"
    r = heat(rcloud, "POST", path(rcloud, "slow") + "/actions", {"cancel_update": None})
    assert r.status_code == 200, r.text
    # the resource's update under way ends first (Heat interrupts it), then goes back
    advance(1)
    assert stack(rcloud, "slow")["stack_status"] == "ROLLBACK_IN_PROGRESS"
    advance(60)
    s = _settled(advance, rcloud, "slow")
    assert s["stack_status"] == "ROLLBACK_COMPLETE", s["stack_status_reason"]
    assert outputs(s)["out"] == "v1" and set(_resources(rcloud, "slow")) == {"kept"}
    assert _said(rcloud, "slow")[-4:] == ["UPDATE_IN_PROGRESS", "UPDATE_FAILED",
                                          "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    # nothing under way: nothing to cancel
    r = heat(rcloud, "POST", path(rcloud, "slow") + "/actions", {"cancel_update": None})
    assert r.status_code == 400
    assert "Cancelling update when stack is ROLLBACK_COMPLETE" in r.json()["error"][
        "message"]
    # --no-rollback: the update stops, failed, where it was
    r = heat(rcloud, "PATCH", path(rcloud, "slow"), {"template": _template(
        "v2", action_wait_secs={"update": 60})})
    assert r.status_code == 202, r.text
    rcloud.settle()
    r = heat(rcloud, "POST", path(rcloud, "slow") + "/actions",
             {"cancel_without_rollback": None})
    assert r.status_code == 200, r.text
    s = _settled(advance, rcloud, "slow")
    assert (s["stack_status"], s["stack_status_reason"]) == ("UPDATE_FAILED",
                                                             "Stack UPDATE cancelled")
