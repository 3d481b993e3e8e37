"""Cattle over the in-process cloud: a group's member whose server is killed, removed or
deleted behind the stack's back is replaced by the stack reconciler's next pass, without
a stack update, the group keeping its size; mark-unhealthy replaces a group's member at
once, and marks any other resource for the next update (Heat's behaviour)."""

from __future__ import annotations

from typing import Any

from cheptel.reconciler.servers import container_name
from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud
from tests.unit.test_orchestration_groups import FILES, MEMBER

V = "2018-08-31"
SERVER = {"type": "OS::Nova::Server", "properties": {
    "image": "busybox", "flavor": "m1.tiny", "networks": []}}


def _template(resource: dict[str, Any]) -> dict[str, Any]:
    return {"heat_template_version": V, "resources": {
        "asg": {"type": "OS::Heat::AutoScalingGroup", "properties": {
            "min_size": 2, "max_size": 4, "resource": resource}},
        "lone": SERVER},
        "outputs": {"refs": {"value": {"get_attr": ["asg", "refs"]}},
                    "lone": {"value": {"get_resource": "lone"}}}}


def _made(cloud: Cloud, resource: dict[str, Any] = SERVER, **extra: Any) -> str:
    quiet(cloud)
    r = heat(cloud, "POST", "/stacks", {"stack_name": "herd", "template": _template(
        resource), **extra})
    assert r.status_code == 201, r.text
    cloud.settle()
    return str(r.json()["stack"]["id"])


def _outputs(cloud: Cloud, sid: str) -> dict[str, Any]:
    stack = heat(cloud, "GET", f"/stacks/herd/{sid}").json()["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def _healed(cloud: Cloud, sid: str, before: list[str], lost: str) -> list[str]:
    cloud.pass_once()  # compute's scan sees the drift, then the stacks' scan heals
    cloud.settle()
    after = _outputs(cloud, sid)["refs"]
    assert len(after) == 2 and lost not in after, (before, after)
    assert [s for s in before if s != lost][0] in after  # the other member is kept
    assert all(cloud.status(s) == "ACTIVE" for s in after)
    return list(after)


def test_members_killed_removed_or_deleted_are_replaced(rcloud: Cloud) -> None:
    sid = _made(rcloud)
    refs = _outputs(rcloud, sid)["refs"]
    lone = _outputs(rcloud, sid)["lone"]
    rcloud.engine.stop(container_name(refs[0]), 0)  # docker kill
    refs = _healed(rcloud, sid, refs, refs[0])
    rcloud.engine.remove(container_name(refs[1]))  # docker rm -f
    refs = _healed(rcloud, sid, refs, refs[1])
    assert rcloud.nova("DELETE", f"/servers/{refs[0]}").status_code == 204
    rcloud.settle()
    refs = _healed(rcloud, sid, refs, refs[0])
    rcloud.pass_once()  # nothing more to do: nothing is replaced again
    assert _outputs(rcloud, sid)["refs"] == refs
    # the member's replacement is told in its nested stack's events
    asg = heat(rcloud, "GET", f"/stacks/herd/{sid}/resources/asg").json()["resource"]
    nested = [x["href"] for x in asg["links"] if x["rel"] == "nested"][0]
    events = rcloud.api.client.get(nested + "/events", headers={
        "X-Auth-Token": rcloud.token}).json()["events"]
    failed = [e for e in events if e["resource_status"] == "CHECK_FAILED"]
    assert len(failed) == 3 and "is SHUTOFF" in failed[0]["resource_status_reason"]
    # a server outside a group is not a group's member: left as it is (Heat's cattle
    # are groups)
    rcloud.engine.stop(container_name(lone), 0)
    rcloud.pass_once()
    assert _outputs(rcloud, sid)["lone"] == lone and rcloud.status(lone) == "SHUTOFF"


def test_a_nested_template_member_is_replaced_whole(rcloud: Cloud) -> None:
    sid = _made(rcloud, {"type": MEMBER}, files=FILES)
    refs = _outputs(rcloud, sid)["refs"]  # the members' OS::stack_id: their servers
    rcloud.engine.stop(container_name(refs[1]), 0)
    _healed(rcloud, sid, refs, refs[1])


def test_mark_unhealthy(rcloud: Cloud) -> None:
    sid = _made(rcloud)
    refs = _outputs(rcloud, sid)["refs"]
    asg = heat(rcloud, "GET", f"/stacks/herd/{sid}/resources/asg").json()["resource"]
    nested_url = [x["href"] for x in asg["links"] if x["rel"] == "nested"][0]
    members = rcloud.api.client.get(nested_url + "/resources", headers={
        "X-Auth-Token": rcloud.token}).json()["resources"]
    victim = [m for m in members if m["physical_resource_id"] == refs[0]][0]
    url = f"{nested_url}/resources/{victim['resource_name']}"
    headers = {"X-Auth-Token": rcloud.token}
    for body, message in (({}, "Missing mandatory (mark_unhealthy) key"),
                          ({"mark_unhealthy": "perhaps"}, "Unrecognized value"),
                          ({"mark_unhealthy": True, "colour": 1}, "Invalid keys")):
        r = rcloud.api.client.patch(url, json=body, headers=headers)
        assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
    # a group's member: replaced at once, no pass needed
    r = rcloud.api.client.patch(url, json={"mark_unhealthy": True,
                                           "resource_status_reason": "slow"},
                                headers=headers)
    assert r.status_code == 200, r.text
    rcloud.settle()
    after = _outputs(rcloud, sid)["refs"]
    assert refs[0] not in after and refs[1] in after and rcloud.gone(refs[0])
    # another resource: CHECK_FAILED until the next update replaces it (as Heat)
    lone = _outputs(rcloud, sid)["lone"]
    path = f"/stacks/herd/{sid}/resources/lone"
    assert heat(rcloud, "PATCH", path, {"mark_unhealthy": True}).status_code == 200
    rcloud.pass_once()
    shown = heat(rcloud, "GET", path).json()["resource"]
    assert shown["resource_status"] == "CHECK_FAILED"
    assert shown["resource_status_reason"] == "state changed by resource_mark_unhealthy api"
    assert heat(rcloud, "PATCH", path, {"mark_unhealthy": False}).status_code == 200
    assert heat(rcloud, "GET", path).json()["resource"]["resource_status"] == \
        "CHECK_COMPLETE"
    assert heat(rcloud, "PATCH", path, {"mark_unhealthy": True}).status_code == 200
    assert heat(rcloud, "PATCH", f"/stacks/herd/{sid}", {}).status_code == 202
    rcloud.settle()
    new = heat(rcloud, "GET", path).json()["resource"]
    assert new["physical_resource_id"] != lone and rcloud.gone(lone)


def _pass(cloud: Cloud) -> None:
    cloud.deps.reconciler.pass_once(False)
    cloud.settle(errors_expected=True)


def test_a_replacement_that_fails_is_retried_with_a_backoff(rcloud: Cloud) -> None:
    """5 s after a failed heal, then 10 s after a second one (doubling), not at every
    pass; once the engine works again the group is back to its size."""
    sid = _made(rcloud)
    refs = _outputs(rcloud, sid)["refs"]
    rcloud.engine.fail("create", times=3)  # the replacement cannot be made, for now
    rcloud.engine.stop(container_name(refs[0]), 0)
    _pass(rcloud)
    short = _outputs(rcloud, sid)["refs"]
    assert len(short) == 2 and rcloud.status(short[0]) == "ERROR", short
    _pass(rcloud)  # not again at every pass
    assert _outputs(rcloud, sid)["refs"] == short
    rcloud.engine.fail("create", times=3)  # still failing at the first retry
    rcloud.api.clock.advance(6)
    _pass(rcloud)
    again = _outputs(rcloud, sid)["refs"]
    assert again[0] != short[0] and rcloud.status(again[0]) == "ERROR"
    rcloud.engine.failures.clear()  # the engine works again
    rcloud.api.clock.advance(6)
    _pass(rcloud)  # the second failure waits 10 s
    assert _outputs(rcloud, sid)["refs"] == again
    rcloud.api.clock.advance(5)
    _pass(rcloud)
    healed = _outputs(rcloud, sid)["refs"]
    assert len(healed) == 2 and refs[1] in healed and again[0] not in healed
    assert all(rcloud.status(s) == "ACTIVE" for s in healed)


def test_check_suspend_and_resume_walk_into_the_group(rcloud: Cloud) -> None:
    sid = _made(rcloud)
    refs = _outputs(rcloud, sid)["refs"]
    path = f"/stacks/herd/{sid}"
    assert heat(rcloud, "POST", path + "/actions", {"suspend": None}).status_code == 200
    rcloud.settle()
    assert heat(rcloud, "GET", path).json()["stack"]["stack_status"] == "SUSPEND_COMPLETE"
    assert {rcloud.status(s) for s in refs} == {"SUSPENDED"}
    assert heat(rcloud, "POST", path + "/actions", {"resume": None}).status_code == 200
    rcloud.settle()
    assert {rcloud.status(s) for s in refs} == {"ACTIVE"}
    assert heat(rcloud, "POST", path + "/actions", {"check": None}).status_code == 200
    rcloud.settle()
    assert heat(rcloud, "GET", path).json()["stack"]["stack_status"] == "CHECK_COMPLETE"
