"""Cattle through the unmodified client: `openstack stack create --wait -t top.yaml -e
env.yaml` (python-heatclient puts the nested template the environment names in `files`)
makes an AutoScalingGroup of two busybox servers on the real engine; a member's
container killed (`docker kill`), then another removed (`docker rm -f`) behind cheptel's
back is replaced by the stack reconciler without any stack update, the group back to two
ACTIVE servers within a bounded wait (the time each took is printed), and so is one
marked unhealthy with `openstack stack resource mark unhealthy`; `openstack stack delete
--wait` leaves no server and no container."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.cloud import DEMO_PASSWORD, Cloud

MEMBER = """
heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties: {image: busybox, flavor: m1.tiny, networks: []}
outputs:
  OS::stack_id:
    value: {get_resource: server}
"""
TOP = """
heat_template_version: 2018-08-31
resources:
  herd:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 2
      max_size: 3
      resource: {type: My::Member}
outputs:
  refs:
    value: {get_attr: [herd, refs]}
"""
ENV = "resource_registry:\n  My::Member: member.yaml\n"
DEADLINE = 45.0  # seconds a replacement may take (the scan runs every 5 s)


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60)


class Api:
    """Heat's and Nova's API as the demo user, for polls faster than the CLI's start-up."""

    def __init__(self, c: Cloud, stack_id: str) -> None:
        self.http = c.http()
        token = c.token("demo", DEMO_PASSWORD, "demo")
        self.http.headers["X-Auth-Token"] = token
        shown = self.http.get("/identity/v3/auth/tokens", headers={"X-Subject-Token": token})
        project = shown.json()["token"]["project"]["id"]
        self.stack = f"/orchestration/v1/{project}/stacks/cattle/{stack_id}"

    def refs(self) -> list[str]:
        r = self.http.get(self.stack + "/outputs/refs")
        assert r.status_code == 200, r.text
        return list(r.json()["output"]["output_value"] or [])

    def status(self, server_id: str) -> str:
        r = self.http.get(f"/compute/v2.1/servers/{server_id}")
        return str(r.json()["server"]["status"]) if r.status_code == 200 else "GONE"


def _member_names(api: Api, server_id: str) -> set[str]:
    """The group's member (a nested stack) whose server this is."""
    group = api.http.get(api.stack + "/resources/herd").json()["resource"]
    nested = [x["href"] for x in group["links"] if x["rel"] == "nested"][0]
    members = api.http.get(nested + "/resources").json()["resources"]
    names = set()
    for m in members:
        inner = [x["href"] for x in m["links"] if x["rel"] == "nested"][0]
        servers = api.http.get(inner + "/resources").json()["resources"]
        if any(r["physical_resource_id"] == server_id for r in servers):
            names.add(m["resource_name"])
    return names


def _replaced(api: Api, lost: str, kept: str) -> tuple[list[str], float]:
    """Wait until the group is two ACTIVE servers again without `lost`; the seconds (to
    Nova's ACTIVE), once the group's nested stack has settled too (the next fault must
    not land on a heal still under way)."""
    start = time.monotonic()
    while True:
        refs: list[Any] = []
        try:
            refs = api.refs()
        except httpx.HTTPError:
            pass
        if len(refs) == 2 and lost not in refs and kept in refs and all(
                api.status(s) == "ACTIVE" for s in refs):
            took = time.monotonic() - start
            _settled(api, start)
            return refs, took
        assert time.monotonic() - start < DEADLINE, (lost, refs)
        time.sleep(0.25)


def _settled(api: Api, start: float) -> None:
    group = api.http.get(api.stack + "/resources/herd").json()["resource"]
    nested = [x["href"] for x in group["links"] if x["rel"] == "nested"][0]
    while (status := api.http.get(nested).json()["stack"]["stack_status"]) != \
            "UPDATE_COMPLETE":
        assert time.monotonic() - start < DEADLINE, status
        time.sleep(0.25)


def test_an_autoscaling_group_heals_itself(heat_cloud: Cloud, tmp_path: Path) -> None:
    c = heat_cloud
    (tmp_path / "member.yaml").write_text(MEMBER)
    (tmp_path / "top.yaml").write_text(TOP)
    (tmp_path / "env.yaml").write_text(ENV)
    proc = c.cli("stack", "create", "--wait", "-t", str(tmp_path / "top.yaml"), "-e",
                 str(tmp_path / "env.yaml"), "cattle", "-f", "json", cloud="cheptel-demo",
                 as_json=False)
    log, shown = proc.stdout.split("\n{", 1)  # --wait prints the events it polled first
    assert "[cattle.herd]: CREATE_COMPLETE" in log, log
    made = json.loads("{" + shown)
    assert made["stack_status"] == "CREATE_COMPLETE", made
    api = Api(c, made["id"])
    refs = api.refs()
    assert len(refs) == 2 and all(api.status(s) == "ACTIVE" for s in refs), refs
    nested = c.cli("stack", "resource", "list", "--nested-depth", "2", "cattle",
                   cloud="cheptel-demo")
    assert {r["resource_type"] for r in nested} >= {"OS::Heat::AutoScalingGroup",
                                                    "My::Member", "OS::Nova::Server"}

    assert _docker("kill", f"cheptel-{refs[0]}").returncode == 0
    refs2, killed = _replaced(api, refs[0], refs[1])
    print(f"\nmember killed (docker kill) -> replacement ACTIVE: {killed:.1f} s")
    assert _docker("rm", "-f", f"cheptel-{refs2[0]}").returncode == 0
    refs3, removed = _replaced(api, refs2[0], refs2[1])
    print(f"member removed (docker rm -f) -> replacement ACTIVE: {removed:.1f} s")

    # `stack resource mark unhealthy` of a member (in the group's nested stack): at once
    members = [r for r in c.cli("stack", "resource", "list", "--nested-depth", "2",
                                "cattle", cloud="cheptel-demo")
               if r["resource_type"] == "My::Member"]
    victim = [r for r in members if r["resource_name"] in _member_names(api, refs3[0])]
    assert len(victim) == 1, (members, refs3)
    c.cli("stack", "resource", "mark", "unhealthy", victim[0]["stack_name"],
          victim[0]["resource_name"], "slow", cloud="cheptel-demo", as_json=False)
    refs4, marked = _replaced(api, refs3[0], refs3[1])
    print(f"member marked unhealthy (CLI) -> replacement ACTIVE: {marked:.1f} s")

    c.cli("stack", "delete", "--wait", "--yes", "cattle", cloud="cheptel-demo",
          as_json=False)
    assert c.cli("stack", "list", cloud="cheptel-demo") == []
    for server in {*refs, *refs2, *refs3, *refs4}:
        assert api.status(server) == "GONE", server
        assert _docker("inspect", f"cheptel-{server}").returncode != 0, server
