"""Volume transfers and image metadata actions, in process over the fake storage: what
Cinder answers (cinder/transfer/api.py, cinder/api/contrib/volume_transfer.py,
volume_image_metadata.py) and what the rows hold after."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cheptel.volume.models import VolumeTransfer
from tests.unit.conftest import Api, FakeClock
from tests.unit.test_volume_api import Cinder, admin, demo

__all__ = ["admin", "demo"]  # the fixtures, shared with test_volume_api

V355 = {"OpenStack-API-Version": "volume 3.55"}
V30 = {"OpenStack-API-Version": "volume 3.0"}


@pytest.fixture
def alt(api: Api, admin: Cinder) -> Cinder:
    """A member of another project."""
    h = {"X-Auth-Token": admin.token}
    project = api.client.post("/identity/v3/projects", headers=h, json={"project": {
        "name": "alt"}}).json()["project"]["id"]
    user = api.client.post("/identity/v3/users", headers=h, json={"user": {
        "name": "alt", "password": "alt-secret-1", "default_project_id": project}}
    ).json()["user"]["id"]
    member = api.client.get("/identity/v3/roles?name=member", headers=h).json()[
        "roles"][0]["id"]
    api.client.put(f"/identity/v3/projects/{project}/users/{user}/roles/{member}", headers=h)
    return Cinder(api, api.token("alt", "alt-secret-1", "alt"))


def offer(c: Cinder, volume_id: str, path: str = "/os-volume-transfer",
          **fields: Any) -> dict[str, Any]:
    r = c("POST", path, {"transfer": {"volume_id": volume_id, **fields}})
    assert r.status_code == 202, r.text
    return r.json()["transfer"]


def status(c: Cinder, volume_id: str) -> str:
    return str(c("GET", f"/volumes/{volume_id}").json()["volume"]["status"])


def test_create_shows_the_key_once_and_keeps_only_a_salted_hash(api: Api,
                                                                 demo: Cinder) -> None:
    v = demo.create()
    t = offer(demo, v["id"], name="  gift  ")
    assert t["name"] == "gift" and t["volume_id"] == v["id"]
    assert len(t["auth_key"]) == 16 and int(t["auth_key"], 16) >= 0
    assert t["links"][0]["href"].endswith(f"/os-volume-transfer/{t['id']}")
    # 3.71: no_snapshots (3.55) and the history (3.57)
    assert (t["no_snapshots"], t["accepted"], t["destination_project_id"]) == (
        False, False, None)
    assert t["source_project_id"] == demo.project
    assert status(demo, v["id"]) == "awaiting-transfer"
    shown = demo("GET", f"/os-volume-transfer/{t['id']}").json()["transfer"]
    assert "auth_key" not in shown and shown["created_at"] == t["created_at"]
    with api.deps.sessions() as db:
        row = db.scalars(select(VolumeTransfer)).one()
        assert t["auth_key"] not in (row.salt, row.crypt_hash)
        assert row.salt and len(row.crypt_hash) == 64


def test_views_follow_the_microversion(demo: Cinder) -> None:
    v = demo.create()
    t = demo("POST", "/os-volume-transfer", {"transfer": {"volume_id": v["id"]}},
             **V30).json()["transfer"]
    assert set(t) == {"id", "created_at", "name", "volume_id", "auth_key", "links"}
    shown = demo("GET", f"/volume-transfers/{t['id']}", **V355).json()["transfer"]
    assert set(shown) == {"id", "created_at", "name", "volume_id", "links", "no_snapshots"}
    listed = demo("GET", "/os-volume-transfer").json()["transfers"]
    assert [set(x) for x in listed] == [{"id", "volume_id", "name", "links"}]


def test_only_an_available_volume_is_offered(demo: Cinder, admin: Cinder) -> None:
    v = demo.create()
    admin("POST", f"/volumes/{v['id']}/action", {"os-reset_status": {"status": "error"}},
          project=admin.project)
    r = demo("POST", "/os-volume-transfer", {"transfer": {"volume_id": v["id"]}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Invalid volume: status must be available"
    w = demo.create()
    offer(demo, w["id"])
    r = demo("POST", "/os-volume-transfer", {"transfer": {"volume_id": w["id"]}})
    assert r.status_code == 400  # already awaiting its transfer
    r = demo("DELETE", f"/volumes/{w['id']}")
    assert r.status_code == 400  # not deletable while awaiting


def test_snapshots_must_be_available_unless_left_behind(demo: Cinder, admin: Cinder) -> None:
    v = demo.create()
    s = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}}).json()["snapshot"]
    admin("POST", f"/snapshots/{s['id']}/action", {"os-reset_status": {"status": "error"}},
          project=admin.project)
    r = demo("POST", "/volume-transfers", {"transfer": {"volume_id": v["id"]}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == (
        f"Invalid snapshot: snapshot: {s['id']} status must be available")
    t = offer(demo, v["id"], "/volume-transfers", no_snapshots=True)
    assert t["no_snapshots"] is True
    # no_snapshots is the v3 path's from 3.55 only, never the legacy one's
    w = demo.create()
    for path, headers in (("/os-volume-transfer", {}), ("/volume-transfers", V30)):
        r = demo("POST", path, {"transfer": {"volume_id": w["id"], "no_snapshots": True}},
                 **headers)
        assert r.status_code == 400, (path, r.text)


def test_accept_moves_the_volume_and_its_snapshots(api: Api, demo: Cinder, alt: Cinder,
                                                   admin: Cinder) -> None:
    v = demo.create(2)
    s = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}}).json()["snapshot"]
    t = offer(demo, v["id"], "/volume-transfers", name="gift")
    # the accepter cannot list or show it: only the offering project can
    assert alt("GET", f"/volume-transfers/{t['id']}").status_code == 404
    assert alt("GET", "/volume-transfers").json()["transfers"] == []
    assert alt("DELETE", f"/volume-transfers/{t['id']}").status_code == 404
    before = admin("GET", f"/os-quota-sets/{alt.project}?usage=True",
                   project=admin.project).json()["quota_set"]
    r = alt("POST", f"/volume-transfers/{t['id']}/accept", {"accept": {"auth_key": "0" * 16}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        f"Invalid auth key: Attempt to transfer {t['id']} with invalid auth key.")
    r = alt("POST", f"/volume-transfers/{t['id']}/accept",
            {"accept": {"auth_key": t["auth_key"]}})
    assert r.status_code == 202, r.text
    assert r.json()["transfer"]["name"] == "gift" and set(r.json()["transfer"]) == {
        "id", "name", "volume_id", "links"}
    mine = alt("GET", f"/volumes/{v['id']}").json()["volume"]
    assert mine["status"] == "available"
    assert mine["os-vol-tenant-attr:tenant_id"] == alt.project
    assert demo("GET", f"/volumes/{v['id']}").status_code == 404
    snap = alt("GET", f"/snapshots/{s['id']}").json()["snapshot"]
    assert snap["os-extended-snapshot-attributes:project_id"] == alt.project
    after = admin("GET", f"/os-quota-sets/{alt.project}?usage=True",
                  project=admin.project).json()["quota_set"]
    assert after["volumes"]["in_use"] == before["volumes"]["in_use"] + 1
    assert after["gigabytes"]["in_use"] == before["gigabytes"]["in_use"] + 4
    assert after["snapshots"]["in_use"] == before["snapshots"]["in_use"] + 1
    # the transfer is gone
    assert demo("GET", f"/volume-transfers/{t['id']}").status_code == 404
    r = alt("POST", f"/volume-transfers/{t['id']}/accept",
            {"accept": {"auth_key": t["auth_key"]}})
    assert r.status_code == 404


def test_no_snapshots_leaves_them_with_the_giver(demo: Cinder, alt: Cinder) -> None:
    v = demo.create()
    s = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}}).json()["snapshot"]
    t = offer(demo, v["id"], "/volume-transfers", no_snapshots=True)
    r = alt("POST", f"/os-volume-transfer/{t['id']}/accept",
            {"accept": {"auth_key": t["auth_key"]}})
    assert r.status_code == 202, r.text
    assert alt("GET", f"/volumes/{v['id']}").status_code == 200
    assert demo("GET", f"/snapshots/{s['id']}").status_code == 200


def test_accept_checks_the_receivers_quotas(demo: Cinder, alt: Cinder,
                                            admin: Cinder) -> None:
    v = demo.create(3)
    demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}})
    t = offer(demo, v["id"])
    body = {"accept": {"auth_key": t["auth_key"]}}
    for limits, word in (({"gigabytes": 2}, "gigabytes"), ({"volumes": 0}, "volumes"),
                         ({"per_volume_gigabytes": 1}, "VolumeSizeExceedsLimit"),
                         ({"snapshots": 0}, "SnapshotLimitExceeded"),
                         ({"gigabytes": 5}, "gigabytes")):
        admin("DELETE", f"/os-quota-sets/{alt.project}", project=admin.project)
        r = admin("PUT", f"/os-quota-sets/{alt.project}", {"quota_set": limits},
                  project=admin.project)
        assert r.status_code == 200, r.text
        r = alt("POST", f"/os-volume-transfer/{t['id']}/accept", body)
        assert r.status_code == 413, (limits, r.text)
        assert word in r.json()["overLimit"]["message"], (limits, r.text)
        assert status(demo, v["id"]) == "awaiting-transfer"
    admin("DELETE", f"/os-quota-sets/{alt.project}", project=admin.project)
    assert alt("POST", f"/os-volume-transfer/{t['id']}/accept", body).status_code == 202


def test_delete_gives_the_volume_back(demo: Cinder, admin: Cinder) -> None:
    v = demo.create()
    t = offer(demo, v["id"])
    r = demo("DELETE", f"/os-volume-transfer/{t['id']}")
    assert r.status_code == 202
    assert status(demo, v["id"]) == "available"
    assert demo("GET", f"/os-volume-transfer/{t['id']}").status_code == 404
    # a volume reset out of awaiting-transfer cannot be accepted any more
    t = offer(demo, v["id"])
    admin("POST", f"/volumes/{v['id']}/action", {"os-reset_status": {"status": "available"}},
          project=admin.project)
    r = admin("POST", f"/os-volume-transfer/{t['id']}/accept",
              {"accept": {"auth_key": t["auth_key"]}}, project=admin.project)
    assert r.status_code == 400 and "expected in awaiting-transfer state" in r.text


def test_a_force_deleted_volume_takes_its_transfer(demo: Cinder, admin: Cinder) -> None:
    v = demo.create()
    t = offer(demo, v["id"])
    r = admin("POST", f"/volumes/{v['id']}/action", {"os-force_delete": {}},
              project=admin.project)
    assert r.status_code == 202
    assert demo("GET", f"/os-volume-transfer/{t['id']}").status_code == 404


def test_listing_filters_and_pages(demo: Cinder, admin: Cinder, clock: FakeClock) -> None:
    ids = []
    for i in range(3):  # one a second: the order is created_at's
        ids.append(offer(demo, demo.create()["id"], name=f"t{i}")["id"])
        clock.advance(1)
    listed = demo("GET", "/os-volume-transfer").json()["transfers"]
    assert [t["id"] for t in listed] == ids  # created_at, id ascending
    assert [t["name"] for t in demo("GET", "/os-volume-transfer?name=t1").json()[
        "transfers"]] == ["t1"]
    assert demo("GET", "/os-volume-transfer?bogus=1").json()["transfers"] == []
    page = demo("GET", "/volume-transfers/detail?limit=2",
                **{"OpenStack-API-Version": "volume 3.59"}).json()
    assert [t["id"] for t in page["transfers"]] == ids[::-1][:2]  # created_at desc
    assert "marker=" in page["transfers_links"][0]["href"]
    nxt = demo("GET", f"/volume-transfers?limit=2&marker={ids[1]}",
               **{"OpenStack-API-Version": "volume 3.59"}).json()
    assert [t["id"] for t in nxt["transfers"]] == [ids[0]]
    # the admin sees every project's with all_tenants only
    assert admin("GET", "/os-volume-transfer", project=admin.project).json()[
        "transfers"] == []
    every = admin("GET", "/os-volume-transfer?all_tenants=1", project=admin.project)
    assert len(every.json()["transfers"]) == 3


def test_bad_bodies(demo: Cinder) -> None:
    v = demo.create()
    for body in ({"transfer": {}}, {"transfer": {"volume_id": "nope"}},
                 {"transfer": {"volume_id": v["id"], "name": "   "}},
                 {"transfer": {"volume_id": v["id"], "extra": 1}}, {}):
        r = demo("POST", "/os-volume-transfer", body)
        assert r.status_code == 400, (body, r.text)
    r = demo("POST", "/os-volume-transfer",
             {"transfer": {"volume_id": "5b0e6a55-0f6e-4d7c-9e43-2d4c1a6f0e11"}})
    assert r.status_code == 404
    assert status(demo, v["id"]) == "available"
    t = offer(demo, v["id"])
    for body in ({}, {"accept": {}}, {"accept": {"auth_key": None}}):
        r = demo("POST", f"/os-volume-transfer/{t['id']}/accept", body)
        assert r.status_code == 400, (body, r.text)


# --- image metadata actions --------------------------------------------------------

def action(c: Cinder, volume_id: str, body: Any) -> Any:
    return c("POST", f"/volumes/{volume_id}/action", body)


def test_image_metadata_set_show_unset(demo: Cinder) -> None:
    v = demo.create()
    assert "volume_image_metadata" not in demo("GET", f"/volumes/{v['id']}").json()["volume"]
    r = action(demo, v["id"], {"os-show_image_metadata": None})
    assert r.status_code == 200 and r.json() == {"metadata": {}}
    r = action(demo, v["id"], {"os-set_image_metadata": {"metadata": {
        "image_id": "i", "ramdisk_id": "r"}}})
    assert r.status_code == 200 and r.json() == {"metadata": {"image_id": "i",
                                                              "ramdisk_id": "r"}}
    r = action(demo, v["id"], {"os-set_image_metadata": {"metadata": {"image_id": "j"}}})
    assert r.json()["metadata"] == {"image_id": "j", "ramdisk_id": "r"}
    shown = demo("GET", f"/volumes/{v['id']}").json()["volume"]
    assert shown["volume_image_metadata"] == {"image_id": "j", "ramdisk_id": "r"}
    r = action(demo, v["id"], {"os-unset_image_metadata": {"key": "ramdisk_id"}})
    assert r.status_code == 200 and r.content == b""
    r = action(demo, v["id"], {"os-unset_image_metadata": {"key": "ramdisk_id"}})
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == (
        f"Glance metadata for volume/snapshot {v['id']} cannot be found.")
    action(demo, v["id"], {"os-unset_image_metadata": {"key": "image_id"}})
    assert "volume_image_metadata" not in demo("GET", f"/volumes/{v['id']}").json()["volume"]


def test_image_metadata_bad_input_and_status(demo: Cinder, admin: Cinder) -> None:
    v = demo.create()
    for body in ({"os-set_image_metadata": {}}, {"os-set_image_metadata": {"metadata": {
            "k": 1}}}, {"os-set_image_metadata": {"metadata": {"bad key!": "v"}}},
            {"os-unset_image_metadata": {"key": ""}}, {"os-unset_image_metadata": {}}):
        assert action(demo, v["id"], body).status_code == 400, body
    admin("POST", f"/volumes/{v['id']}/action", {"os-reset_status": {
        "status": "maintenance"}}, project=admin.project)
    r = action(demo, v["id"], {"os-set_image_metadata": {"metadata": {"k": "v"}}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: Updating volume metadata is not allowed for volumes in "
        "maintenance status.")
