"""User messages and the scheduler's capabilities filter, in process over the fake
storage: a volume of a type no backend matches goes `error` (create still 202) with a
message; /messages lists, shows and deletes them as Cinder, project by project."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from cheptel.volume.models import VolumeMessage
from cheptel.volume.service import scheduler
from cheptel.volume.service.messages import TTL
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi

LATEST = {"OpenStack-API-Version": "volume 3.71"}
# tempest/lib/api_schema/response/volume/messages.py (format checks aside)
MESSAGE = {
    "type": "object",
    "properties": {
        "request_id": {"type": "string"}, "message_level": {"type": "string"},
        "links": {"type": "array"}, "event_id": {"type": "string"},
        "created_at": {"type": "string"}, "guaranteed_until": {"type": "string"},
        "resource_uuid": {"type": "string"}, "id": {"type": "string"},
        "resource_type": {"type": "string"}, "user_message": {"type": "string"}},
    "additionalProperties": False,
    "required": ["request_id", "message_level", "event_id", "created_at", "id",
                 "user_message"]}
SHOW = {"type": "object", "properties": {"message": MESSAGE}, "additionalProperties": False,
        "required": ["message"]}
LIST = {"type": "object", "properties": {"messages": {"type": "array", "items": MESSAGE}},
        "additionalProperties": False, "required": ["messages"]}


class Cinder:
    def __init__(self, api: Api, token: str):
        self.api, self.token = api, token
        r = api.client.get("/identity/v3/auth/tokens", headers={
            "X-Auth-Token": token, "X-Subject-Token": token})
        self.project = r.json()["token"]["project"]["id"]

    def __call__(self, method: str, path: str, body: Any = None, **headers: str
                 ) -> httpx.Response:
        return self.api.client.request(method, f"/volume/v3/{self.project}{path}", json=body,
                                       headers={"X-Auth-Token": self.token, **LATEST,
                                                **headers})


@pytest.fixture
def admin(api: Api) -> Cinder:
    return Cinder(api, api.admin())


@pytest.fixture
def demo(api: Api) -> Cinder:
    return Cinder(api, api.token("demo", DEMO_PASSWORD, "demo"))


def _type(admin: Cinder, name: str, specs: dict[str, str]) -> str:
    r = admin("POST", "/types", {"volume_type": {"name": name, "extra_specs": specs}})
    assert r.status_code == 200, r.text
    return str(r.json()["volume_type"]["id"])


def _volume(c: Cinder, vtype: str) -> tuple[str, httpx.Response]:
    r = c("POST", "/volumes", {"volume": {"size": 1, "volume_type": vtype}})
    assert r.status_code == 202, r.text
    assert r.json()["volume"]["status"] == "creating"
    return str(r.json()["volume"]["id"]), r


def _status(c: Cinder, vid: str) -> str:
    return str(c("GET", f"/volumes/{vid}").json()["volume"]["status"])


# --- the filter (cinder/scheduler/filters/extra_specs_ops.py, capabilities_filter.py) ---

@pytest.mark.parametrize(("value", "req", "ok"), [
    ("file", "file", True), ("file", "iSCSI", False), (True, "<is> True", True),
    (False, "<is> True", False), (True, "<is> False", False), (10.5, ">= 10", True),
    (10.5, "<= 10", False), (10, "= 10", True), (10, "== 10", True), (10, "!= 10", False),
    ("abc", "<in> b", True), ("abc", "<in> z", False), ("file", "<or> nfs <or> file", True),
    ("file", "<or> nfs <or> lvm", False), ("b", "s< c", True), ("b", "s>= c", False),
    ("x", ">= 1", False), (None, "<is> True", False), (None, None, True),
])
def test_extra_specs_ops_as_cinder(value: Any, req: str | None, ok: bool) -> None:
    assert scheduler.match(value, req) is ok


def test_capabilities_filter_rules() -> None:
    caps = scheduler.capabilities()
    assert scheduler.satisfies({}, caps)
    assert scheduler.satisfies({"storage_protocol": "file", "vendor_name": "Open Source"}, caps)
    assert scheduler.satisfies({"capabilities:thin_provisioning_support": "<is> True"}, caps)
    assert scheduler.satisfies({"vendor:anything": "x", "RESKEY:availability_zones": "az"},
                               caps)  # other scopes are ignored
    assert not scheduler.satisfies({"storage_protocol": "iSCSI"}, caps)
    assert not scheduler.satisfies({"no_such_capability": "1"}, caps)  # unscoped: must exist
    assert not scheduler.satisfies({"multiattach": "<is> True"}, caps)
    assert not scheduler.satisfies({"capabilities:volume_backend_name": "lvm"}, caps)


# --- a volume no backend takes --------------------------------------------------------

def test_a_type_no_backend_matches_makes_an_error_volume_and_a_message(
        admin: Cinder, demo: Cinder) -> None:
    bogus = _type(admin, "bogus", {"storage_protocol": "tempest", "vendor_name": "nobody"})
    vid, r = _volume(admin, bogus)
    assert r.headers["x-openstack-request-id"].startswith("req-")
    assert _status(admin, vid) == "error"
    listed = admin("GET", "/messages")
    assert listed.status_code == 200
    jsonschema.validate(listed.json(), LIST)
    (msg,) = [m for m in listed.json()["messages"] if m.get("resource_uuid") == vid]
    assert msg["event_id"] == "VOLUME_VOLUME_001_003"
    assert msg["user_message"] == ("schedule allocate volume:Could not find any available "
                                   "weighted backend.")
    assert (msg["message_level"], msg["resource_type"]) == ("ERROR", "VOLUME")
    assert msg["request_id"] == r.headers["x-openstack-request-id"]
    shown = admin("GET", f"/messages/{msg['id']}")
    jsonschema.validate(shown.json(), SHOW)
    assert shown.json()["message"] == msg
    # another project's message: 404 (show and delete), absent from its list
    assert demo("GET", f"/messages/{msg['id']}").status_code == 404
    assert demo("DELETE", f"/messages/{msg['id']}").status_code == 404
    assert demo("GET", "/messages").json()["messages"] == []
    # before 3.3 there is no such API
    assert admin("GET", "/messages", **{"OpenStack-API-Version": "volume 3.2"}
                 ).status_code == 404
    assert admin("DELETE", f"/messages/{msg['id']}").status_code == 204
    assert admin("GET", f"/messages/{msg['id']}").status_code == 404


def test_a_matching_type_and_ignored_scopes_make_the_volume(admin: Cinder) -> None:
    good = _type(admin, "good", {"storage_protocol": "file", "vendor_name": "Open Source",
                                 "capabilities:thin_provisioning_support": "<is> True",
                                 "volume_backend_name": "file", "acme:tier": "gold"})
    vid, _ = _volume(admin, good)
    assert _status(admin, vid) == "available"
    assert admin("GET", "/messages").json()["messages"] == []


def test_a_members_messages_filters_sort_and_paging(admin: Cinder, demo: Cinder) -> None:
    bogus = _type(admin, "bogus", {"storage_protocol": "nope"})
    vids = [_volume(demo, bogus)[0] for _ in range(3)]
    assert [_status(demo, v) for v in vids] == ["error"] * 3
    ms = demo("GET", "/messages").json()["messages"]
    assert len(ms) == 3
    one = demo("GET", f"/messages?resource_uuid={vids[1]}").json()["messages"]
    assert [m["resource_uuid"] for m in one] == [vids[1]]
    assert demo("GET", "/messages?event_id=VOLUME_VOLUME_001_003").json()["messages"]
    assert demo("GET", "/messages?resource_uuid~=" + vids[2][:8]).json()["messages"]
    # a filter outside resource_filters.json: a member's 400 from 3.31
    r = demo("GET", "/messages?project_id=x")
    assert r.status_code == 400 and "Invalid filters" in r.text
    assert demo("GET", "/messages?project_id=x", **{"OpenStack-API-Version": "volume 3.30"}
                ).json()["messages"] == []  # before: a column filter that matches nothing
    page = demo("GET", "/messages?limit=2&sort=created_at:asc").json()
    assert len(page["messages"]) == 2 and "messages_links" in page
    rest = demo("GET", f"/messages?limit=2&sort=created_at:asc&marker="
                       f"{page['messages'][-1]['id']}").json()["messages"]
    assert len(rest) == 1
    assert demo("GET", "/messages?sort=bogus").status_code == 400
    assert demo("GET", "/messages?marker=nope").status_code == 404
    # the admin sees them with all_tenants, not in its own project's list
    assert admin("GET", "/messages").json()["messages"] == []
    assert len(admin("GET", "/messages?all_tenants=1").json()["messages"]) == 3
    # from a member all_tenants is ignored (Cinder's special case of reject_invalid_filters)
    assert len(demo("GET", "/messages?all_tenants=1").json()["messages"]) == 3
    mid = ms[0]["id"]
    assert demo("DELETE", f"/messages/{mid}").status_code == 204


def test_messages_expire_and_go_at_start(make_api: MakeApi) -> None:
    api = make_api()
    admin = Cinder(api, api.admin())
    vid, _ = _volume(admin, _type(admin, "bogus", {"storage_protocol": "nope"}))
    (msg,) = admin("GET", "/messages").json()["messages"]
    api.clock.advance(TTL + 1)
    admin = Cinder(api, api.admin())  # (the old token has expired too)
    assert admin("GET", "/messages").json()["messages"] == []
    assert admin("GET", f"/messages/{msg['id']}").status_code == 404
    again = make_api()  # a restart removes the expired rows
    with again.deps.sessions() as db:
        assert db.get(VolumeMessage, msg["id"]) is None
