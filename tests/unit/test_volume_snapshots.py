"""Cinder v3 snapshots, and volumes made from a snapshot or a volume, in process over the
fake storage: what the API answers (Cinder's fields, statuses and messages) and what the
storage holds after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cheptel.backends.fake_blocks import FakeBlockStore
from cheptel.volume.models import Volume, VolumeSnapshot
from cheptel.volume.service import snapshots, types, volumes
from tests.unit.conftest import Api
from tests.unit.test_volume_api import Cinder, admin, blocks, demo

__all__ = ["admin", "demo"]  # the fixtures, shared with test_volume_api

V = {"OpenStack-API-Version": "volume 3.0"}
V365 = {"OpenStack-API-Version": "volume 3.65"}
BASE_FIELDS = {"id", "created_at", "updated_at", "name", "description", "volume_id",
               "status", "size", "metadata"}
EXTENDED = {"os-extended-snapshot-attributes:project_id",
            "os-extended-snapshot-attributes:progress"}


def snap(c: Cinder, volume_id: str, **fields: Any) -> dict[str, Any]:
    r = c("POST", "/snapshots", {"snapshot": {"volume_id": volume_id, **fields}})
    assert r.status_code == 202, r.text
    return dict(r.json()["snapshot"])


def test_create_copies_the_volume_then_says_available(api: Api, demo: Cinder) -> None:
    v = demo.create(2)
    s = snap(demo, v["id"], name="s1", description="d", metadata={"k": "v"})
    assert s["status"] == "creating" and s["size"] == 2 and s["volume_id"] == v["id"]
    # create answers the detail view without the extension's attributes
    assert set(s) == BASE_FIELDS | {"group_snapshot_id", "user_id", "consumes_quota"}
    shown = demo("GET", f"/snapshots/{s['id']}").json()["snapshot"]
    assert shown["status"] == "available" and shown["metadata"] == {"k": "v"}
    assert shown["os-extended-snapshot-attributes:progress"] == "100%"
    assert shown["os-extended-snapshot-attributes:project_id"] == demo.project
    assert blocks(api).snapshots == {s["id"]: 2}
    assert blocks(api).freezes == []  # a detached volume is not frozen


def test_fields_follow_the_microversion(demo: Cinder) -> None:
    v = demo.create()
    s = snap(demo, v["id"])
    old = demo("GET", f"/snapshots/{s['id']}", **V).json()["snapshot"]
    assert set(old) == BASE_FIELDS | EXTENDED
    at = {"3.14": {"group_snapshot_id"}, "3.41": {"group_snapshot_id", "user_id"},
          "3.65": {"group_snapshot_id", "user_id", "consumes_quota"}}
    for version, extra in at.items():
        doc = demo("GET", f"/snapshots/{s['id']}",
                   **{"OpenStack-API-Version": f"volume {version}"}).json()["snapshot"]
        assert set(doc) == BASE_FIELDS | EXTENDED | extra, version
    # the summary list has the base fields only, the detailed one the extension's too
    (listed,) = demo("GET", "/snapshots").json()["snapshots"]
    assert set(listed) == BASE_FIELDS
    (detailed,) = demo("GET", "/snapshots/detail", **V).json()["snapshots"]
    assert set(detailed) == BASE_FIELDS | EXTENDED


def test_an_in_use_volume_needs_force_before_3_66(admin: Cinder, demo: Cinder) -> None:
    v = demo.create()
    assert demo("POST", f"/volumes/{v['id']}/action", {  # in-use: attached to a host
        "os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}}).status_code == 202
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "in-use"
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}}, **V365)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        f"Invalid volume: Volume {v['id']} status must be available, but current status "
        f"is: in-use.")
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"], "force": "true"}},
             **V365)
    assert r.status_code == 202
    assert snap(demo, v["id"])["status"] == "creating"  # 3.66 and later: no force needed
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"], "force": False}})
    assert r.status_code == 400 and "'force' flag is invalid" in r.text
    assert snap(demo, v["id"], force=True)["status"] == "creating"  # True: ignored


def test_a_volume_in_error_or_creating_cannot_be_snapshotted(api: Api, demo: Cinder) -> None:
    blocks(api).fail["create"] = "no space"
    v = demo.create()
    del blocks(api).fail["create"]
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"], "force": True}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: The snapshot cannot be created when the volume is in error "
        "status.")
    missing = "00000000-0000-0000-0000-000000000000"
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": missing}})
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == (
        f"Volume {missing} could not be found.")


def test_a_failed_copy_is_an_error_snapshot_that_can_be_deleted(api: Api,
                                                                 demo: Cinder) -> None:
    v = demo.create()
    blocks(api).fail["snapshot"] = "cp failed: no space"
    s = snap(demo, v["id"])
    del blocks(api).fail["snapshot"]
    assert demo("GET", f"/snapshots/{s['id']}").json()["snapshot"]["status"] == "error"
    blocks(api).fail["delete_snapshot"] = "busy"
    assert demo("DELETE", f"/snapshots/{s['id']}").status_code == 202
    assert demo("GET", f"/snapshots/{s['id']}").json()["snapshot"]["status"] == \
        "error_deleting"
    r = demo("DELETE", f"/snapshots/{s['id']}")
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid snapshot: Snapshot status must be available or error and must not be "
        "part of a group.")
    del blocks(api).fail["delete_snapshot"]


def test_update_delete_and_another_projects_404(api: Api, admin: Cinder,
                                                demo: Cinder) -> None:
    v = demo.create()
    s = snap(demo, v["id"], name="a")
    path = f"/snapshots/{s['id']}"
    r = demo("PUT", path, {"snapshot": {"name": "b", "description": "new"}}, **V)
    assert r.status_code == 200 and set(r.json()["snapshot"]) == BASE_FIELDS
    assert r.json()["snapshot"]["name"] == "b"
    assert demo("GET", path).json()["snapshot"]["description"] == "new"
    for bad in ({"snapshot": {}}, {"snapshot": {"size": 2}}, {"snapshot": {"name": 1}},
                {}, [], {"snapshot": None}):
        r = demo("PUT", path, bad)
        assert r.status_code == 400 and "badRequest" in r.json(), bad
    theirs = admin.create()
    their_snap = snap(admin, theirs["id"])
    for method, where in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/metadata")):
        r = demo(method, f"/snapshots/{their_snap['id']}{where}",
                 {"snapshot": {"name": "x"}} if method == "PUT" else None)
        assert r.status_code == 404 and "itemNotFound" in r.json(), (method, where)
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": theirs["id"]}})
    assert r.status_code == 404
    assert demo("DELETE", path).status_code == 202
    assert demo("GET", path).status_code == 404 and blocks(api).snapshots.keys() == {
        their_snap["id"]}


def test_list_filters_paging_and_all_tenants(admin: Cinder, demo: Cinder) -> None:
    v1, v2 = demo.create(), demo.create(2)
    made = [snap(demo, v1["id"], name="a", metadata={"tier": "gold"}),
            snap(demo, v1["id"], name="b"), snap(demo, v2["id"], name="c")]
    snap(admin, admin.create()["id"], name="theirs")

    def names(query: str, kind: str = "/snapshots") -> list[str]:
        r = demo("GET", f"{kind}?{query}")
        assert r.status_code == 200, r.text
        return [s["name"] for s in r.json()["snapshots"]]

    assert names("sort=name:asc") == ["a", "b", "c"]
    assert names(f"volume_id={v1['id']}&sort=name") == ["b", "a"]
    assert names("name=c") == ["c"] and names("status=available&sort=name:asc") == [
        "a", "b", "c"]
    assert names("metadata={'tier': 'gold'}") == ["a"]
    assert names("sort_key=size&sort_dir=desc&limit=1") == ["c"]
    assert names("all_tenants=1&sort=name:asc") == ["a", "b", "c"]  # not for a member
    page = demo("GET", "/snapshots/detail?limit=2&sort=name:asc").json()
    assert [s["name"] for s in page["snapshots"]] == ["a", "b"]
    (link,) = page["snapshots_links"]
    assert "/snapshots/detail?" in link["href"] and f"marker={made[1]['id']}" in link["href"]
    assert names(f"marker={made[1]['id']}&sort=name:asc", "/snapshots/detail") == ["c"]
    assert names("offset=2&sort=name:asc") == ["c"]
    r = demo("GET", "/snapshots?with_count=true&limit=1")
    assert r.json()["count"] == 3 and len(r.json()["snapshots"]) == 1
    for bad in ("bogus=1", "limit=x", "limit=-1", "marker=nope", "sort=bogus",
                "sort=name:up", "sort=name&sort_key=name"):
        r = demo("GET", f"/snapshots?{bad}")
        assert r.status_code in (400, 404) and len(r.json()) == 1, bad
    every = admin("GET", "/snapshots/detail?all_tenants=1").json()["snapshots"]
    assert {s["name"] for s in every} == {"a", "b", "c", "theirs"}
    assert [s["name"] for s in admin("GET", "/snapshots").json()["snapshots"]] == ["theirs"]


def test_metadata(demo: Cinder) -> None:
    s = snap(demo, demo.create()["id"], metadata={"a": "1"})
    path = f"/snapshots/{s['id']}/metadata"
    assert demo("POST", path, {"metadata": {"b": "2"}}).json() == {
        "metadata": {"a": "1", "b": "2"}}
    assert demo("PUT", path, {"metadata": {"c": "3"}}).json() == {"metadata": {"c": "3"}}
    assert demo("PUT", path + "/d", {"meta": {"d": "4"}}).json() == {"meta": {"d": "4"}}
    assert demo("GET", path + "/d").json() == {"meta": {"d": "4"}}
    r = demo("PUT", path + "/d", {"meta": {"e": "4"}})
    assert r.status_code == 400 and "mismatch" in r.text
    r = demo("PUT", path + "/d", {"meta": {"d": "4", "e": "5"}})
    assert r.status_code == 400 and "too many items" in r.text
    assert demo("DELETE", path + "/d").status_code == 200
    r = demo("GET", path + "/d")
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == (
        f"Snapshot {s['id']} has no metadata with key d.")
    assert demo("GET", path).json() == {"metadata": {"c": "3"}}
    for bad in ({"metadata": {"k": 1}}, {"metadata": []}, {}, {"meta": {"a": "b"}}):
        assert demo("POST", path, bad).status_code == 400, bad


def test_admin_actions_and_status_reports(api: Api, admin: Cinder, demo: Cinder) -> None:
    s = snap(demo, demo.create()["id"])
    act = f"/snapshots/{s['id']}/action"
    r = demo("POST", act, {"os-reset_status": {"status": "error"}})
    assert r.status_code == 403 and "forbidden" in r.json()
    assert demo("POST", act, {"os-force_delete": {}}).status_code == 403
    # the admin reaches the demo project's snapshot through its own project's URL
    assert admin("POST", act, {"os-reset_status": {"status": "CREATING"}}).status_code == 202
    assert demo("GET", f"/snapshots/{s['id']}").json()["snapshot"]["status"] == "creating"
    r = demo("POST", act, {"os-update_snapshot_status": {"status": "deleting"}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Provided snapshot status deleting not allowed for snapshot with status creating.")
    r = demo("POST", act, {"os-update_snapshot_status": {"status": "available",
                                                          "progress": "101%"}})
    assert r.status_code == 400
    assert demo("POST", act, {"os-update_snapshot_status": {
        "status": "available", "progress": "90%"}}).status_code == 202
    shown = demo("GET", f"/snapshots/{s['id']}").json()["snapshot"]
    assert (shown["status"], shown["os-extended-snapshot-attributes:progress"]) == (
        "available", "90%")
    r = demo("POST", act, {"os-update_snapshot_status": {"status": "error"}})
    assert r.status_code == 400 and "not allowed for update_snapshot_status" in r.text
    for bad in ({"os-reset_status": {"status": "nope"}}, {"os-reset_status": {}},
                {"os-reset_status": {"status": "error", "x": 1}}, {"os-nope": {}}, {}, [],
                {"os-force_delete": {"a": 1}}):
        r = admin("POST", act, bad)
        assert r.status_code == 400 and len(r.json()) == 1, bad
    admin("POST", act, {"os-reset_status": {"status": "creating"}})
    assert admin("POST", act, {"os-force_delete": {}}).status_code == 202
    assert demo("GET", f"/snapshots/{s['id']}").status_code == 404
    assert blocks(api).snapshots == {}


def test_a_volume_with_snapshots_is_deleted_only_with_cascade(api: Api, admin: Cinder,
                                                              demo: Cinder) -> None:
    v = demo.create()
    s1, s2 = snap(demo, v["id"]), snap(demo, v["id"])
    message = ("Invalid volume: Volume status must be available or error or "
               "error_restoring or error_extending or error_managing and must not be "
               "migrating, attached, belong to a group, have snapshots, awaiting a "
               "transfer, or be disassociated from snapshots after volume transfer.")
    r = demo("DELETE", f"/volumes/{v['id']}")
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == message
    r = admin("POST", f"/volumes/{v['id']}/action", {"os-force_delete": {}})
    assert r.status_code == 400 and "have snapshots" in r.text
    # a snapshot being made or deleted elsewhere refuses the cascade
    admin("POST", f"/snapshots/{s2['id']}/action", {"os-reset_status": {"status": "creating"}})
    assert demo("DELETE", f"/volumes/{v['id']}?cascade=true").status_code == 400
    admin("POST", f"/snapshots/{s2['id']}/action", {"os-reset_status": {"status": "error"}})
    assert demo("DELETE", f"/volumes/{v['id']}?cascade=true").status_code == 202
    for path in (f"/volumes/{v['id']}", f"/snapshots/{s1['id']}", f"/snapshots/{s2['id']}"):
        assert demo("GET", path).status_code == 404, path
    assert blocks(api).volumes == {} and blocks(api).snapshots == {}


def test_quotas_count_snapshots_and_their_gigabytes(admin: Cinder, demo: Cinder) -> None:
    v = demo.create(3)
    vt = demo("GET", "/types/default").json()["volume_type"]["name"]
    snap(demo, v["id"])
    usage = demo("GET", f"/os-quota-sets/{demo.project}?usage=True").json()["quota_set"]
    assert usage["snapshots"]["in_use"] == 1 and usage[f"snapshots_{vt}"]["in_use"] == 1
    assert usage["gigabytes"]["in_use"] == 6 and usage[f"gigabytes_{vt}"]["in_use"] == 6
    absolute = demo("GET", "/limits").json()["limits"]["absolute"]
    assert absolute["totalSnapshotsUsed"] == 1 and absolute["totalGigabytesUsed"] == 6
    admin("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {"snapshots": 1}})
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}})
    assert r.status_code == 413 and r.json()["overLimit"]["message"] == (
        "SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded")
    admin("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {"snapshots": 5,
                                                                  "gigabytes": 8}})
    r = demo("POST", "/snapshots", {"snapshot": {"volume_id": v["id"]}})
    assert r.status_code == 413 and "allowed gigabytes quota. Requested 3G, quota is 8G " \
        "and 6G has been consumed." in r.json()["overLimit"]["message"]
    # a volume from a snapshot counts against the volume quotas
    r = demo("POST", "/volumes", {"volume": {"snapshot_id": snap_id(demo)}})
    assert r.status_code == 413 and "gigabytes" in r.text
    assert len(demo("GET", "/snapshots").json()["snapshots"]) == 1


def snap_id(c: Cinder) -> str:
    return str(c("GET", "/snapshots").json()["snapshots"][0]["id"])


def test_hosts_count_snapshots(admin: Cinder, demo: Cinder) -> None:
    snap(demo, demo.create(2)["id"])
    usage = {u["resource"]["project"]: u["resource"] for u in admin(
        "GET", "/os-hosts/cheptel@file").json()["host"]}
    assert (usage[demo.project]["snapshot_count"],
            usage[demo.project]["total_snapshot_gb"]) == ("1", "2")
    assert usage["(total)"]["snapshot_count"] == "1"


# --- volumes from a snapshot, and clones --------------------------------------------

def test_a_volume_from_a_snapshot(api: Api, admin: Cinder, demo: Cinder) -> None:
    vt = admin("POST", "/types", {"volume_type": {"name": "fast"}}).json()["volume_type"]
    v = demo.create(2, volume_type="fast")
    s = snap(demo, v["id"])
    same = demo("POST", "/volumes", {"volume": {"snapshot_id": s["id"]}})
    assert same.status_code == 202, same.text
    made = demo("GET", f"/volumes/{same.json()['volume']['id']}").json()["volume"]
    assert (made["status"], made["size"], made["snapshot_id"], made["volume_type"]) == (
        "available", 2, s["id"], "fast")
    assert made["source_volid"] is None and made["volume_type_id"] == vt["id"]
    larger = demo.create(5, snapshot_id=s["id"], volume_type="__DEFAULT__")
    assert blocks(api).volumes[larger["id"]] == 5 and larger["volume_type"] == "__DEFAULT__"
    r = demo("POST", "/volumes", {"volume": {"size": 1, "snapshot_id": s["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot "
        "size 2GB. They must be >= original snapshot size.")
    # the snapshot cannot go while a volume is made from it, nor its volume
    r = demo("DELETE", f"/snapshots/{s['id']}")
    assert r.status_code == 202  # (the volumes above are made already)
    admin("POST", f"/snapshots/{snap(demo, v['id'])['id']}/action",
          {"os-reset_status": {"status": "error"}})
    bad = snap_id(demo)
    r = demo("POST", "/volumes", {"volume": {"snapshot_id": bad}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid snapshot: Originating snapshot status must be one of 'available' values")
    theirs = snap(admin, admin.create()["id"])
    r = demo("POST", "/volumes", {"volume": {"snapshot_id": theirs["id"]}})
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == (
        f"Snapshot {theirs['id']} could not be found.")


def test_a_clone(api: Api, admin: Cinder, demo: Cinder) -> None:
    v = demo.create(3)
    c = demo.create(snapshot_id=None, source_volid=v["id"], size=None)
    shown = demo("GET", f"/volumes/{c['id']}").json()["volume"]
    assert (shown["status"], shown["size"], shown["source_volid"]) == ("available", 3, v["id"])
    assert blocks(api).volumes[c["id"]] == 3
    r = demo("POST", "/volumes", {"volume": {"size": 2, "source_volid": v["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid input received: Volume size '2'GB cannot be smaller than original volume "
        "size  3GB. They must be >= original volume size.")
    # an attached volume is cloned (frozen while copied: see test_freezes below)
    demo("POST", f"/volumes/{v['id']}/action", {  # in-use: attached to a host
        "os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}})
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "in-use"
    assert demo.create(4, source_volid=v["id"])["size"] == 4
    admin("POST", f"/volumes/{v['id']}/action", {"os-reset_status": {"status": "error"}})
    r = demo("POST", "/volumes", {"volume": {"source_volid": v["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: Originating source volume status must be one of 'available, "
        "in-use' values")
    theirs = admin.create()
    r = demo("POST", "/volumes", {"volume": {"source_volid": theirs["id"]}})
    assert r.status_code == 404
    r = demo("POST", "/volumes", {"volume": {"source_volid": v["id"],
                                             "snapshot_id": snap(admin, theirs["id"])["id"]}})
    assert r.status_code == 404  # looked up first: another project's snapshot


def test_a_source_being_copied_is_not_deleted(api: Api, demo: Cinder) -> None:
    v = demo.create()
    s = snap(demo, v["id"])
    blocks(api).fail["create_from"] = "cp failed"
    clone = demo.create(source_volid=v["id"])
    from_snap = demo.create(snapshot_id=s["id"])
    del blocks(api).fail["create_from"]
    assert demo("GET", f"/volumes/{clone['id']}").json()["volume"]["status"] == "error"
    with api.deps.sessions() as db, db.begin():  # as if the copies were still running
        for vid in (clone["id"], from_snap["id"]):
            row = db.get(Volume, vid)
            assert row is not None
            row.status = "creating"
    r = demo("DELETE", f"/snapshots/{s['id']}")
    assert r.status_code == 400 and "is being copied" in r.text
    r = demo("DELETE", f"/volumes/{v['id']}?cascade=true")
    assert r.status_code == 400 and "is being copied" in r.text


# --- the storage steps: freezing, recovery --------------------------------------------

def test_an_attached_volume_is_frozen_around_the_copy(api: Api, demo: Cinder,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    v = demo.create()
    monkeypatch.setattr(snapshots, "mount_point",
                        lambda db, blocks, volume: Path(f"/mnt/{volume.id}") if volume
                        else None)
    snap(demo, v["id"])
    demo.create(source_volid=v["id"])
    mount = f"/mnt/{v['id']}"
    assert blocks(api).freezes == [("freeze", mount), ("thaw", mount)] * 2
    blocks(api).fail["copy"] = "cp failed"
    s = snap(demo, v["id"])
    assert demo("GET", f"/snapshots/{s['id']}").json()["snapshot"]["status"] == "error"
    assert blocks(api).freezes[-2:] == [("freeze", mount), ("thaw", mount)]  # thawed


def _volume_row(api: Api, vid: str, status: str, **more: Any) -> None:
    with api.deps.sessions() as db, db.begin():
        db.add(Volume(id=vid, project_id="p", user_id="u", name=vid, description=None,
                      size=1, status=status, availability_zone="nova",
                      volume_type_id=types.default(db).id, bootable=False, readonly=None,
                      meta={}, created_at=1.0, updated_at=None, **more))


def _snap_row(api: Api, sid: str, vid: str, status: str) -> None:
    with api.deps.sessions() as db, db.begin():
        db.add(VolumeSnapshot(id=sid, project_id="p", user_id="u", volume_id=vid, name=sid,
                              description=None, status=status, progress="0%",
                              volume_size=1, volume_type_id=types.default(db).id, meta={},
                              created_at=1.0, updated_at=None))


def test_recover_finishes_every_interrupted_snapshot(api: Api) -> None:
    store = FakeBlockStore()
    _volume_row(api, "vol", "available")
    _volume_row(api, "from-deleting", "creating", snapshot_id="was-deleting")
    store.volumes["vol"] = 1
    _snap_row(api, "was-creating", "vol", "creating")
    _snap_row(api, "was-deleting", "vol", "deleting")
    _snap_row(api, "of-nothing", "gone", "creating")
    _snap_row(api, "fine", "vol", "available")
    store.snapshots.update({"was-deleting": 1, "fine": 1, "orphan": 1})
    store.partial_snapshots.add("half")
    with api.deps.sessions() as db, db.begin():
        notes = volumes.recover(db, store, 2.0) + snapshots.recover(db, store, 2.0)
    with api.deps.sessions() as db:
        got = {s.id: s.status for s in db.scalars(select(VolumeSnapshot))}
        made = db.get(Volume, "from-deleting")
        assert made is not None and made.status == "available"
    # the volume from a deleting snapshot was made before the snapshot went
    assert got == {"was-creating": "available", "of-nothing": "error", "fine": "available"}
    assert store.snapshots == {"was-creating": 1, "fine": 1}
    assert store.volumes == {"vol": 1, "from-deleting": 1}
    assert store.partial_snapshots == set()
    assert any("orphan" in n for n in notes) and any("half" in n for n in notes)
