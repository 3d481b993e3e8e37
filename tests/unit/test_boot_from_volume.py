"""Boot from volume (BDMv2) over the fake engine and storage, the reconciler run by hand:
the root volume is made from the image, mounted, and the container chroots into it."""

from __future__ import annotations

from typing import Any

from cheptel.backends.fake_blocks import FakeBlockStore
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.reconciler.guest import CHROOT, ROOT
from cheptel.reconciler.servers import container_name
from cheptel.volume.models import Volume
from cheptel.volume.service import attachments
from tests.unit.reconcile import Cloud


def _blocks(cloud: Cloud) -> FakeBlockStore:
    assert isinstance(cloud.deps.blocks, FakeBlockStore)
    return cloud.deps.blocks


def _bdm(**fields: Any) -> dict:
    return {"block_device_mapping_v2": [{"boot_index": 0, **fields}]}


def _volumes_of(cloud: Cloud, sid: str) -> list[tuple[str, str | None, str, str]]:
    with cloud.deps.sessions() as db:
        out = []
        for a in attachments.of_servers(db, [sid])[sid]:
            v = db.get(Volume, a.volume_id)
            assert v is not None
            out.append((v.id, a.device, a.status, v.status))
        return out


def test_boot_from_a_new_volume_made_from_the_image(rcloud: Cloud) -> None:
    sid = rcloud.boot(imageRef="", **_bdm(
        uuid=BUSYBOX_ID, source_type="image", destination_type="volume", volume_size=2,
        delete_on_termination=True))
    assert rcloud.status(sid) == "BUILD"
    rcloud.settle()
    shown = rcloud.show(sid)
    assert shown["status"] == "ACTIVE", shown
    assert shown["image"] == ""  # Nova's image of a server booted from a volume
    ((vid, device, att, status),) = _volumes_of(rcloud, sid)
    assert (device, att, status) == ("/dev/vda", "attached", "in-use")
    assert _blocks(rcloud).volumes[vid] == 2
    assert _blocks(rcloud).contents[vid] == ["etc/image"]  # the image's root filesystem
    assert _blocks(rcloud).mounted == {(sid, "vda"): (vid, False)}
    spec = rcloud.container(sid).spec
    assert spec.entrypoint == ["/bin/sh", "-c", CHROOT] and spec.command[0] == ROOT
    assert rcloud.engine.bound_roots[container_name(sid)] == ROOT
    assert rcloud.nova("DELETE", f"/servers/{sid}").status_code == 204
    rcloud.settle()
    with rcloud.deps.sessions() as db:
        assert db.get(Volume, vid) is None  # delete_on_termination
    assert _blocks(rcloud).mounted == {} and vid not in _blocks(rcloud).volumes


def test_boot_from_an_existing_volume_keeps_it_after_delete(rcloud: Cloud) -> None:
    first = rcloud.boot(imageRef="", **_bdm(
        uuid=BUSYBOX_ID, source_type="image", destination_type="volume", volume_size=1))
    rcloud.settle()
    ((vid, *_),) = _volumes_of(rcloud, first)
    rcloud.nova("DELETE", f"/servers/{first}")
    rcloud.settle()
    with rcloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        assert v is not None and v.status == "available" and v.bootable
    again = rcloud.boot(imageRef="", **_bdm(
        uuid=vid, source_type="volume", destination_type="volume"))
    rcloud.settle()
    assert rcloud.status(again) == "ACTIVE"
    assert _volumes_of(rcloud, again) == [(vid, "/dev/vda", "attached", "in-use")]
    assert _blocks(rcloud).contents[vid] == ["etc/image"]  # the same disk, not remade


def test_a_stopped_then_started_server_gets_its_root_bound_again(rcloud: Cloud) -> None:
    sid = rcloud.boot(imageRef="", **_bdm(
        uuid=BUSYBOX_ID, source_type="image", destination_type="volume", volume_size=1))
    rcloud.settle()
    name = container_name(sid)
    rcloud.act(sid, "os-stop")
    rcloud.settle()
    assert name not in rcloud.engine.bound_roots
    rcloud.act(sid, "os-start")
    rcloud.settle()
    assert rcloud.engine.bound_roots[name] == ROOT
    rcloud.act(sid, "reboot", {"type": "HARD"})
    rcloud.settle()
    assert rcloud.engine.bound_roots[name] == ROOT


def test_a_root_volume_that_cannot_be_made_fails_the_build(rcloud: Cloud) -> None:
    _blocks(rcloud).fail["fill"] = "mount: no loop device left"
    sid = rcloud.boot(imageRef="", **_bdm(
        uuid=BUSYBOX_ID, source_type="image", destination_type="volume", volume_size=1))
    rcloud.settle()
    shown = rcloud.show(sid)
    assert shown["status"] == "ERROR"
    assert "did not finish being created" in shown["fault"]["message"]


def test_extra_blank_and_existing_volumes_attach_at_boot(rcloud: Cloud) -> None:
    r = rcloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": rcloud.token, "X-Subject-Token": rcloud.token})
    project = r.json()["token"]["project"]["id"]
    r = rcloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {"size": 1}},
                               headers={"X-Auth-Token": rcloud.token})
    data = r.json()["volume"]["id"]
    sid = rcloud.boot(block_device_mapping_v2=[
        {"uuid": BUSYBOX_ID, "source_type": "image", "destination_type": "local",
         "boot_index": 0},
        {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
         "boot_index": -1},
        {"uuid": data, "source_type": "volume", "destination_type": "volume",
         "boot_index": 1}])
    rcloud.settle()
    assert rcloud.status(sid) == "ACTIVE"
    found = _volumes_of(rcloud, sid)
    assert sorted((d, a, s) for _, d, a, s in found) == [
        ("/dev/vdb", "attached", "in-use"), ("/dev/vdc", "attached", "in-use")]
    assert rcloud.show(sid)["image"]["id"] == BUSYBOX_ID  # an image boot, volumes added
    assert container_name(sid) not in rcloud.engine.bound_roots


def test_bad_mappings_are_refused_before_anything_is_made(rcloud: Cloud) -> None:
    def boot(*bdms: dict) -> tuple[int, str]:
        r = rcloud.nova("POST", "/servers", {"server": {
            "name": "x", "imageRef": "", "flavorRef": "1", "networks": "none",
            "block_device_mapping_v2": list(bdms)}})
        return r.status_code, r.text

    image = {"uuid": BUSYBOX_ID, "source_type": "image", "destination_type": "volume",
             "boot_index": 0}
    assert boot({**image, "volume_size": 0})[0] == 400
    assert boot({**image, "uuid": "9" * 32})[0] == 400
    assert boot({"uuid": "nope", "source_type": "volume", "destination_type": "volume",
                 "boot_index": 0})[0] == 404
    assert boot({"source_type": "blank", "destination_type": "volume", "boot_index": 0,
                 "volume_size": 1})[0] == 400
    assert boot(image, {**image, "volume_size": 1})[0] == 400  # two roots
    with rcloud.deps.sessions() as db:
        assert db.query(Volume).count() == 0


def test_a_volume_that_is_not_bootable_cannot_be_booted(rcloud: Cloud) -> None:
    r = rcloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": rcloud.token, "X-Subject-Token": rcloud.token})
    project = r.json()["token"]["project"]["id"]
    r = rcloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {"size": 1}},
                               headers={"X-Auth-Token": rcloud.token})
    vid = r.json()["volume"]["id"]
    r = rcloud.nova("POST", "/servers", {"server": {
        "name": "x", "flavorRef": "1", "networks": "none", **_bdm(
            uuid=vid, source_type="volume", destination_type="volume")}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        f"Block Device {vid} is not bootable.")


def test_boot_from_a_snapshot_makes_a_volume_of_it(rcloud: Cloud) -> None:
    first = rcloud.boot(imageRef="", **_bdm(
        uuid=BUSYBOX_ID, source_type="image", destination_type="volume", volume_size=1))
    rcloud.settle()
    ((vid, *_),) = _volumes_of(rcloud, first)
    r = rcloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": rcloud.token, "X-Subject-Token": rcloud.token})
    project = r.json()["token"]["project"]["id"]
    r = rcloud.api.client.post(f"/volume/v3/{project}/snapshots", json={"snapshot": {
        "volume_id": vid, "force": True}}, headers={"X-Auth-Token": rcloud.token})
    assert r.status_code == 202, r.text
    snap = r.json()["snapshot"]["id"]
    rcloud.settle()
    sid = rcloud.boot(imageRef="", **_bdm(
        uuid=snap, source_type="snapshot", destination_type="volume", volume_size=2,
        delete_on_termination=True))
    rcloud.settle()
    assert rcloud.status(sid) == "ACTIVE"
    ((root, device, att, status),) = _volumes_of(rcloud, sid)
    assert (device, att, status) == ("/dev/vda", "attached", "in-use")
    with rcloud.deps.sessions() as db:
        v = db.get(Volume, root)
        assert v is not None and (v.snapshot_id, v.size, v.bootable) == (snap, 2, True)
    assert _blocks(rcloud).volumes[root] == 2
    r = rcloud.nova("POST", "/servers", {"server": {"name": "x", "flavorRef": "1",
                                                    "networks": "none", **_bdm(
        uuid=snap, source_type="snapshot", destination_type="volume", volume_size=0)}})
    assert r.status_code == 400


def test_more_volumes_at_boot_than_device_names_is_a_400(rcloud: Cloud) -> None:
    r = rcloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": rcloud.token, "X-Subject-Token": rcloud.token})
    project = r.json()["token"]["project"]["id"]
    admin = rcloud.api.admin()
    r = rcloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": admin, "X-Subject-Token": admin})
    admin_project = r.json()["token"]["project"]["id"]
    r = rcloud.api.client.put(f"/volume/v3/{admin_project}/os-quota-sets/{project}", json={
        "quota_set": {"volumes": -1, "gigabytes": -1}}, headers={"X-Auth-Token": admin})
    assert r.status_code == 200, r.text
    blank = {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
             "boot_index": -1}
    r = rcloud.nova("POST", "/servers", {"server": {
        "name": "x", "imageRef": BUSYBOX_ID, "flavorRef": "1", "networks": "none",
        "block_device_mapping_v2": [blank] * 26}})  # vdb..vdz: 25 names
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "No free disk device names for prefix 'vd'")
    with rcloud.deps.sessions() as db:
        assert db.query(Volume).count() == 0
