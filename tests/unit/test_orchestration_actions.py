"""Stack actions over the in-process cloud: check (a server deleted behind the stack's
back fails it, and the next update replaces it), suspend and resume, cancel."""

from __future__ import annotations

from typing import Any

from tests.unit.orchestration import NET_SERVER, heat, quiet
from tests.unit.reconcile import Cloud


def _stack(cloud: Cloud) -> tuple[str, str]:
    quiet(cloud)
    r = heat(cloud, "POST", "/stacks", {"stack_name": "web", "template": NET_SERVER})
    assert r.status_code == 201, r.text
    cloud.settle()
    sid = r.json()["stack"]["id"]
    server = heat(cloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    return sid, str(server["physical_resource_id"])


def _act(cloud: Cloud, sid: str, body: Any) -> Any:
    return heat(cloud, "POST", f"/stacks/web/{sid}/actions", body)


def _status(cloud: Cloud, sid: str) -> dict:
    return heat(cloud, "GET", f"/stacks/web/{sid}").json()["stack"]  # type: ignore[no-any-return]


def test_check_finds_a_server_gone_and_an_update_replaces_it(rcloud: Cloud) -> None:
    sid, server = _stack(rcloud)
    assert _act(rcloud, sid, {"check": None}).status_code == 200
    rcloud.settle()
    assert _status(rcloud, sid)["stack_status"] == "CHECK_COMPLETE"
    rcloud.nova("DELETE", f"/servers/{server}")  # behind the stack's back
    rcloud.settle()
    assert _act(rcloud, sid, {"check": None}).status_code == 200
    rcloud.settle()
    stack = _status(rcloud, sid)
    assert stack["stack_status"] == "CHECK_FAILED"
    assert "Resource CHECK failed" in stack["stack_status_reason"]
    shown = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    assert shown["resource_status"] == "CHECK_FAILED"
    # the retry: an update with the stored template replaces what failed
    assert heat(rcloud, "PATCH", f"/stacks/web/{sid}", {}).status_code == 202
    rcloud.settle()
    assert _status(rcloud, sid)["stack_status"] == "UPDATE_COMPLETE"
    new = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    assert new["physical_resource_id"] != server
    assert rcloud.status(new["physical_resource_id"]) == "ACTIVE"


def test_suspend_then_resume(rcloud: Cloud) -> None:
    sid, server = _stack(rcloud)
    # heatclient posts its actions to /stacks/<name>/actions: redirected, as Heat's
    r = heat(rcloud, "POST", "/stacks/web/actions", {"check": None}, follow=False)
    assert r.status_code == 302 and r.headers["location"].endswith(
        f"/stacks/web/{sid}/actions"), r.text
    assert heat(rcloud, "POST", "/stacks/nope/actions", {"check": None}).status_code == 404
    r = _act(rcloud, sid, {"resume": None})
    assert r.status_code == 400 and "not suspended" in r.json()["error"]["message"]
    assert _act(rcloud, sid, {"suspend": None}).status_code == 200
    assert _act(rcloud, sid, {"check": None}).status_code == 409  # one action at a time
    rcloud.settle()
    assert _status(rcloud, sid)["stack_status"] == "SUSPEND_COMPLETE"
    assert rcloud.status(server) == "SUSPENDED"
    assert _act(rcloud, sid, {"resume": None}).status_code == 200
    rcloud.settle()
    assert _status(rcloud, sid)["stack_status"] == "RESUME_COMPLETE"
    assert rcloud.status(server) == "ACTIVE"


def test_bad_actions_and_cancel(rcloud: Cloud) -> None:
    sid, _ = _stack(rcloud)
    for body in ({"explode": None}, {"check": None, "suspend": None}, [], "check"):
        r = _act(rcloud, sid, body)
        assert r.status_code == 400, (body, r.text)
    assert _act(rcloud, sid, {"cancel_without_rollback": None}).status_code == 400
    assert _act(rcloud, sid, {"cancel_update": None}).status_code == 400  # nothing under way
    assert heat(rcloud, "PATCH", f"/stacks/web/{sid}", {"parameters": {
        "flavor": "m1.small"}}).status_code == 202
    assert _act(rcloud, sid, {"cancel_without_rollback": None}).status_code == 200
    rcloud.settle()
    stack = _status(rcloud, sid)
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "UPDATE_FAILED", "Stack UPDATE cancelled")
