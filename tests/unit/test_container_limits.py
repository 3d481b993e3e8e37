"""What a tenant's container is capped at (log, ulimits, cgroup namespace), in-process over
the fake engine: a server booted through the compute API, its container spec read back."""

from __future__ import annotations

import time

import pytest

from cheptel.backends.engine import ContainerSpec
from cheptel.reconciler.servers import MAX_CONSOLE_BYTES
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi

COMPUTE = "/compute/v2.1"


def _boot(api: Api, flavor: str = "1") -> tuple[str, str]:
    token = api.token("demo", DEMO_PASSWORD, "demo")
    image = api.client.get("/image/v2/images?name=busybox",
                           headers={"X-Auth-Token": token}).json()["images"][0]["id"]
    r = api.client.post(COMPUTE + "/servers", headers={"X-Auth-Token": token}, json={
        "server": {"name": "capped", "imageRef": image, "flavorRef": flavor,
                   "networks": "none"}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = api.client.get(f"{COMPUTE}/servers/{sid}",
                                headers={"X-Auth-Token": token}).json()["server"]["status"]
        if status != "BUILD":
            break
        time.sleep(0.05)
    assert status == "ACTIVE"
    return sid, token


def _spec(api: Api, sid: str) -> ContainerSpec:
    return api.deps.containers.containers[f"cheptel-{sid}"].spec


def test_every_container_carries_the_caps(make_api: MakeApi) -> None:
    api = make_api(container_engine="fake", console_log_max_bytes=65536, console_log_files=2)
    sid, _ = _boot(api)
    spec = _spec(api, sid)
    assert (spec.log_max_bytes, spec.log_max_files) == (65536, 2)
    assert spec.nofile == (1024, 4096)
    # without user namespace remapping nproc is a host-wide backstop: the pids limit
    # bounds the server
    assert spec.pids_limit == 256 and spec.nproc == (4096, 4096)


def test_a_flavor_says_its_ulimits_and_remapping_makes_nproc_the_pids_limit(
        make_api: MakeApi) -> None:
    api = make_api(container_engine="fake")
    api.deps.containers.remap = (100000, 100000)
    admin = api.admin()
    r = api.client.post(COMPUTE + "/flavors/2/os-extra_specs", headers={
        "X-Auth-Token": admin}, json={"extra_specs": {"cheptel:nofile": "2048:8192"}})
    assert r.status_code == 200, r.text
    sid, _ = _boot(api, flavor="2")
    spec = _spec(api, sid)
    assert spec.nofile == (2048, 8192)
    assert spec.nproc == (spec.pids_limit, spec.pids_limit)
    assert (spec.log_max_bytes, spec.log_max_files) == (1024 * 1024, 3)


@pytest.mark.parametrize("bad", ["lots", "0", "9:3", "-1"])
def test_a_bad_ulimit_spec_falls_back_to_the_default(make_api: MakeApi, bad: str) -> None:
    api = make_api(container_engine="fake")
    api.client.post(COMPUTE + "/flavors/1/os-extra_specs", headers={
        "X-Auth-Token": api.admin()}, json={"extra_specs": {"cheptel:nproc": bad}})
    sid, _ = _boot(api)
    assert _spec(api, sid).nproc == (4096, 4096)


def test_the_console_log_shows_the_newest_output(make_api: MakeApi) -> None:
    api = make_api(container_engine="fake")
    sid, token = _boot(api)
    lines = [f"line {i:06d} " + "x" * 90 for i in range(3000)]  # ~300 KB
    api.deps.containers.containers[f"cheptel-{sid}"].log = "\n".join(lines) + "\n"
    r = api.client.post(f"{COMPUTE}/servers/{sid}/action", headers={"X-Auth-Token": token},
                        json={"os-getConsoleOutput": {}})
    output = r.json()["output"]
    assert len(output) <= MAX_CONSOLE_BYTES and output.endswith(lines[-1] + "\n")
    assert "line 000000" not in output
    r = api.client.post(f"{COMPUTE}/servers/{sid}/action", headers={"X-Auth-Token": token},
                        json={"os-getConsoleOutput": {"length": 3}})
    assert r.json()["output"] == "\n".join(lines[-2:]) + "\n"
