"""Crash points and drift: a new reconciler on the same database finishes or cleans up
what a dead one left, and the periodic pass repairs what was changed behind its back."""

from __future__ import annotations

import uuid

import pytest

from cheptel.backends.fake import Crash
from cheptel.reconciler.servers import container_name, volume_name
from tests.unit.conftest import MakeApi
from tests.unit.reconcile import Cloud

# -- crash points -----------------------------------------------------------------------------


def test_intent_written_then_the_process_dies_the_next_one_boots_it(
        rcloud: Cloud, make_api: MakeApi) -> None:
    sid = rcloud.boot()
    rcloud.crash(make_api)  # the kick was lost with the process
    assert rcloud.status(sid) == "ACTIVE"
    assert rcloud.container_status(sid) == "running"


@pytest.mark.parametrize("operation", ["create", "start"])
def test_dead_between_making_the_container_and_writing_active(
        rcloud: Cloud, make_api: MakeApi, operation: str) -> None:
    rcloud.engine.crash_after(operation)
    sid = rcloud.boot()
    with pytest.raises(Crash):
        rcloud.settle()
    assert rcloud.status(sid) == "BUILD" and rcloud.container(sid) is not None
    rcloud.container(sid).log = "the half-made container"
    rcloud.crash(make_api)
    assert rcloud.status(sid) == "ACTIVE"
    assert rcloud.container_status(sid) == "running"
    assert list(rcloud.engine.containers) == [container_name(sid)]
    assert rcloud.container(sid).log == ""  # started over from a clean container


def test_dead_after_the_stop_before_shutoff_is_written(rcloud: Cloud,
                                                       make_api: MakeApi) -> None:
    sid = rcloud.active()
    rcloud.engine.crash_after("stop")
    rcloud.act(sid, "os-stop")
    with pytest.raises(Crash):
        rcloud.settle()
    rcloud.crash(make_api)
    s = rcloud.show(sid)
    assert (s["status"], s["OS-EXT-STS:task_state"]) == ("SHUTOFF", None)
    assert rcloud.container_status(sid) == "exited"  # not brought back by the first pass


def test_dead_mid_delete_the_next_one_finishes_it(rcloud: Cloud, make_api: MakeApi) -> None:
    sid = rcloud.active()
    rcloud.engine.crash_after("remove")
    rcloud.nova("DELETE", f"/servers/{sid}")
    with pytest.raises(Crash):
        rcloud.settle()
    assert rcloud.show(sid)["OS-EXT-STS:task_state"] == "deleting"
    rcloud.crash(make_api)
    assert rcloud.gone(sid)
    assert rcloud.container(sid) is None and volume_name(sid) not in rcloud.engine.volumes


def test_a_delete_requested_then_lost_is_finished(rcloud: Cloud, make_api: MakeApi) -> None:
    sid = rcloud.active()
    rcloud.nova("DELETE", f"/servers/{sid}")
    rcloud.crash(make_api)
    assert rcloud.gone(sid) and not rcloud.engine.containers


def test_a_host_restart_brings_back_what_was_running(rcloud: Cloud,
                                                     make_api: MakeApi) -> None:
    up, down = rcloud.active("up"), rcloud.active("down")
    rcloud.act(down, "os-stop")
    rcloud.settle()
    rcloud.engine.stop(container_name(up), 10)  # the engine restarted: everything exited
    rcloud.crash(make_api)
    assert rcloud.status(up) == "ACTIVE" and rcloud.container_status(up) == "running"
    assert rcloud.status(down) == "SHUTOFF" and rcloud.container_status(down) == "exited"


# -- drift: behind cheptel's back --------------------------------------------------------------

def test_a_container_removed_behind_its_back_is_error_with_a_fault(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.engine.remove(container_name(sid))
    rcloud.pass_once()
    s = rcloud.show(sid)
    assert s["status"] == "ERROR" and "disappeared" in s["fault"]["message"]
    rcloud.pass_once()  # an ERROR server is left as it is: no container is made again
    assert rcloud.container(sid) is None and rcloud.status(sid) == "ERROR"


def test_a_container_stopped_behind_its_back_is_shutoff(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.engine.stop(container_name(sid), 0)
    rcloud.pass_once()
    s = rcloud.show(sid)
    assert (s["status"], s["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)
    rcloud.act(sid, "os-start")
    rcloud.settle()
    assert rcloud.container_status(sid) == "running"


def test_the_database_is_the_truth_for_power(rcloud: Cloud) -> None:
    stopped, active = rcloud.active("stopped"), rcloud.active("active")
    rcloud.act(stopped, "os-stop")
    rcloud.settle()
    rcloud.engine.start(container_name(stopped))  # started behind its back
    rcloud.engine.pause(container_name(active))  # paused behind its back
    rcloud.pass_once()
    assert rcloud.container_status(stopped) == "exited"
    assert rcloud.container_status(active) == "running"
    assert (rcloud.status(stopped), rcloud.status(active)) == ("SHUTOFF", "ACTIVE")


def test_an_orphan_of_this_cloud_is_removed(rcloud: Cloud) -> None:
    sid = rcloud.active()
    orphan_id = uuid.uuid4().hex
    orphan = rcloud.plant(orphan_id)
    rcloud.engine.write_volume(volume_name(orphan_id), {"x": b""}, {})
    rcloud.pass_once()
    assert orphan not in rcloud.engine.containers
    assert volume_name(orphan_id) not in rcloud.engine.volumes
    assert rcloud.container_status(sid) == "running"  # its own servers stay


def test_another_clouds_containers_are_left_alone(rcloud: Cloud) -> None:
    foreign = rcloud.plant(uuid.uuid4().hex, cloud="some-other-cloud")
    rcloud.pass_once()
    assert rcloud.engine.containers[foreign].state.status == "running"


def test_a_running_server_is_left_alone(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.engine.calls.clear()
    rcloud.pass_once()
    assert [c for c in rcloud.engine.calls if c[1] == container_name(sid)] == []
