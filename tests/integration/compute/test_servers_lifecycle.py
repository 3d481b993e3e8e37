"""Server actions and isolation through openstacksdk, checked on the real engine."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from openstack import exceptions

from tests.integration.cloud import Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def scloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def demo(scloud: Cloud):  # type: ignore[no-untyped-def]
    return scloud.sdk("cheptel-demo")


def boot(conn, name: str, flavor: str = "m1.tiny", image: str = "busybox", **kw):  # type: ignore[no-untyped-def]
    image_id = conn.image.find_image(image, ignore_missing=False).id
    server = conn.compute.create_server(
        name=name, image_id=image_id, networks="none",
        flavor_id=conn.compute.find_flavor(flavor, ignore_missing=False).id, **kw)
    return support.wait_status(conn, server.id, "ACTIVE")


def memory(server_id: str) -> int:
    return support.container(server_id).attrs["HostConfig"]["Memory"]


def test_resize_confirm_and_revert_change_the_limits(demo) -> None:  # type: ignore[no-untyped-def]
    s = boot(demo, "resize-me")
    assert memory(s.id) == 512 * 2**20
    small = demo.compute.find_flavor("m1.small")
    demo.compute.resize_server(s.id, small.id)
    support.wait_status(demo, s.id, "VERIFY_RESIZE")
    assert memory(s.id) == 2048 * 2**20
    demo.compute.revert_server_resize(s.id)
    s = support.wait_status(demo, s.id, "ACTIVE")
    assert memory(s.id) == 512 * 2**20 and s.flavor.original_name == "m1.tiny"
    demo.compute.resize_server(s.id, small.id)
    support.wait_status(demo, s.id, "VERIFY_RESIZE")
    demo.compute.confirm_server_resize(s.id)
    s = support.wait_status(demo, s.id, "ACTIVE")
    assert s.flavor.original_name == "m1.small" and memory(s.id) == 2048 * 2**20
    demo.compute.delete_server(s.id)


def test_snapshot_boots_and_rebuild_keeps_the_id(demo) -> None:  # type: ignore[no-untyped-def]
    s = boot(demo, "snap-src", user_data=support.user_data(
        "#!/bin/sh\necho marker > /etc/snapshot-marker\n"))
    support.wait_for(lambda: support.container(s.id).exec_run(
        ["cat", "/etc/snapshot-marker"])[0] == 0, 30, "user data to write the marker")
    image_id = demo.compute.create_server_image(s.id, name="snap-" + uuid.uuid4().hex[:6],
                                                wait=True)
    image_id = getattr(image_id, "id", image_id)
    image = demo.image.wait_for_status(demo.image.get_image(image_id), "active", wait=60)
    assert image.container_format == "docker" and image.size > 0 and image.checksum
    copy = boot(demo, "from-snapshot", image=image.id)
    code, out = support.container(copy.id).exec_run(["cat", "/etc/snapshot-marker"])
    assert code == 0 and out.strip() == b"marker"

    busybox = demo.image.find_image("busybox")
    demo.compute.rebuild_server(copy.id, image=busybox.id)
    rebuilt = support.wait_status(demo, copy.id, "ACTIVE")
    assert rebuilt.id == copy.id and rebuilt.image.id == busybox.id
    assert support.container(copy.id).exec_run(["cat", "/etc/snapshot-marker"])[0] != 0
    for sid in (s.id, copy.id):
        demo.compute.delete_server(sid)


def test_pause_suspend_lock_and_state_conflicts(demo) -> None:  # type: ignore[no-untyped-def]
    s = boot(demo, "states")
    demo.compute.pause_server(s.id)
    support.wait_status(demo, s.id, "PAUSED")
    assert support.container(s.id).status == "paused"
    with pytest.raises(exceptions.ConflictException):
        demo.compute.suspend_server(s.id)  # only from ACTIVE
    demo.compute.unpause_server(s.id)
    support.wait_status(demo, s.id, "ACTIVE")
    demo.compute.suspend_server(s.id)
    support.wait_status(demo, s.id, "SUSPENDED")
    demo.compute.resume_server(s.id)
    support.wait_status(demo, s.id, "ACTIVE")
    demo.compute.lock_server(s.id)
    with pytest.raises(exceptions.ConflictException):
        demo.compute.delete_server(s.id)
    demo.compute.unlock_server(s.id)
    actions = [a.action for a in demo.compute.server_actions(s.id)]
    assert {"create", "pause", "unpause", "suspend", "resume", "lock", "unlock"} <= set(actions)
    demo.compute.delete_server(s.id)
    demo.compute.wait_for_delete(demo.compute.get_server(s.id), wait=60)


def test_keypair_lands_in_authorized_keys(demo) -> None:  # type: ignore[no-untyped-def]
    key = demo.compute.create_keypair(name="k-" + uuid.uuid4().hex[:6])
    s = boot(demo, "with-key", key_name=key.name)
    code, out = support.container(s.id).exec_run(["cat", "/root/.ssh/authorized_keys"])
    assert code == 0 and out.decode().strip() == key.public_key.strip()
    assert demo.compute.get_server(s.id).key_name == key.name
    demo.compute.delete_server(s.id)


def test_another_project_sees_nothing(scloud: Cloud, demo) -> None:  # type: ignore[no-untyped-def]
    s = boot(demo, "private-one")
    key = demo.compute.create_keypair(name="iso-" + uuid.uuid4().hex[:6])
    _, conn = support.member_of_new_project(scloud, "other")
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_server(s.id)
    assert s.id not in [x.id for x in conn.compute.servers()]
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.stop_server(s.id)
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.delete_server(s.id, ignore_missing=False)
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_keypair(key.name)
    assert key.name not in [k.name for k in conn.compute.keypairs()]
    assert support.container(s.id).status == "running"
    demo.compute.delete_server(s.id)


def test_quota_exceeded_is_novas_403(scloud: Cloud) -> None:
    project, conn = support.member_of_new_project(scloud, "quota")
    scloud.sdk("cheptel").compute.update_quota_set(project.id, instances=1)
    boot(conn, "first")
    with pytest.raises(exceptions.ForbiddenException) as err:
        boot(conn, "second")
    assert "Quota exceeded for instances" in str(err.value)
    assert len(list(conn.compute.servers())) == 1
    for s in conn.compute.servers():
        conn.compute.delete_server(s.id)


def test_unbootable_format_gives_a_clear_fault(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "disk.qcow2"
    data.write_bytes(b"QFI\xfb" + b"\0" * 512)
    image = demo.image.create_image(name="qcow-" + uuid.uuid4().hex[:6], filename=str(data),
                                    disk_format="qcow2", container_format="bare",
                                    wait=True)
    server = demo.compute.create_server(
        name="cannot-boot", image_id=image.id, networks="none",
        flavor_id=demo.compute.find_flavor("m1.tiny").id)
    s = support.wait_status(demo, server.id, "ERROR")
    assert "qcow2" in s.fault["message"] or "qcow2" in s.fault.get("details", "")
    demo.compute.delete_server(s.id)


def test_raw_image_that_is_no_tar_gives_a_clear_fault(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "random.raw"
    data.write_bytes(os.urandom(1024))  # what Tempest uploads as a "raw" image
    image = demo.image.create_image(name="raw-" + uuid.uuid4().hex[:6], filename=str(data),
                                    disk_format="raw", container_format="bare", wait=True)
    server = demo.compute.create_server(
        name="no-rootfs", image_id=image.id, networks="none",
        flavor_id=demo.compute.find_flavor("m1.tiny").id)
    s = support.wait_status(demo, server.id, "ERROR")
    assert "not a root filesystem tar" in s.fault["message"], s.fault
    demo.compute.delete_server(s.id)
    demo.image.delete_image(image.id)


def test_anti_affinity_on_one_host_fails_the_second_member(demo) -> None:  # type: ignore[no-untyped-def]
    group = demo.compute.create_server_group(name="aa-" + uuid.uuid4().hex[:6],
                                             policies=["anti-affinity"])
    first = boot(demo, "aa-1", scheduler_hints={"group": group.id})
    second = demo.compute.create_server(
        name="aa-2", image_id=demo.image.find_image("busybox").id, networks="none",
        flavor_id=demo.compute.find_flavor("m1.tiny").id, scheduler_hints={"group": group.id})
    failed = support.wait_status(demo, second.id, "ERROR")
    assert "No valid host" in failed.fault["message"]
    assert first.id in demo.compute.get_server_group(group.id).member_ids
    for sid in (first.id, second.id):
        demo.compute.delete_server(sid)
