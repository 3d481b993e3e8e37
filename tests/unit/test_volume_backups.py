"""Cinder v3 backups in process over the fake storage: what the API answers (Cinder's
fields, statuses and messages), the volume's statuses around a backup and a restore,
incremental chains, quotas, records, and the start's recovery."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select

from cheptel.volume.models import Volume, VolumeBackup
from cheptel.volume.service import backups
from tests.unit.conftest import Api
from tests.unit.test_volume_api import Cinder, admin, blocks, demo

__all__ = ["admin", "demo"]

DETAIL = {"id", "status", "size", "object_count", "availability_zone", "container",
          "created_at", "updated_at", "name", "description", "fail_reason", "volume_id",
          "links", "is_incremental", "has_dependent_backups", "snapshot_id",
          "data_timestamp"}


def backup(c: Cinder, volume_id: str, **fields: Any) -> dict[str, Any]:
    r = c("POST", "/backups", {"backup": {"volume_id": volume_id, **fields}})
    assert r.status_code == 202, r.text
    return dict(r.json()["backup"])


def show(c: Cinder, backup_id: str, **headers: str) -> dict[str, Any]:
    r = c("GET", f"/backups/{backup_id}", **headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["backup"])


def test_create_show_list_update_delete(api: Api, demo: Cinder) -> None:
    v = demo.create(2)
    b = backup(demo, v["id"], name="b1", description="d", metadata={"k": "v"})
    assert set(b) == {"id", "name", "links"} and b["name"] == "b1"
    doc = show(demo, b["id"])
    assert set(doc) == DETAIL | {"metadata"}  # a member: no project or user attribute
    assert doc["status"] == "available" and doc["size"] == 2 and doc["metadata"] == {
        "k": "v"} and doc["is_incremental"] is False and doc["container"] == "backups"
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "available"
    assert set(blocks(api).backups) == {b["id"]}
    old = show(demo, b["id"], **{"OpenStack-API-Version": "volume 3.0"})
    assert set(old) == DETAIL
    (listed,) = demo("GET", "/backups").json()["backups"]
    assert set(listed) == {"id", "name", "links"}
    assert demo("GET", "/backups/detail?name=nope").json()["backups"] == []
    assert demo("GET", "/backups/detail?with_count=true").json()["count"] == 1
    assert demo("GET", "/backups?bogus=1").status_code == 400
    r = demo("PUT", f"/backups/{b['id']}", {"backup": {"name": "b2", "metadata": {"a": "b"}}})
    assert r.status_code == 200 and r.json()["backup"]["name"] == "b2"
    assert show(demo, b["id"])["metadata"] == {"a": "b"}
    assert demo("PUT", f"/backups/{b['id']}", {"backup": {"name": "x"}},
                **{"OpenStack-API-Version": "volume 3.8"}).status_code == 404
    assert demo("DELETE", f"/backups/{b['id']}").status_code == 202
    assert demo("GET", f"/backups/{b['id']}").status_code == 404
    assert blocks(api).backups == {}


def test_admin_sees_project_and_user(admin: Cinder, demo: Cinder) -> None:
    b = backup(demo, demo.create()["id"])
    doc = show(admin, b["id"], project=admin.project)
    assert doc["os-backup-project-attr:project_id"] == demo.project and "user_id" in doc
    r = admin("GET", "/backups/detail?all_tenants=1")
    assert [x["id"] for x in r.json()["backups"]] == [b["id"]]
    assert demo("GET", f"/backups/{b['id']}", project=demo.project).status_code == 200


def test_in_use_needs_force_and_volume_goes_back(api: Api, demo: Cinder) -> None:
    v = demo.create()
    demo("POST", f"/volumes/{v['id']}/action", {
        "os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}})
    r = demo("POST", "/backups", {"backup": {"volume_id": v["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: Backing up an in-use volume must use the force flag.")
    b = backup(demo, v["id"], force=True)
    assert show(demo, b["id"])["status"] == "available"
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "in-use"


def test_volume_status_while_backing_up(api: Api, demo: Cinder) -> None:
    v = demo.create()
    with api.deps.sessions() as db, db.begin():
        vol = db.get(Volume, v["id"])
        assert vol is not None
        vol.status = "backing-up"
    r = demo("POST", "/backups", {"backup": {"volume_id": v["id"]}})
    assert r.status_code == 400 and "must be available or in-use" in r.text
    assert demo("DELETE", f"/volumes/{v['id']}").status_code == 400


def test_a_failed_backup_is_error_with_its_reason(api: Api, demo: Cinder) -> None:
    v = demo.create()
    blocks(api).fail["backup"] = "disk full"
    b = backup(demo, v["id"])
    doc = show(demo, b["id"])
    assert doc["status"] == "error" and doc["fail_reason"] == "disk full"
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "available"
    assert demo("DELETE", f"/backups/{b['id']}").status_code == 202  # error: deletable


def test_incremental_chain_and_dependent_delete(api: Api, demo: Cinder) -> None:
    v = demo.create()
    r = demo("POST", "/backups", {"backup": {"volume_id": v["id"], "incremental": True}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid backup: No backups available to do an incremental backup.")
    full = backup(demo, v["id"])
    inc = backup(demo, v["id"], incremental=True)
    assert show(demo, inc["id"])["is_incremental"] is True
    assert show(demo, full["id"])["has_dependent_backups"] is True
    assert blocks(api).backups[inc["id"]][2] == full["id"]
    r = demo("DELETE", f"/backups/{full['id']}")
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid backup: Incremental backups exist for this backup.")
    assert demo("DELETE", f"/backups/{inc['id']}").status_code == 202
    assert demo("DELETE", f"/backups/{full['id']}").status_code == 202


def test_restore_to_a_new_volume_and_to_an_existing_one(api: Api, demo: Cinder) -> None:
    v = demo.create(2, metadata={"k": "v"})
    blocks(api).contents[v["id"]] = ["etc/hostname"]
    b = backup(demo, v["id"])
    r = demo("POST", f"/backups/{b['id']}/restore", {"restore": {"name": "back"}})
    assert r.status_code == 202, r.text
    out = r.json()["restore"]
    assert out["backup_id"] == b["id"] and out["volume_name"] == "back"
    new = demo("GET", f"/volumes/{out['volume_id']}").json()["volume"]
    assert new["status"] == "available" and new["size"] == 2
    assert new["metadata"] == {"k": "v"}  # the volume's metadata, kept with the backup
    assert blocks(api).contents[new["id"]] == ["etc/hostname"]
    r = demo("POST", f"/backups/{b['id']}/restore", {"restore": None})
    assert r.json()["restore"]["volume_name"] == f"restore_backup_{b['id']}"
    small = demo.create(1)
    r = demo("POST", f"/backups/{b['id']}/restore", {"restore": {"volume_id": small["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: volume size 1 is too small to restore backup of size 2.")
    big = demo.create(3)
    r = demo("POST", f"/backups/{b['id']}/restore", {"restore": {"volume_id": big["id"]}})
    assert r.status_code == 202
    assert demo("GET", f"/volumes/{big['id']}").json()["volume"]["status"] == "available"
    assert blocks(api).volumes[big["id"]] == 3
    demo("POST", f"/volumes/{big['id']}/action", {
        "os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}})
    r = demo("POST", f"/backups/{b['id']}/restore", {"restore": {"volume_id": big["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: Volume to be restored to must be available")


def test_a_corrupt_restore_leaves_the_volume_error_restoring(api: Api, demo: Cinder) -> None:
    b = backup(demo, demo.create()["id"])
    blocks(api).fail["restore"] = f"backup {b['id']}: chunk 3 is corrupt"
    out = demo("POST", f"/backups/{b['id']}/restore", {"restore": {}}).json()["restore"]
    with api.deps.sessions() as db:
        vol = db.get(Volume, out["volume_id"])
        assert vol is not None and vol.status == "error_restoring"
        assert vol.error_message is not None and "corrupt" in vol.error_message
    assert show(demo, b["id"])["status"] == "available"


def test_quotas_count_backups(admin: Cinder, demo: Cinder) -> None:
    v = demo.create(3)
    backup(demo, v["id"])
    q = admin("GET", f"/os-quota-sets/{demo.project}?usage=True").json()["quota_set"]
    assert q["backups"]["in_use"] == 1 and q["backup_gigabytes"]["in_use"] == 3
    limits = demo("GET", "/limits").json()["limits"]["absolute"]
    assert limits["totalBackupsUsed"] == 1 and limits["totalBackupGigabytesUsed"] == 3
    admin("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {"backups": 1}})
    r = demo("POST", "/backups", {"backup": {"volume_id": v["id"]}})
    assert r.status_code == 413 and "Maximum number of backups allowed (1)" in r.text
    admin("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {
        "backups": 10, "backup_gigabytes": 4}})
    r = demo("POST", "/backups", {"backup": {"volume_id": v["id"]}})
    assert r.status_code == 413 and "Backup gigabytes quota" in r.text


def test_status_actions_and_records_are_the_admins(api: Api, admin: Cinder,
                                                    demo: Cinder) -> None:
    b = backup(demo, demo.create()["id"])
    assert demo("POST", f"/backups/{b['id']}/action", {
        "os-reset_status": {"status": "error"}}).status_code == 403
    assert admin("POST", f"/backups/{b['id']}/action", {
        "os-reset_status": {"status": "error"}}).status_code == 202
    assert show(demo, b["id"])["status"] == "error"
    admin("POST", f"/backups/{b['id']}/action", {"os-reset_status": {"status": "available"}})
    rec = admin("GET", f"/backups/{b['id']}/export_record").json()["backup-record"]
    assert rec["backup_service"].startswith("cinder.backup.drivers")
    url = json.loads(base64.b64decode(rec["backup_url"]))
    r = admin("POST", "/backups/import_record", {"backup-record": rec})
    assert r.status_code == 400 and "already exists" in r.text
    url["id"] = "00000000-0000-4000-8000-000000000001"
    rec["backup_url"] = base64.b64encode(json.dumps(url).encode()).decode()
    r = admin("POST", "/backups/import_record", {"backup-record": rec})
    assert r.status_code == 201, r.text
    assert show(admin, url["id"])["status"] == "available"
    assert url["id"] in blocks(api).backups
    assert admin("POST", f"/backups/{url['id']}/action",
                 {"os-force_delete": {}}).status_code == 202
    assert admin("GET", f"/backups/{url['id']}").status_code == 404


def test_recovery_redoes_what_a_crash_cut(api: Api, demo: Cinder) -> None:
    v = demo.create()
    b = backup(demo, v["id"])
    fake = blocks(api)
    with api.deps.sessions() as db, db.begin():
        row = db.get(VolumeBackup, b["id"])
        vol = db.get(Volume, v["id"])
        assert row is not None and vol is not None
        row.status, row.source_status, vol.status = "creating", "available", "backing-up"
    fake.backups.pop(b["id"])
    fake.backups["orphan"] = ("x", 1, None, [])
    fake.partial_backups.add("half")
    with api.deps.sessions() as db, db.begin():
        notes = backups.recover(db, fake, 0.0)
    assert notes == ["backup storage: removed half-made half.part",
                     "backup storage: removed orphan, which no backup owns"]
    assert set(fake.backups) == {b["id"]}
    with api.deps.sessions() as db:
        assert db.scalars(select(VolumeBackup.status)).all() == ["available"]
        vol = db.get(Volume, v["id"])
        assert vol is not None and vol.status == "available"
