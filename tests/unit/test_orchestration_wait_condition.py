"""OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition over the in-process cloud:
the handle's stack user and token, signals through Heat's signal route with that token
(its own handle only), success after `count` signals, failure on FAILURE, the timeout
on the engine's clock, the data attribute, bad properties; the user goes with the stack."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.orchestration import heat, project_of
from tests.unit.reconcile import Cloud
from tests.unit.test_orchestration_test_resource import outputs, path, stack, timed


def template(count: int = 1, timeout: int = 60, **handle: Any) -> dict[str, Any]:
    return {"heat_template_version": "2016-04-08",
            "resources": {
                "handle": {"type": "OS::Heat::WaitConditionHandle", "properties": handle},
                "wait": {"type": "OS::Heat::WaitCondition", "properties": {
                    "handle": {"get_resource": "handle"}, "timeout": timeout,
                    "count": count}},
                "after": {"type": "OS::Heat::TestResource", "depends_on": "wait"}},
            "outputs": {"data": {"value": {"get_attr": ["wait", "data"]}},
                        "curl": {"value": {"get_attr": ["handle", "curl_cli"]}},
                        "endpoint": {"value": {"get_attr": ["handle", "endpoint"]}},
                        "token": {"value": {"get_attr": ["handle", "token"]}}}}


def make(cloud: Cloud, name: str, tpl: dict[str, Any]) -> dict[str, Any]:
    r = heat(cloud, "POST", "/stacks", {"stack_name": name, "disable_rollback": True,
                                        "template": tpl})
    assert r.status_code == 201, r.text
    cloud.settle()
    s = stack(cloud, name)
    assert s["stack_status"] == "CREATE_IN_PROGRESS", s["stack_status_reason"]
    handle = heat(cloud, "GET", path(cloud, name) + "/resources/handle").json()["resource"]
    assert handle["resource_status"] == "CREATE_COMPLETE"
    return handle["attributes"]


def send(cloud: Cloud, attrs: dict[str, Any], body: Any, token: str | None = None) -> Any:
    endpoint = attrs["endpoint"]
    assert endpoint.startswith("http://") and endpoint.endswith("/resources/handle/signal")
    project = project_of(cloud, cloud.token)
    tail = endpoint.split(f"/orchestration/v1/{project}", 1)[1]
    return heat(cloud, "POST", tail, body, token=token or attrs["token"], project=project)


def test_signals_with_the_handles_token_complete_the_condition(rcloud: Cloud) -> None:
    advance = timed(rcloud)
    attrs = make(rcloud, "wc", template(count=2))
    assert attrs["curl_cli"].startswith(f"curl -i -X POST -H 'X-Auth-Token: "
                                        f"{attrs['token']}'")
    assert attrs["curl_cli"].endswith(attrs["endpoint"])
    assert json.loads(attrs["signal"]) == {"endpoint": attrs["endpoint"],
                                           "token": attrs["token"]}
    r = send(rcloud, attrs, {"status": "SUCCESS", "data": "one", "id": "a"})
    assert r.status_code == 200, r.text
    advance(1)
    assert stack(rcloud, "wc")["stack_status"] == "CREATE_IN_PROGRESS"  # 1 of 2
    assert send(rcloud, attrs, None).status_code == 200  # Heat's defaults: SUCCESS
    advance(1)
    s = stack(rcloud, "wc")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    assert json.loads(outputs(s)["data"]) == {"a": "one", "2": None}
    events = heat(rcloud, "GET", path(rcloud, "wc") + "/resources/handle/events").json()
    assert any(e["resource_status_reason"] == "Signal: status:SUCCESS reason:Signal 2 "
               "received" for e in events["events"])
    # the token signals its handle and nothing else: no reads, no other stack
    token = attrs["token"]
    project = project_of(rcloud, rcloud.token)
    assert heat(rcloud, "GET", path(rcloud, "wc"), token=token,
                project=project).status_code == 403
    assert heat(rcloud, "POST", path(rcloud, "wc") + "/resources/after/signal",
                token=token, project=project).status_code == 403
    # a bad signal is a 400
    assert send(rcloud, attrs, {"status": "MAYBE"}).status_code == 400
    # the stack user and its token go with the stack
    users = rcloud.api.client.get("/identity/v3/users", headers={
        "X-Auth-Token": rcloud.api.admin()}).json()["users"]
    assert any(u["name"].startswith("wc-handle-") for u in users)
    assert heat(rcloud, "DELETE", path(rcloud, "wc")).status_code == 204
    rcloud.settle()
    advance(1)
    assert send(rcloud, attrs, None).status_code == 401
    users = rcloud.api.client.get("/identity/v3/users", headers={
        "X-Auth-Token": rcloud.api.admin()}).json()["users"]
    assert not any(u["name"].startswith("wc-handle-") for u in users)


def test_a_failure_signal_fails_the_condition(rcloud: Cloud) -> None:
    advance = timed(rcloud)
    attrs = make(rcloud, "bad", template())
    r = send(rcloud, attrs, {"status": "FAILURE", "reason": "the disk is full"})
    assert r.status_code == 200, r.text
    advance(1)
    s = stack(rcloud, "bad")
    assert s["stack_status"] == "CREATE_FAILED"
    assert s["stack_status_reason"] == ("Resource CREATE failed: WaitConditionFailure: "
                                        "resources.wait: the disk is full")


def test_the_timeout_fails_the_condition(rcloud: Cloud) -> None:
    advance = timed(rcloud)
    make(rcloud, "late", template(timeout=30))
    advance(20)
    assert stack(rcloud, "late")["stack_status"] == "CREATE_IN_PROGRESS"
    advance(20)
    s = stack(rcloud, "late")
    assert s["stack_status"] == "CREATE_FAILED"
    assert s["stack_status_reason"] == ("Resource CREATE failed: WaitConditionTimeout: "
                                        "resources.wait: 0 of 1 received")


def test_no_signal_and_bad_properties(rcloud: Cloud) -> None:
    timed(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "free", "template": template(
        signal_transport="NO_SIGNAL")})
    assert r.status_code == 201, r.text
    rcloud.settle()
    s = stack(rcloud, "free")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s)["token"] is None
    for tpl, message in [
            (template(timeout=0), "resources.wait.properties.timeout: 0 is out of range"),
            (template(count=0), "resources.wait.properties.count: 0 is out of range"),
            (template(signal_transport="PIGEON"), "signal_transport: \"PIGEON\" is not an "
             "allowed value"),
            (template(signal_transport="ZAQAR_SIGNAL"), "ZAQAR_SIGNAL is not supported")]:
        r = heat(rcloud, "POST", "/stacks", {"stack_name": "x", "template": tpl})
        assert r.status_code == 400, r.text
        assert message in r.json()["error"]["message"]
