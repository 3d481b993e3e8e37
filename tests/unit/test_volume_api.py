"""Cinder v3 in process, over the fake volume storage: what the API answers and what
the storage holds after it (tests/integration/volume drives the real one)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cheptel.backends.fake_blocks import FakeBlockStore
from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Api

LATEST = {"OpenStack-API-Version": "volume 3.71"}


class Cinder:
    def __init__(self, api: Api, token: str):
        self.api, self.token = api, token
        r = api.client.get("/identity/v3/auth/tokens", headers={
            "X-Auth-Token": token, "X-Subject-Token": token})
        self.project = r.json()["token"]["project"]["id"]

    def __call__(self, method: str, path: str, body: Any = None, project: str | None = None,
                 **headers: str) -> httpx.Response:
        url = f"/volume/v3/{project or self.project}{path}"
        return self.api.client.request(method, url, json=body, headers={
            "X-Auth-Token": self.token, **LATEST, **headers})

    def create(self, size: int = 1, **fields: Any) -> dict:
        r = self("POST", "/volumes", {"volume": {"size": size, **fields}})
        assert r.status_code == 202, r.text
        return r.json()["volume"]


@pytest.fixture
def admin(api: Api) -> Cinder:
    return Cinder(api, api.admin())


@pytest.fixture
def demo(api: Api) -> Cinder:
    return Cinder(api, api.token("demo", DEMO_PASSWORD, "demo"))


def blocks(api: Api) -> FakeBlockStore:
    assert isinstance(api.deps.blocks, FakeBlockStore)
    return api.deps.blocks


def test_discovery_lists_v3_with_its_microversion_range(api: Api) -> None:
    r = api.client.get("/volume/")
    assert r.status_code == 300
    (v3,) = r.json()["versions"]
    assert (v3["id"], v3["min_version"], v3["version"]) == ("v3.0", "3.0", "3.71")
    assert api.client.get("/volume/v3/").json()["versions"][0]["status"] == "CURRENT"


def test_microversions_are_negotiated_and_echoed(demo: Cinder) -> None:
    r = demo("GET", "/volumes", **{"OpenStack-API-Version": "volume 3.10"})
    assert r.headers["OpenStack-API-Version"] == "volume 3.10"
    r = demo("GET", "/volumes", **{"OpenStack-API-Version": "volume 3.72"})
    assert r.status_code == 406 and r.json()["notAcceptable"]["code"] == 406
    r = demo("GET", "/volumes", **{"OpenStack-API-Version": "volume 3.x"})
    assert r.status_code == 400 and "badRequest" in r.json()
    r = demo("GET", "/volumes", **{"OpenStack-API-Version": "volume latest"})
    assert r.headers["OpenStack-API-Version"] == "volume 3.71"


def test_create_makes_the_storage_then_says_available(api: Api, demo: Cinder) -> None:
    v = demo.create(2, name="data", description="d", metadata={"k": "v"})
    assert v["status"] == "creating" and v["volume_type"] == "__DEFAULT__"
    shown = demo("GET", f"/volumes/{v['id']}").json()["volume"]
    assert shown["status"] == "available" and shown["metadata"] == {"k": "v"}
    assert shown["bootable"] == "false" and shown["attachments"] == []
    assert blocks(api).volumes == {v["id"]: 2}


def test_a_failed_creation_is_an_error_volume_that_can_be_deleted(api: Api,
                                                                   demo: Cinder) -> None:
    blocks(api).fail["create"] = "mkfs.ext4 failed: no space"
    v = demo.create()
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "error"
    del blocks(api).fail["create"]
    assert demo("DELETE", f"/volumes/{v['id']}").status_code == 202
    assert demo("GET", f"/volumes/{v['id']}").status_code == 404


def test_delete_removes_storage_and_row(api: Api, demo: Cinder) -> None:
    v = demo.create()
    assert demo("DELETE", f"/volumes/{v['id']}").status_code == 202
    assert blocks(api).volumes == {}
    r = demo("GET", f"/volumes/{v['id']}")
    assert r.status_code == 404 and "itemNotFound" in r.json()


def test_delete_is_refused_while_in_use_and_a_backend_failure_is_error_deleting(
        api: Api, admin: Cinder, demo: Cinder) -> None:
    v = demo.create()
    path = f"/volumes/{v['id']}"
    # the admin's URL must name the admin's own project: Cinder's "Malformed request url"
    r = admin("POST", path + "/action", {"os-reset_status": {"status": "in-use"}},
              project=demo.project)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == \
        "Malformed request url"
    r = admin("POST", path + "/action", {"os-reset_status": {"status": "in-use"}})
    assert r.status_code == 400 and "does not have any attachments" in r.text
    assert demo("POST", path + "/action", {"os-attach": {
        "host_name": "elsewhere", "mountpoint": "/dev/vdb"}}).status_code == 202
    r = demo("DELETE", path)
    assert r.status_code == 400 and "in-use" in r.json()["badRequest"]["message"]
    assert demo("GET", path).json()["volume"]["status"] == "in-use"
    assert demo("POST", path + "/action", {"os-detach": {}}).status_code == 202
    blocks(api).fail["delete"] = "busy"
    assert demo("DELETE", path).status_code == 202
    assert demo("GET", path).json()["volume"]["status"] == "error_deleting"
    assert v["id"] in blocks(api).volumes


def test_another_project_sees_a_404_and_its_url_is_malformed(admin: Cinder,
                                                              demo: Cinder) -> None:
    mine = admin.create(name="admins")
    assert demo("GET", f"/volumes/{mine['id']}").status_code == 404
    assert demo("PUT", f"/volumes/{mine['id']}", {"volume": {"name": "x"}}).status_code == 404
    assert demo("DELETE", f"/volumes/{mine['id']}").status_code == 404
    assert demo("GET", f"/volumes/{mine['id']}/metadata").status_code == 404
    assert demo("POST", f"/volumes/{mine['id']}/action",
                {"os-set_bootable": {"bootable": True}}).status_code == 404
    assert demo("GET", "/volumes/detail").json()["volumes"] == []
    r = demo("GET", "/volumes", project=admin.project)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "Malformed request url"
    # all_tenants is the admin's: a member asking for it still sees only its own
    assert demo("GET", "/volumes?all_tenants=1").json()["volumes"] == []
    demo.create(name="demos")
    every = admin("GET", "/volumes/detail?all_tenants=1").json()["volumes"]
    assert {v["name"] for v in every} >= {"admins", "demos"}
    assert {v["name"] for v in admin("GET", "/volumes").json()["volumes"]} == {"admins"}


def test_update_and_metadata(demo: Cinder) -> None:
    v = demo.create(metadata={"a": "1"})
    path = f"/volumes/{v['id']}"
    r = demo("PUT", path, {"volume": {"name": "n", "description": "d"}})
    assert r.status_code == 200 and r.json()["volume"]["name"] == "n"
    assert demo("POST", path + "/metadata", {"metadata": {"b": "2"}}).json() == {
        "metadata": {"a": "1", "b": "2"}}
    assert demo("PUT", path + "/metadata", {"metadata": {"c": "3"}}).json() == {
        "metadata": {"c": "3"}}
    assert demo("PUT", path + "/metadata/d", {"meta": {"d": "4"}}).status_code == 200
    assert demo("GET", path + "/metadata/d").json() == {"meta": {"d": "4"}}
    assert demo("PUT", path + "/metadata/d", {"meta": {"e": "4"}}).status_code == 400
    assert demo("DELETE", path + "/metadata/d").status_code == 200
    assert demo("GET", path + "/metadata/d").status_code == 404
    assert demo("DELETE", path + "/metadata/d").status_code == 404
    assert demo("GET", path + "/metadata").json() == {"metadata": {"c": "3"}}


def test_actions(api: Api, demo: Cinder) -> None:
    v = demo.create()
    act = f"/volumes/{v['id']}/action"
    assert demo("POST", act, {"os-extend": {"new_size": 3}}).status_code == 202
    assert blocks(api).volumes[v["id"]] == 3
    r = demo("POST", act, {"os-extend": {"new_size": 3}})
    assert r.status_code == 400 and "greater than current size" in r.text
    assert demo("POST", act, {"os-set_bootable": {"bootable": "true"}}).status_code == 200
    assert demo("POST", act, {"os-update_readonly_flag": {"readonly": True}}
                ).status_code == 202
    shown = demo("GET", f"/volumes/{v['id']}").json()["volume"]
    assert shown["size"] == 3 and shown["bootable"] == "true"
    assert shown["metadata"]["readonly"] == "True"
    r = demo("POST", act, {"os-reset_status": {"status": "error"}})
    assert r.status_code == 403 and "forbidden" in r.json()
    for bad in ({"os-nope": {}}, {"os-extend": {"new_size": "x"}}, {"os-extend": None},
                {"os-set_bootable": {"bootable": "maybe"}}, {}, [],
                {"os-force_delete": "x"}, {"os-force_delete": {"a": 1}},
                {"os-extend": {"new_size": 4}, "os-set_bootable": {"bootable": True}}):
        r = demo("POST", act, bad)
        assert r.status_code == 400 and "badRequest" in r.json(), bad
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["size"] == 3


def test_bad_create_bodies_make_nothing(api: Api, demo: Cinder) -> None:
    for body in ({"volume": {"size": 0}}, {"volume": {"size": "x"}}, {"volume": {}},
                 {"volume": {"size": 1, "bogus": 1}}, {"volume": {"size": 1,
                 "volume_type": "nope"}}, {"volume": {"size": 1, "availability_zone": "mars"}},
                 {"volume": {"size": 1, "snapshot_id": "abc"}}, {"volume": {"size": 1,
                 "metadata": {"k": 1}}}):
        r = demo("POST", "/volumes", body)
        assert 400 <= r.status_code < 500 and len(r.json()) == 1, (body, r.text)
    assert demo("GET", "/volumes").json()["volumes"] == [] and blocks(api).volumes == {}


def test_quotas_are_counted_from_the_rows(admin: Cinder, demo: Cinder) -> None:
    r = admin("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {
        "volumes": 2, "gigabytes": 5}})
    assert r.status_code == 200 and r.json()["quota_set"]["volumes"] == 2
    demo.create(2)
    demo.create(2)
    r = demo("POST", "/volumes", {"volume": {"size": 1}})
    assert r.status_code == 413 and "'volumes'" in r.json()["overLimit"]["message"]
    usage = demo("GET", f"/os-quota-sets/{demo.project}?usage=True").json()["quota_set"]
    assert usage["volumes"] == {"limit": 2, "in_use": 2, "reserved": 0, "allocated": 0}
    assert usage["gigabytes"]["in_use"] == 4
    absolute = demo("GET", "/limits").json()["limits"]["absolute"]
    assert absolute["totalVolumesUsed"] == 2 and absolute["maxTotalVolumeGigabytes"] == 5
    v = demo("GET", "/volumes").json()["volumes"][0]
    r = demo("POST", f"/volumes/{v['id']}/action", {"os-extend": {"new_size": 4}})
    assert r.status_code == 413 and "gigabytes" in r.json()["overLimit"]["message"]
    # a member may neither see another project's quotas nor set its own
    assert demo("GET", f"/os-quota-sets/{admin.project}").status_code == 403
    assert demo("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {
        "volumes": 50}}).status_code == 403
    assert admin("PUT", "/os-quota-sets/no-such-project", {"quota_set": {
        "volumes": 5}}).status_code == 404
    assert admin("DELETE", f"/os-quota-sets/{demo.project}").status_code == 200
    assert demo("GET", f"/os-quota-sets/{demo.project}").json()["quota_set"]["volumes"] == 10


def test_listing_filters_sort_and_pages(demo: Cinder) -> None:
    made = [demo.create(size, name=f"v{size}", metadata={"tier": "gold" if size % 2 else
                                                           "silver"})
            for size in (1, 2, 3, 4)]
    names = [v["name"] for v in demo("GET", "/volumes/detail?sort=size:asc").json()["volumes"]]
    assert names == ["v1", "v2", "v3", "v4"]
    q = "/volumes/detail?metadata=" + "{'tier':'gold'}"
    assert {v["name"] for v in demo("GET", q).json()["volumes"]} == {"v1", "v3"}
    assert [v["name"] for v in demo("GET", "/volumes?name=v2").json()["volumes"]] == ["v2"]
    page = demo("GET", "/volumes?sort_key=size&sort_dir=desc&limit=2").json()
    assert [v["name"] for v in page["volumes"]] == ["v4", "v3"]
    nxt = page["volumes_links"][0]["href"]
    assert "marker=" + made[2]["id"] in nxt
    rest = demo("GET", "/volumes?sort_key=size&sort_dir=desc&limit=2&marker="
                + made[2]["id"]).json()
    assert [v["name"] for v in rest["volumes"]] == ["v2", "v1"]
    # a full page links to the next one even when that one is empty, as Cinder
    last = demo("GET", "/volumes?" + rest["volumes_links"][0]["href"].split("?", 1)[1]).json()
    assert last["volumes"] == [] and "volumes_links" not in last
    assert demo("GET", "/volumes?with_count=true").json()["count"] == 4
    for bad in ("limit=-1", "limit=x", "sort=nope:asc", "sort=size:sideways",
                "marker=00000000-0000-0000-0000-000000000000", "bogus_filter=1",
                "sort=size&sort_key=size", "metadata=%5B1%5D"):
        r = demo("GET", f"/volumes?{bad}")
        assert r.status_code in (400, 404) and len(r.json()) == 1, bad


def test_volume_types(admin: Cinder, demo: Cinder) -> None:
    default = demo("GET", "/types/default").json()["volume_type"]
    assert default["name"] == "__DEFAULT__"
    r = admin("POST", "/types", {"volume_type": {"name": "fast", "extra_specs": {"a": "1"}}})
    assert r.status_code == 200
    fast = r.json()["volume_type"]
    assert admin("POST", "/types", {"volume_type": {"name": "fast"}}).status_code == 409
    assert demo("POST", "/types", {"volume_type": {"name": "x"}}).status_code == 403
    assert {t["name"] for t in demo("GET", "/types").json()["volume_types"]} == {
        "__DEFAULT__", "fast"}
    base = f"/types/{fast['id']}/extra_specs"
    assert admin("POST", base, {"extra_specs": {"b": "2"}}).json() == {
        "extra_specs": {"b": "2"}}  # Cinder answers with the body; the specs merge
    assert admin("GET", base).json()["extra_specs"] == {"a": "1", "b": "2"}
    assert admin("PUT", base + "/b", {"b": "3"}).json() == {"b": "3"}
    assert admin("GET", base + "/b").json() == {"b": "3"}
    assert admin("DELETE", base + "/b").status_code == 202
    assert admin("GET", base + "/b").status_code == 404
    v = demo.create(volume_type="fast")
    assert v["volume_type"] == "fast"
    r = admin("DELETE", f"/types/{fast['id']}")
    assert r.status_code == 400 and "in use" in r.json()["badRequest"]["message"]
    assert admin("DELETE", f"/types/{default['id']}").status_code == 400
    private = admin("POST", "/types", {"volume_type": {
        "name": "hidden", "os-volume-type-access:is_public": False}}).json()["volume_type"]
    assert demo("GET", f"/types/{private['id']}").status_code == 404
    assert demo("POST", "/volumes", {"volume": {"size": 1, "volume_type": "hidden"}}
                ).status_code == 404
    assert admin("PUT", f"/types/{private['id']}", {"volume_type": {"description": "d"}}
                 ).json()["volume_type"]["description"] == "d"
    assert admin("DELETE", f"/types/{private['id']}").status_code == 202


def test_availability_zones(demo: Cinder) -> None:
    assert demo("GET", "/os-availability-zone").json() == {"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": True}}]}


def test_a_token_of_no_project_gets_a_malformed_url_not_a_crash(api: Api, admin: Cinder
                                                               ) -> None:
    h = {"X-Auth-Token": admin.token}
    me = api.client.get("/identity/v3/auth/tokens", headers={
        **h, "X-Subject-Token": admin.token}).json()["token"]["user"]["id"]
    role = api.client.get("/identity/v3/roles?name=admin", headers=h).json()["roles"][0]["id"]
    r = api.client.put(f"/identity/v3/domains/default/users/{me}/roles/{role}", headers=h)
    assert r.status_code == 204
    r = api.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"id": me, "password": ADMIN_PASSWORD}}},
        "scope": {"domain": {"id": "default"}}}})
    domain_token = r.headers["X-Subject-Token"]
    for method, path, body in (("GET", "/volumes", None),
                               ("POST", "/volumes", {"volume": {"size": 1}}),
                               ("GET", "/limits", None)):
        r = api.client.request(method, f"/volume/v3/{admin.project}{path}", json=body,
                               headers={"X-Auth-Token": domain_token})
        assert r.status_code == 400 and r.json()["badRequest"]["message"] == \
            "Malformed request url", (path, r.text)
    assert blocks(api).volumes == {}


def test_retype_and_force_delete(api: Api, admin: Cinder, demo: Cinder) -> None:
    admin("POST", "/types", {"volume_type": {"name": "fast"}})
    v = demo.create()
    act = f"/volumes/{v['id']}/action"
    assert demo("POST", act, {"os-retype": {"new_type": "fast",
                                            "migration_policy": "never"}}).status_code == 202
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["volume_type"] == "fast"
    r = demo("POST", act, {"os-retype": {"new_type": "fast"}})
    assert r.status_code == 400 and "different" in r.json()["badRequest"]["message"]
    assert demo("POST", act, {"os-retype": {"new_type": "nope"}}).status_code == 404
    # a volume stuck in error_deleting: only the admin's force-delete removes it
    blocks(api).fail["delete"] = "busy"
    demo("DELETE", f"/volumes/{v['id']}")
    del blocks(api).fail["delete"]
    assert demo("DELETE", f"/volumes/{v['id']}").status_code == 400
    r = demo("POST", act, {"os-force_delete": {}})
    assert r.status_code == 403 and "forbidden" in r.json()
    assert admin("POST", act, {"os-force_delete": {}}).status_code == 202
    assert demo("GET", f"/volumes/{v['id']}").status_code == 404
    assert blocks(api).volumes == {}
