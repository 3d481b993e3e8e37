"""Cattle: drift behind cheptel's back is repaired, and a crash loses nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cheptel.compute.images import local_ref
from tests.integration.cloud import Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def scloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _boot(conn, name: str):  # type: ignore[no-untyped-def]
    return conn.compute.create_server(
        name=name, image_id=conn.image.find_image("busybox").id, networks="none",
        flavor_id=conn.compute.find_flavor("m1.tiny").id)


def _busybox_ref(c: Cloud) -> str:
    """The cloud's busybox in the engine (its own repository), loaded by a first boot."""
    conn = c.sdk("cheptel-demo")
    ref = local_ref(c.id or "", conn.image.find_image("busybox").id)
    if not support.engine().images.list(name=ref):
        s = support.wait_status(conn, _boot(conn, "load").id, "ACTIVE")
        conn.compute.delete_server(s.id)
    return ref


def test_stopped_behind_its_back_goes_shutoff(scloud: Cloud) -> None:
    conn = scloud.sdk("cheptel-demo")
    s = support.wait_status(conn, _boot(conn, "drift-stop").id, "ACTIVE")
    support.container(s.id).stop(timeout=0)
    s = support.wait_status(conn, s.id, "SHUTOFF", timeout=30)
    assert s.power_state == 4
    conn.compute.start_server(s.id)
    support.wait_status(conn, s.id, "ACTIVE")
    assert support.container(s.id).status == "running"
    conn.compute.delete_server(s.id)


def test_removed_behind_its_back_goes_error_with_a_fault(scloud: Cloud) -> None:
    conn = scloud.sdk("cheptel-demo")
    s = support.wait_status(conn, _boot(conn, "drift-rm").id, "ACTIVE")
    support.container(s.id).remove(force=True)
    s = support.wait_status(conn, s.id, "ERROR", timeout=30)
    assert "disappeared" in s.fault["message"]
    conn.compute.delete_server(s.id)
    conn.compute.wait_for_delete(s, wait=30)


def test_a_labelled_container_with_no_row_is_removed(scloud: Cloud) -> None:
    fake_id = uuid.uuid4().hex
    orphan = support.engine().containers.run(
        _busybox_ref(scloud), ["sleep", "600"], detach=True, name=f"cheptel-{fake_id}",
        labels={"cheptel.managed": "true", "cheptel.cloud": support.cloud_id(scloud),
                "cheptel.server": fake_id}, network_mode="none")
    support.wait_for(lambda: support.no_container(id=orphan.id), 30,
                     "the orphan to be removed")


def test_another_clouds_containers_are_left_alone(scloud: Cloud) -> None:
    other = support.engine().containers.run(
        _busybox_ref(scloud), ["sleep", "600"], detach=True,
        labels={"cheptel.managed": "true", "cheptel.cloud": "some-other-cloud",
                "cheptel.server": uuid.uuid4().hex}, network_mode="none")
    try:
        conn = scloud.sdk("cheptel-demo")
        s = support.wait_status(conn, _boot(conn, "neighbour").id, "ACTIVE")
        support.container(s.id).stop(timeout=0)  # wait for a full pass to have run
        support.wait_status(conn, s.id, "SHUTOFF", timeout=30)
        other.reload()
        assert other.status == "running"
        conn.compute.delete_server(s.id)
    finally:
        other.remove(force=True)


def test_kill_9_during_create_then_restart_leaves_no_orphan(tmp_path: Path) -> None:
    cloud = support.start_cloud(tmp_path / "crash")
    cid = support.cloud_id(cloud)
    try:
        conn = cloud.sdk("cheptel-demo")
        ids = [_boot(conn, f"crash-{i}").id for i in range(3)]
        cloud.kill()  # mid-way: some rows BUILD, maybe a container created, maybe started
        cloud.start()
        conn = cloud.sdk("cheptel-demo")
        final = {}
        for sid in ids:
            final[sid] = support.wait_for(
                lambda sid=sid: (s := conn.compute.get_server(sid)).status in (
                    "ACTIVE", "ERROR") and s, 60, f"{sid} to settle")
        assert all(s.status == "ACTIVE" for s in final.values()), {
            k: (v.status, v.fault) for k, v in final.items()}
        mine = support.engine().containers.list(
            all=True, filters={"label": f"cheptel.cloud={cid}"})
        assert sorted(c.labels["cheptel.server"] for c in mine) == sorted(ids)

        victim = ids[0]
        conn.compute.delete_server(victim)
        cloud.kill()  # a delete in flight
        cloud.start()
        conn = cloud.sdk("cheptel-demo")
        support.wait_for(lambda: conn.compute.find_server(victim, ignore_missing=True) is None,
                         60, "the interrupted delete to finish")
        support.wait_for(lambda: support.no_container(name=f"cheptel-{victim}"), 30,
                         "the container to go")
    finally:
        cloud.close()


def test_the_engines_events_repair_drift_without_waiting_for_a_pass(tmp_path: Path) -> None:
    """Docker's events (cheptel.reconciler.events) wake the reconciler: with the
    periodic pass an hour away, a container killed behind cheptel's back is still SHUTOFF
    within seconds, and one paused is unpaused."""
    c = Cloud(tmp_path, extra_env={"CHEPTEL_RECONCILE_INTERVAL": "3600"}).start()
    try:
        conn = c.sdk("cheptel-demo")
        s = support.wait_status(conn, _boot(conn, "events").id, "ACTIVE")
        support.container(s.id).kill()
        support.wait_status(conn, s.id, "SHUTOFF", timeout=30)
        conn.compute.start_server(s.id)
        support.wait_status(conn, s.id, "ACTIVE")
        support.container(s.id).pause()
        support.wait_for(lambda: support.container(s.id).status == "running", 30,
                         "the paused container running again")
        conn.compute.delete_server(s.id)
        conn.compute.wait_for_delete(s, wait=30)
    finally:
        c.close()
