"""The server converger over the fake engine: every transition a server goes through, as
the API shows it (status, task and power state, fault) and as the engine has it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cheptel.backends.fake import FakeEngine
from cheptel.compute import images
from cheptel.reconciler import boot_volumes
from cheptel.reconciler.servers import container_name, volume_name
from tests.unit.conftest import MakeApi
from tests.unit.reconcile import BUSYBOX_ID, Cloud

# Nova's power states
RUNNING, PAUSED, SHUTDOWN, SUSPENDED = 1, 3, 4, 7


def _states(cloud: Cloud, sid: str) -> tuple[str, str | None, int]:
    s = cloud.show(sid)
    return s["status"], s["OS-EXT-STS:task_state"], s["OS-EXT-STS:power_state"]


def test_boot_goes_build_then_active_with_a_running_container(rcloud: Cloud) -> None:
    sid = rcloud.boot()
    assert _states(rcloud, sid) == ("BUILD", "scheduling", 0)
    assert rcloud.container(sid) is None  # intent only: nothing made yet
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    s = rcloud.show(sid)
    assert s["OS-SRV-USG:launched_at"]
    c = rcloud.container(sid)
    assert c.state.status == "running"
    assert c.spec.memory_mb == 512 and c.spec.vcpus == 1  # m1.tiny's limits
    assert rcloud.engine.volumes[volume_name(sid)]  # the config drive


def test_stop_then_start(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "os-stop")
    assert _states(rcloud, sid) == ("ACTIVE", "powering-off", RUNNING)
    rcloud.settle()
    assert _states(rcloud, sid) == ("SHUTOFF", None, SHUTDOWN)
    assert rcloud.container_status(sid) == "exited"
    rcloud.act(sid, "os-start")
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    assert rcloud.container_status(sid) == "running"


def test_pause_then_unpause(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "pause")
    rcloud.settle()
    assert _states(rcloud, sid) == ("PAUSED", None, PAUSED)
    assert rcloud.container_status(sid) == "paused"
    rcloud.act(sid, "unpause")
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    assert rcloud.container_status(sid) == "running"


def test_suspend_then_resume(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "suspend")
    rcloud.settle()
    assert _states(rcloud, sid) == ("SUSPENDED", None, SUSPENDED)
    assert rcloud.container_status(sid) == "paused"
    rcloud.act(sid, "resume")
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    assert rcloud.container_status(sid) == "running"


@pytest.mark.parametrize("kind,status,task", [("SOFT", "REBOOT", "rebooting"),
                                              ("HARD", "HARD_REBOOT", "rebooting_hard")])
def test_reboot_restarts_the_container(rcloud: Cloud, kind: str, status: str,
                                       task: str) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "reboot", {"type": kind})
    assert _states(rcloud, sid)[:2] == (status, task)
    rcloud.engine.calls.clear()
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    assert ("restart", container_name(sid)) in rcloud.engine.calls


@pytest.mark.parametrize("first", ["pause", "os-stop"])
def test_reboot_brings_back_a_paused_or_stopped_server(rcloud: Cloud, first: str) -> None:
    sid = rcloud.active()
    rcloud.act(sid, first)
    rcloud.settle()
    rcloud.act(sid, "reboot", {"type": "HARD"})
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    assert rcloud.container_status(sid) == "running"


def test_rebuild_makes_a_new_container(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.container(sid).log = "the old container's output"
    rcloud.act(sid, "rebuild", {"imageRef": rcloud.show(sid)["image"]["id"]})
    assert _states(rcloud, sid)[:2] == ("REBUILD", "rebuilding")
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    assert rcloud.container_status(sid) == "running"
    assert rcloud.container(sid).log == ""  # not the same container


def test_rebuild_of_a_stopped_server_leaves_it_shutoff(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "os-stop")
    rcloud.settle()
    rcloud.act(sid, "rebuild", {"imageRef": rcloud.show(sid)["image"]["id"]})
    rcloud.settle()
    assert _states(rcloud, sid) == ("SHUTOFF", None, SHUTDOWN)
    assert rcloud.container_status(sid) == "created"


def test_resize_confirm_keeps_the_new_limits(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "resize", {"flavorRef": "2"})
    assert _states(rcloud, sid)[:2] == ("RESIZE", "resize_prep")
    rcloud.settle()
    assert _states(rcloud, sid) == ("VERIFY_RESIZE", None, RUNNING)
    assert rcloud.container(sid).spec.memory_mb == 2048  # m1.small
    rcloud.act(sid, "confirmResize")
    rcloud.settle()
    s = rcloud.show(sid)
    assert (s["status"], s["flavor"]["original_name"]) == ("ACTIVE", "m1.small")
    assert rcloud.container(sid).spec.memory_mb == 2048


def test_resize_revert_restores_the_old_limits(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "resize", {"flavorRef": "2"})
    rcloud.settle()
    rcloud.act(sid, "revertResize")
    rcloud.settle()
    s = rcloud.show(sid)
    assert (s["status"], s["flavor"]["original_name"]) == ("ACTIVE", "m1.tiny")
    assert rcloud.container(sid).spec.memory_mb == 512


def test_a_server_resized_while_shutoff_stays_off(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.act(sid, "os-stop")
    rcloud.settle()
    rcloud.act(sid, "resize", {"flavorRef": "2"})
    rcloud.settle()
    assert rcloud.status(sid) == "VERIFY_RESIZE"
    rcloud.pass_once()  # VERIFY_RESIZE of a stopped server: a stopped container agrees
    assert rcloud.container_status(sid) == "exited"
    rcloud.act(sid, "confirmResize")
    rcloud.settle()
    assert _states(rcloud, sid) == ("SHUTOFF", None, SHUTDOWN)


def test_delete_removes_the_container_and_its_config_drive(rcloud: Cloud) -> None:
    sid = rcloud.active()
    assert rcloud.nova("DELETE", f"/servers/{sid}").status_code == 204
    assert rcloud.show(sid)["OS-EXT-STS:task_state"] == "deleting"
    rcloud.settle()
    assert rcloud.gone(sid)
    assert rcloud.container(sid) is None and volume_name(sid) not in rcloud.engine.volumes


def test_delete_while_building_never_leaves_a_container(rcloud: Cloud) -> None:
    sid = rcloud.boot()
    assert rcloud.nova("DELETE", f"/servers/{sid}").status_code == 204
    rcloud.settle()
    assert rcloud.gone(sid) and rcloud.container(sid) is None


def test_snapshot_makes_an_active_image(rcloud: Cloud) -> None:
    sid = rcloud.active()
    r = rcloud.act(sid, "createImage", {"name": "snap"})
    image_id = r.json()["image_id"]
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    image = rcloud.api.client.get(f"/image/v2/images/{image_id}",
                                  headers={"X-Auth-Token": rcloud.token}).json()
    assert image["status"] == "active" and image["size"] > 0


# -- errors: the engine refuses --------------------------------------------------------------

def test_a_failed_create_is_error_with_the_engines_message(rcloud: Cloud) -> None:
    # (a failure in the first converge, still "scheduling" when it began, is retried once:
    # the handler writes its fault against the task the converge started from)
    rcloud.engine.fail("create", "no space left on device", times=2)
    sid = rcloud.boot()
    rcloud.settle()
    s = rcloud.show(sid)
    assert (s["status"], s["OS-EXT-STS:task_state"]) == ("ERROR", None)
    assert "no space left on device" in s["fault"]["message"]
    assert s["fault"]["code"] == 500
    rcloud.nova("DELETE", f"/servers/{sid}")  # an ERROR server can still be deleted
    rcloud.settle()
    assert rcloud.gone(sid)


@pytest.mark.parametrize("action,operation", [("os-stop", "stop"), ("pause", "pause"),
                                              ("suspend", "pause"),
                                              ("reboot", "restart")])
def test_a_failed_action_is_error_with_a_fault_naming_it(rcloud: Cloud, action: str,
                                                         operation: str) -> None:
    sid = rcloud.active()
    rcloud.engine.fail(operation, "the engine said no")
    rcloud.act(sid, action, {"type": "SOFT"} if action == "reboot" else None)
    rcloud.settle()
    s = rcloud.show(sid)
    assert s["status"] == "ERROR" and s["OS-EXT-STS:task_state"] is None
    assert "the engine said no" in s["fault"]["message"]


def test_a_failed_resize_is_error_and_keeps_the_old_flavor(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.engine.fail("update_limits", "cgroup refused")
    rcloud.act(sid, "resize", {"flavorRef": "2"})
    rcloud.settle()
    s = rcloud.show(sid)
    assert s["status"] == "ERROR" and "cgroup refused" in s["fault"]["message"]
    assert s["flavor"]["original_name"] == "m1.tiny"


def test_a_failed_delete_is_retried_by_the_next_pass(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.engine.fail("remove", "device or resource busy")
    rcloud.nova("DELETE", f"/servers/{sid}")
    rcloud.settle()
    assert rcloud.show(sid)["OS-EXT-STS:task_state"] == "deleting"
    assert rcloud.container(sid) is not None
    rcloud.pass_once()
    assert rcloud.gone(sid) and rcloud.container(sid) is None


def test_a_failed_snapshot_leaves_the_server_active_and_no_image(rcloud: Cloud) -> None:
    sid = rcloud.active()
    rcloud.engine.fail("commit", "disk full")
    image_id = rcloud.act(sid, "createImage", {"name": "snap"}).json()["image_id"]
    rcloud.settle()
    assert _states(rcloud, sid) == ("ACTIVE", None, RUNNING)
    r = rcloud.api.client.get(f"/image/v2/images/{image_id}",
                              headers={"X-Auth-Token": rcloud.token})
    assert r.status_code == 404


def test_a_delete_asked_while_a_stop_runs_wins(rcloud: Cloud) -> None:
    sid = rcloud.active()
    stop = rcloud.engine.stop

    def stop_then_the_user_deletes(name: str, timeout: int) -> None:
        stop(name, timeout)
        assert rcloud.nova("DELETE", f"/servers/{sid}").status_code == 204

    rcloud.engine.stop = stop_then_the_user_deletes  # type: ignore[method-assign]
    rcloud.act(sid, "os-stop")
    rcloud.settle()  # the stop's outcome is not written over the delete; the delete runs
    assert rcloud.gone(sid) and rcloud.container(sid) is None


def test_servers_of_one_image_spawned_at_once_load_it_once(make_api: MakeApi) -> None:
    """Each load of a reference but the last would leave an untagged image in the engine."""
    loads: list[str] = []

    class SlowLoads(FakeEngine):
        def load_image(self, ref: str, path: Path, container_format: str) -> None:
            loads.append(ref)
            time.sleep(0.05)  # an import takes a while: the others check meanwhile
            super().load_image(ref, path, container_format)

    deps = make_api(containers=SlowLoads()).deps
    with ThreadPoolExecutor(4) as pool:
        refs = list(pool.map(lambda _: boot_volumes.load(deps, BUSYBOX_ID), range(4)))
    assert refs == [images.local_ref(deps.cloud_id, BUSYBOX_ID)] * 4
    assert loads == refs[:1]
