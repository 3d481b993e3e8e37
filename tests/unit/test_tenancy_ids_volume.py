"""The tenancy-id cases of block storage (see test_tenancy_ids): the victim's volumes,
attachments, groups, group snapshots, backups and transfers, named by a hostile project
from its own URL, are refused as Cinder refuses them, and nothing of the victim's
changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit import tenancy_world
from tests.unit.hostile import World
from tests.unit.tenancy_world import VM, fill


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = tenancy_world.build(tmp_path_factory.mktemp("tenancy-ids-volume"))
    yield w
    w.close()


# Cinder: the victim's volume and attachment from mallory's project (whose URL she uses)
MV3 = "/volume/v3/{mallory_volume_project}"
CASES_VOLUME: list[tuple[str, str, str, Any, int]] = [
    ("os-attach on another's volume", "POST", MV3 + "/volumes/{victim_volume_free}/action",
     {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}}, 404),
    ("os-reserve on another's volume", "POST", MV3 + "/volumes/{victim_volume_free}/action",
     {"os-reserve": {}}, 404),
    ("os-detach of another's volume", "POST", MV3 + "/volumes/{victim_volume}/action",
     {"os-detach": {}}, 404),
    ("os-initialize_connection of another's volume", "POST",
     MV3 + "/volumes/{victim_volume}/action",
     {"os-initialize_connection": {"connector": {"host": "h"}}}, 404),
    # Cinder's answer to an attachment it cannot see (as to an unknown one)
    ("os-detach attachment_id of another's", "POST", MV3 + "/volumes/{mallory_volume}/action",
     {"os-detach": {"attachment_id": "{victim_attachment}"}}, 409),
    ("attachment create volume_uuid", "POST", MV3 + "/attachments",
     {"attachment": {"volume_uuid": "{victim_volume_free}"}}, 404),
    ("attachment show", "GET", MV3 + "/attachments/{victim_attachment}", None, 404),
    ("attachment update", "PUT", MV3 + "/attachments/{victim_attachment}",
     {"attachment": {"connector": {"host": "m"}}}, 404),
    ("attachment complete", "POST", MV3 + "/attachments/{victim_attachment}/action",
     {"os-complete": None}, 404),
    ("attachment delete", "DELETE", MV3 + "/attachments/{victim_attachment}", None, 404),
]


def _victim_volumes(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    r = w.call("victim", "GET", f"{v3}/volumes/detail", headers=VM)
    a = w.call("victim", "GET", f"{v3}/attachments/detail", headers=VM)
    s = w.call("victim", "GET", f"/compute/v2.1/servers/{w.ids['victim_server']}",
               headers={"OpenStack-API-Version": "compute 2.90"})
    return {"volumes": r.json(), "attachments": a.json(),
            "server volumes": s.json()["server"]["os-extended-volumes:volumes_attached"],
            "mounts": dict(getattr(w.deps.blocks, "mounted", {}))}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_VOLUME,
                         ids=[c[0] for c in CASES_VOLUME])
def test_a_foreign_volume_or_attachment_is_refused(world: World, field: str, method: str,
                                                   path: str, body: Any, status: int) -> None:
    before = _victim_volumes(world)
    r = world.call("mallory", method, fill(path, world.ids), fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_volumes(world) == before


@pytest.mark.parametrize("how", ["os-attach", "attachments"])
def test_another_projects_server_is_recorded_never_mounted(world: World, how: str) -> None:
    """Cinder records an instance it cannot check; here a server of another project is
    such an instance: nothing is mounted into it, and the victim sees nothing."""
    before = _victim_volumes(world)
    v3 = fill(MV3, world.ids)
    vid = world.ids["mallory_volume_2" if how == "attachments" else "mallory_volume"]
    if how == "os-attach":
        r = world.call("mallory", "POST", f"{v3}/volumes/{vid}/action", {"os-attach": {
            "instance_uuid": world.ids["victim_server"], "mountpoint": "/dev/vdb"}}, VM)
        assert r.status_code == 202, r.text
    else:
        r = world.call("mallory", "POST", f"{v3}/attachments", {"attachment": {
            "volume_uuid": vid, "instance_uuid": world.ids["victim_server"],
            "connector": {"host": "m"}}}, VM)
        assert r.status_code == 200 and r.json()["attachment"]["instance"] is None, r.text
    world.deps.reconciler.pass_once()  # whatever the converger would do, it did
    shown = world.call("mallory", "GET", f"{v3}/volumes/{vid}", headers=VM).json()["volume"]
    assert all(a["server_id"] is None for a in shown["attachments"])
    assert _victim_volumes(world) == before


CASES_GROUP: list[tuple[str, str, str, Any, int]] = [
    ("group show", "GET", MV3 + "/groups/{victim_vgroup}", None, 404),
    ("group update", "PUT", MV3 + "/groups/{victim_vgroup}", {"group": {"name": "x"}}, 404),
    ("group delete", "POST", MV3 + "/groups/{victim_vgroup}/action",
     {"delete": {"delete-volumes": True}}, 404),
    ("group from source_group_id", "POST", MV3 + "/groups/action",
     {"create-from-src": {"source_group_id": "{victim_vgroup}"}}, 404),
    ("group from group_snapshot_id", "POST", MV3 + "/groups/action",
     {"create-from-src": {"group_snapshot_id": "{victim_group_snapshot}"}}, 404),
    ("group snapshot of another's group", "POST", MV3 + "/group_snapshots",
     {"group_snapshot": {"group_id": "{victim_vgroup}"}}, 404),
    ("group snapshot show", "GET", MV3 + "/group_snapshots/{victim_group_snapshot}", None,
     404),
    ("group snapshot delete", "DELETE", MV3 + "/group_snapshots/{victim_group_snapshot}",
     None, 404),
    ("volume create group_id", "POST", MV3 + "/volumes",
     {"volume": {"size": 1, "volume_type": "{tenancy_vt}", "group_id": "{victim_vgroup}"}},
     404),
    # Cinder's InvalidVolume ("... because volume cannot be found."): a 400
    ("group update add_volumes", "PUT", MV3 + "/groups/{mallory_vgroup}",
     {"group": {"add_volumes": "{victim_volume_free}"}}, 400),
    ("group update remove_volumes", "PUT", MV3 + "/groups/{mallory_vgroup}",
     {"group": {"remove_volumes": "{victim_grouped_volume}"}}, 400),
]


def _victim_groups(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    return {k: w.call("victim", "GET", f"{v3}/{k}", headers=VM).json()
            for k in ("groups/detail", "group_snapshots/detail", "volumes/detail",
                      "snapshots/detail")}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_GROUP,
                         ids=[c[0] for c in CASES_GROUP])
def test_a_foreign_group_or_group_snapshot_is_refused(world: World, field: str, method: str,
                                                      path: str, body: Any,
                                                      status: int) -> None:
    before = _victim_groups(world)
    r = world.call("mallory", method, fill(path, world.ids), fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    if status == 400:
        assert "cannot be found" in r.text or "not in the group" in r.text, r.text
    assert _victim_groups(world) == before


CASES_BACKUP: list[tuple[str, str, str, Any, int]] = [
    ("backup of another's volume", "POST", MV3 + "/backups",
     {"backup": {"volume_id": "{victim_backed_volume}"}}, 404),
    ("backup show", "GET", MV3 + "/backups/{victim_backup}", None, 404),
    ("backup update", "PUT", MV3 + "/backups/{victim_backup}", {"backup": {"name": "x"}},
     404),
    ("backup delete", "DELETE", MV3 + "/backups/{victim_backup}", None, 404),
    ("backup restore into one's volume", "POST", MV3 + "/backups/{victim_backup}/restore",
     {"restore": {"volume_id": "{mallory_backed_volume}"}}, 404),
    ("backup restore to a new volume", "POST", MV3 + "/backups/{victim_backup}/restore",
     {"restore": {}}, 404),
    ("restore into another's volume", "POST", MV3 + "/backups/{mallory_backup}/restore",
     {"restore": {"volume_id": "{victim_backed_volume}"}}, 404),
    ("volume create backup_id", "POST", MV3 + "/volumes",
     {"volume": {"size": 1, "backup_id": "{victim_backup}"}}, 404),
]


def _victim_backups(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    return {k: w.call("victim", "GET", f"{v3}/{k}", headers=VM).json()
            for k in ("backups/detail", "volumes/detail")}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_BACKUP,
                         ids=[c[0] for c in CASES_BACKUP])
def test_a_foreign_backup_is_refused(world: World, field: str, method: str, path: str,
                                     body: Any, status: int) -> None:
    before = _victim_backups(world)
    r = world.call("mallory", method, fill(path, world.ids), fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_backups(world) == before


def test_mallorys_listing_shows_no_foreign_backup(world: World) -> None:
    r = world.call("mallory", "GET", fill(MV3 + "/backups/detail?all_tenants=1",
                                           world.ids), headers=VM)
    assert world.ids["victim_backup"] not in r.text


# Cinder's transfers and image metadata: another project's volume is a 404 at transfer
# create and to the image metadata actions; its transfer is the offering project's to
# list, show and delete (the accepter reaches it only at accept, with the key)
CASES_TRANSFER: list[tuple[str, str, str, Any, int]] = [
    *[(f"transfer create volume_id ({p})", "POST", MV3 + f"/{p}",
       {"transfer": {"volume_id": "{victim_volume_free}"}}, 404)
      for p in ("os-volume-transfer", "volume-transfers")],
    *[(f"transfer show ({p})", "GET", MV3 + f"/{p}/{{victim_transfer}}", None, 404)
      for p in ("os-volume-transfer", "volume-transfers")],
    *[(f"transfer delete ({p})", "DELETE", MV3 + f"/{p}/{{victim_transfer}}", None, 404)
      for p in ("os-volume-transfer", "volume-transfers")],
    ("transfer accept with a wrong key", "POST",
     MV3 + "/os-volume-transfer/{victim_transfer}/accept",
     {"accept": {"auth_key": "0123456789abcdef"}}, 400),
    ("os-set_image_metadata on another's volume", "POST",
     MV3 + "/volumes/{victim_volume_free}/action",
     {"os-set_image_metadata": {"metadata": {"k": "v"}}}, 404),
    ("os-unset_image_metadata on another's volume", "POST",
     MV3 + "/volumes/{victim_volume_free}/action",
     {"os-unset_image_metadata": {"key": "k"}}, 404),
    ("os-show_image_metadata on another's volume", "POST",
     MV3 + "/volumes/{victim_volume_free}/action", {"os-show_image_metadata": None}, 404),
]


@pytest.fixture(scope="module")
def victim_transfer(world: World) -> str:
    v3 = f"/volume/v3/{world.ids['victim_volume_project']}"
    r = world.call("victim", "POST", f"{v3}/volumes", {"volume": {"size": 1}}, VM)
    assert r.status_code == 202, r.text
    r = world.call("victim", "POST", f"{v3}/os-volume-transfer", {"transfer": {
        "volume_id": r.json()["volume"]["id"]}}, VM)
    assert r.status_code == 202, r.text
    world.ids["victim_transfer"] = tid = str(r.json()["transfer"]["id"])
    return tid


def _victim_transfers(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    return {**_victim_volumes(w), "transfers": w.call(
        "victim", "GET", f"{v3}/os-volume-transfer/detail", headers=VM).json()}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_TRANSFER,
                         ids=[c[0] for c in CASES_TRANSFER])
def test_a_foreign_volume_or_transfer_is_refused(world: World, victim_transfer: str,
                                                 field: str, method: str, path: str,
                                                 body: Any, status: int) -> None:
    before = _victim_transfers(world)
    assert [t["id"] for t in before["transfers"]["transfers"]] == [victim_transfer]
    r = world.call("mallory", method, fill(path, world.ids), fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_transfers(world) == before


def test_another_projects_transfers_are_not_listed(world: World,
                                                   victim_transfer: str) -> None:
    v3 = fill(MV3, world.ids)
    for path in ("os-volume-transfer", "volume-transfers/detail"):
        r = world.call("mallory", "GET", f"{v3}/{path}?all_tenants=1", headers=VM)
        assert r.status_code == 200 and r.json()["transfers"] == [], r.text
