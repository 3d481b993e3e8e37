"""The host side of attachments, over the fake engine and storage with the reconciler run
by hand: what the volume converger mounts and unmounts, and what it repairs."""

from __future__ import annotations

import dataclasses

import pytest

from cheptel.backends.fake_blocks import FakeBlockStore
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.reconciler.servers import container_name
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import attachments
from cheptel.volume.service.attachments import BUSY_PASSES
from tests.unit.conftest import MakeApi
from tests.unit.reconcile import Cloud


def _volume(cloud: Cloud, size: int = 1) -> str:
    r = cloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": cloud.token, "X-Subject-Token": cloud.token})
    project = r.json()["token"]["project"]["id"]
    r = cloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {
        "size": size}}, headers={"X-Auth-Token": cloud.token})
    assert r.status_code == 202, r.text
    return str(r.json()["volume"]["id"])


def _attach(cloud: Cloud, vid: str, sid: str, **fields: object) -> str:
    """What an attach request writes (Nova's or Cinder's), then the kick it gives."""
    with cloud.deps.sessions() as db, db.begin():
        volume = db.get(Volume, vid)
        assert volume is not None
        att = attachments.create(db, volume, sid, cloud.deps.clock(),
                                 device=attachments.device_for(db, sid, None), **fields)
        att_id = att.id
    cloud.deps.reconciler.schedule("block-storage", vid)
    return att_id


def _detach(cloud: Cloud, att_id: str) -> None:
    with cloud.deps.sessions() as db, db.begin():
        att = db.get(VolumeAttachment, att_id)
        assert att is not None
        attachments.begin_detach(db, att, cloud.deps.clock())
        vid = att.volume_id
    cloud.deps.reconciler.schedule("block-storage", vid)


def _status(cloud: Cloud, vid: str) -> str | None:
    with cloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        return v.status if v else None


def _rows(cloud: Cloud, vid: str) -> list[tuple[str | None, str | None, str]]:
    with cloud.deps.sessions() as db:
        return [(a.server_id, a.device, a.status) for a in attachments.of_volume(db, vid)]


def _blocks(cloud: Cloud) -> FakeBlockStore:
    assert isinstance(cloud.deps.blocks, FakeBlockStore)
    return cloud.deps.blocks


def test_a_server_container_gets_its_volume_directory(rcloud: Cloud) -> None:
    sid = rcloud.active()
    spec = rcloud.container(sid).spec
    assert spec.volume_dir == f"/fake-mnt/{sid}"
    assert _blocks(rcloud).prepared  # the mount root was shared at start


def test_attach_mounts_then_in_use_detach_unmounts_then_available(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    att = _attach(rcloud, vid, sid)
    assert _status(rcloud, vid) == "attaching"
    assert _blocks(rcloud).mounted == {}
    rcloud.settle()
    assert _status(rcloud, vid) == "in-use"
    assert _blocks(rcloud).mounted == {(sid, "vdb"): (vid, False)}
    assert _rows(rcloud, vid) == [(sid, "/dev/vdb", "attached")]
    _detach(rcloud, att)
    assert _status(rcloud, vid) == "detaching"
    rcloud.settle()
    assert (_status(rcloud, vid), _rows(rcloud, vid)) == ("available", [])
    assert _blocks(rcloud).mounted == {}


def test_devices_are_handed_out_in_order_and_reused(rcloud: Cloud) -> None:
    sid = rcloud.active()
    first, second = _volume(rcloud), _volume(rcloud)
    a1 = _attach(rcloud, first, sid)
    _attach(rcloud, second, sid)
    rcloud.settle()
    assert set(_blocks(rcloud).mounted) == {(sid, "vdb"), (sid, "vdc")}
    _detach(rcloud, a1)
    rcloud.settle()
    third = _volume(rcloud)
    _attach(rcloud, third, sid)
    rcloud.settle()
    assert _blocks(rcloud).mounted[(sid, "vdb")] == (third, False)


def test_a_read_only_volume_is_mounted_read_only(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    with rcloud.deps.sessions() as db, db.begin():
        volume = db.get(Volume, vid)
        assert volume is not None
        volume.readonly = True
    _attach(rcloud, vid, sid)
    rcloud.settle()
    assert _blocks(rcloud).mounted == {(sid, "vdb"): (vid, True)}


def test_a_busy_detach_is_retried_then_done_lazily(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    att = _attach(rcloud, vid, sid)
    rcloud.settle()
    _blocks(rcloud).busy.add((sid, "vdb"))  # a process inside has its cwd there
    _detach(rcloud, att)
    rcloud.settle()
    for _ in range(BUSY_PASSES - 1):
        assert _status(rcloud, vid) == "detaching"
        rcloud.pass_once()
    assert _status(rcloud, vid) == "detaching"
    assert (sid, "vdb") in _blocks(rcloud).mounted
    rcloud.pass_once()  # the last try: detached lazily, the kernel frees it later
    assert (_status(rcloud, vid), _blocks(rcloud).mounted) == ("available", {})


def test_a_failed_mount_gives_the_volume_back_with_the_reason(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    _blocks(rcloud).fail["attach"] = "mount: wrong fs type"
    _attach(rcloud, vid, sid)
    rcloud.settle()
    assert (_status(rcloud, vid), _rows(rcloud, vid)) == ("available", [])
    with rcloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        assert v is not None and v.error_message == "attach failed: mount: wrong fs type"


def test_deleting_the_server_detaches_and_deletes_on_termination(rcloud: Cloud) -> None:
    sid = rcloud.active()
    kept, doomed = _volume(rcloud), _volume(rcloud)
    _attach(rcloud, kept, sid)
    _attach(rcloud, doomed, sid, delete_on_termination=True)
    rcloud.settle()
    assert rcloud.nova("DELETE", f"/servers/{sid}").status_code == 204
    rcloud.settle()
    assert rcloud.gone(sid)
    assert _status(rcloud, kept) == "available"
    assert _status(rcloud, doomed) is None  # deleted with its server, as Nova does
    assert _blocks(rcloud).mounted == {}
    assert doomed not in _blocks(rcloud).volumes and kept in _blocks(rcloud).volumes
    assert sid not in _blocks(rcloud).dirs


def test_a_lost_mount_is_remounted_and_a_stray_one_removed(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    _attach(rcloud, vid, sid)
    rcloud.settle()
    blocks = _blocks(rcloud)
    blocks.mounted.clear()  # a host reboot
    blocks.mounted[(sid, "vdz")] = ("nobody-holds-me", False)
    rcloud.pass_once()
    assert blocks.mounted == {(sid, "vdb"): (vid, False)}
    assert _status(rcloud, vid) == "in-use"


@pytest.mark.parametrize("crash_in", ["attaching", "detaching"])
def test_a_crash_mid_way_is_finished_after_the_restart(rcloud: Cloud, make_api: MakeApi,
                                                         crash_in: str) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    blocks = _blocks(rcloud)
    att = _attach(rcloud, vid, sid)
    if crash_in == "detaching":
        rcloud.settle()
        _detach(rcloud, att)
    rcloud.crash(make_api)  # the queued converge is lost
    rcloud.deps.blocks = blocks  # the host's mounts outlive the process
    rcloud.pass_once(first=True)
    expected = ("in-use", {(sid, "vdb"): (vid, False)}) if crash_in == "attaching" \
        else ("available", {})
    assert (_status(rcloud, vid), blocks.mounted) == expected


def test_a_rebuilt_server_keeps_its_volumes(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    _attach(rcloud, vid, sid)
    rcloud.settle()
    rcloud.act(sid, "rebuild", {"imageRef": rcloud.show(sid)["image"]["id"]})
    rcloud.settle()
    assert rcloud.container(sid).spec.volume_dir == f"/fake-mnt/{sid}"
    assert _blocks(rcloud).mounted == {(sid, "vdb"): (vid, False)}
    assert container_name(sid) in rcloud.engine.containers


def _from_image(cloud: Cloud, **fields: object) -> dict:
    r = cloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": cloud.token, "X-Subject-Token": cloud.token})
    project = r.json()["token"]["project"]["id"]
    r = cloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {
        "imageRef": BUSYBOX_ID, **fields}}, headers={"X-Auth-Token": cloud.token})
    assert r.status_code == 202, r.text
    return r.json()["volume"]  # type: ignore[no-any-return]


def _cinder_show(cloud: Cloud, vid: str) -> dict:
    with cloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        assert v is not None
        project = v.project_id
    r = cloud.api.client.get(f"/volume/v3/{project}/volumes/{vid}",
                             headers={"X-Auth-Token": cloud.token})
    return r.json()["volume"]  # type: ignore[no-any-return]


def test_a_volume_from_an_image_holds_its_root_filesystem(rcloud: Cloud) -> None:
    made = _from_image(rcloud, size=2)
    vid = made["id"]
    assert made["status"] == "creating" and made["size"] == 2
    rcloud.settle()
    shown = _cinder_show(rcloud, vid)
    assert (shown["status"], shown["bootable"]) == ("available", "true")
    assert shown["volume_image_metadata"]["image_id"] == BUSYBOX_ID
    assert shown["volume_image_metadata"]["image_name"] == "busybox"
    assert _blocks(rcloud).contents[vid] == ["etc/image"]  # what the engine exported
    assert _blocks(rcloud).volumes[vid] == 2


def test_a_volume_from_an_image_takes_the_image_size_when_none_is_given(
        rcloud: Cloud) -> None:
    made = _from_image(rcloud)
    assert made["size"] == 1


def test_a_failed_image_copy_is_error_with_the_reason(rcloud: Cloud) -> None:
    _blocks(rcloud).fail["fill"] = "mount: no loop device left"
    vid = _from_image(rcloud)["id"]
    rcloud.settle()
    assert _status(rcloud, vid) == "error"
    with rcloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        assert v is not None and "no loop device left" in str(v.error_message)


def test_an_image_copy_cut_by_a_crash_starts_over(rcloud: Cloud, make_api: MakeApi) -> None:
    vid = _from_image(rcloud)["id"]
    with rcloud.deps.sessions() as db, db.begin():
        v = db.get(Volume, vid)
        assert v is not None
        v.status = "downloading"  # the crash came mid-copy
    _blocks(rcloud).volumes[vid] = 1
    rcloud.crash(make_api)
    assert _status(rcloud, vid) == "available"
    assert _blocks(rcloud).contents[vid] == ["etc/image"]


def test_a_clone_of_an_image_volume_is_copied_and_keeps_the_image_metadata(
        rcloud: Cloud) -> None:
    vid = _from_image(rcloud)["id"]
    rcloud.settle()
    assert _cinder_show(rcloud, vid)["bootable"] == "true"
    with rcloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        assert v is not None
        project = v.project_id
    r = rcloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {
        "source_volid": vid}}, headers={"X-Auth-Token": rcloud.token})
    assert r.status_code == 202, r.text
    cid = r.json()["volume"]["id"]
    rcloud.settle()
    shown = _cinder_show(rcloud, cid)
    assert (shown["status"], shown["bootable"], shown["source_volid"]) == (
        "available", "true", vid)
    assert shown["volume_image_metadata"]["image_id"] == BUSYBOX_ID
    assert cid not in _blocks(rcloud).contents  # copied from the volume, not unpacked again


def test_an_attachment_without_a_device_is_only_recorded(rcloud: Cloud) -> None:
    sid = rcloud.active()
    mounted, recorded = _volume(rcloud), _volume(rcloud)
    _attach(rcloud, mounted, sid)
    rcloud.settle()
    with rcloud.deps.sessions() as db, db.begin():
        volume = db.get(Volume, recorded)
        assert volume is not None
        att = attachments.create(db, volume, sid, rcloud.deps.clock())  # no device
        att_id = att.id
    rcloud.deps.reconciler.schedule("block-storage", recorded)
    rcloud.settle()
    _detach(rcloud, att_id)
    rcloud.settle()
    rcloud.pass_once()
    assert _blocks(rcloud).mounted == {(sid, "vdb"): (mounted, False)}  # left alone
    assert _status(rcloud, recorded) == "available"


def test_a_container_made_before_volume_support_refuses_the_attach(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), _volume(rcloud)
    c = rcloud.container(sid)
    c.spec = dataclasses.replace(c.spec, volume_dir=None)  # as an older cheptel made it
    _attach(rcloud, vid, sid)
    rcloud.settle()
    assert (_status(rcloud, vid), _blocks(rcloud).mounted) == ("available", {})
    with rcloud.deps.sessions() as db:
        v = db.get(Volume, vid)
        assert v is not None and "predates volume attachments" in str(v.error_message)
