"""OS::Heat::TestResource over the in-process cloud: its value as an attribute and a
reference, its waits (the engine's clock moved by the test), failing, updating in place
and by replacement, bad properties as Heat's errors; a signal to it is a 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud


def template(**props: Any) -> dict[str, Any]:
    return {"heat_template_version": "2016-04-08",
            "resources": {"test": {"type": "OS::Heat::TestResource", "properties": props}},
            "outputs": {"out": {"value": {"get_attr": ["test", "output"]}},
                        "ref": {"value": {"get_resource": "test"}}}}


def timed(cloud: Cloud) -> Callable[[float], None]:
    """The engine's clock, moved by the test; advance(s) moves it and runs the stacks'
    looks the converger had put off."""
    later: list[Callable[[], None]] = []
    cloud.deps.reconciler.convergers["orchestration"].later = \
        lambda seconds, kick: later.append(kick)

    def advance(seconds: float) -> None:
        cloud.api.clock.advance(seconds)
        kicks = later[:]
        later.clear()
        for kick in kicks:
            kick()
        cloud.settle()
    return advance


def stack(cloud: Cloud, name: str) -> dict[str, Any]:
    return dict(heat(cloud, "GET", f"/stacks/{name}").json()["stack"])


def outputs(s: dict[str, Any]) -> dict[str, Any]:
    return {o["output_key"]: o.get("output_value") for o in s.get("outputs") or []}


def path(cloud: Cloud, name: str) -> str:
    return f"/stacks/{name}/{stack(cloud, name)['id']}"


def resource(cloud: Cloud, name: str) -> dict[str, Any]:
    return dict(heat(cloud, "GET", path(cloud, name) + "/resources/test").json()[
        "resource"])


def test_value_output_and_reference(rcloud: Cloud) -> None:
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "t1", "template": template(
        value="hello")})
    assert r.status_code == 201, r.text
    rcloud.settle()
    s = stack(rcloud, "t1")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    out = outputs(s)
    assert out["out"] == "hello" and out["ref"].startswith("t1-test-")
    assert resource(rcloud, "t1")["attributes"]["output"] == "hello"
    # heat-tempest-plugin's resources.yaml: a TestResource takes no signal
    assert heat(rcloud, "POST", path(rcloud, "t1") + "/resources/test/signal").status_code == 400
    default = heat(rcloud, "POST", "/stacks", {"stack_name": "t2", "template": template()})
    assert default.status_code == 201
    rcloud.settle()
    assert outputs(stack(rcloud, "t2"))["out"] == "test_string"


def test_waits_then_fails_and_update_in_place_or_replaced(rcloud: Cloud) -> None:
    advance = timed(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "slow", "disable_rollback": True,
                                         "template": template(value="a", wait_secs=30)})
    assert r.status_code == 201, r.text
    rcloud.settle()
    assert stack(rcloud, "slow")["stack_status"] == "CREATE_IN_PROGRESS"
    advance(31)
    assert stack(rcloud, "slow")["stack_status"] == "CREATE_COMPLETE"
    before = resource(rcloud, "slow")["physical_resource_id"]
    # a new value: in place, waiting its update seconds
    r = heat(rcloud, "PUT", path(rcloud, "slow"), {"template": template(
        value="b", action_wait_secs={"update": 20})})
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert stack(rcloud, "slow")["stack_status"] == "UPDATE_IN_PROGRESS"
    advance(21)
    s = stack(rcloud, "slow")
    assert s["stack_status"] == "UPDATE_COMPLETE" and outputs(s)["out"] == "b"
    assert resource(rcloud, "slow")["physical_resource_id"] == before
    # update_replace: a new one
    r = heat(rcloud, "PUT", path(rcloud, "slow"), {"template": template(value="c",
                                                                 update_replace=True)})
    assert r.status_code == 202, r.text
    rcloud.settle()
    advance(1)
    s = stack(rcloud, "slow")
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    assert resource(rcloud, "slow")["physical_resource_id"] != before
    # fail: the update fails once its wait is over
    r = heat(rcloud, "PUT", path(rcloud, "slow"), {"template": template(value="d", fail=True,
                                                                 update_replace=True)})
    assert r.status_code == 202, r.text
    rcloud.settle()
    advance(1)
    s = stack(rcloud, "slow")
    assert s["stack_status"] == "UPDATE_FAILED"
    assert "ValueError: resources.test: Test Resource failed test" in \
        s["stack_status_reason"]
    # a delete waits its own seconds, and never fails
    r = heat(rcloud, "POST", "/stacks", {
        "stack_name": "gone", "disable_rollback": True,
        "template": template(fail=True, action_wait_secs={"create": 0, "delete": 50})})
    rcloud.settle()
    heat(rcloud, "DELETE", path(rcloud, "gone"))
    rcloud.settle()
    advance(1)
    assert stack(rcloud, "gone")["stack_status"] == "DELETE_IN_PROGRESS"
    advance(60)
    assert heat(rcloud, "GET", "/stacks/gone").status_code == 404


def test_create_fails_with_heats_reason(rcloud: Cloud) -> None:
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "bad", "disable_rollback": True,
                                         "template": template(fail=True)})
    assert r.status_code == 201, r.text
    rcloud.settle()
    s = stack(rcloud, "bad")
    assert s["stack_status"] == "CREATE_FAILED"
    assert s["stack_status_reason"] == ("Resource CREATE failed: ValueError: "
                                        "resources.test: Test Resource failed test")


def test_bad_properties_are_heats_errors(rcloud: Cloud) -> None:
    for props, message in [
            ({"wait_secs": "soon"}, "resources.test.properties.wait_secs: Value must be "
             "of type number"),
            ({"colour": "red"}, "Unknown Property colour"),
            ({"action_wait_secs": {"reboot": 3}}, "action_wait_secs: Unknown Property "
             "reboot")]:
        r = heat(rcloud, "POST", "/stacks", {"stack_name": "x", "template": template(
            **props)})
        assert r.status_code == 400, r.text
        assert message in r.json()["error"]["message"]
        assert r.json()["error"]["type"] == "StackValidationFailed"
