"""Issue 15's CI run: `cheptel chaos --scaling-group` for a minute against a self-healing
group behind a load balancer, on the real engine and HAProxy. The stack is issue 13's web
tier (web_tier.py: an AutoScalingGroup of three busybox web servers, each with
its pool member from a nested template, an HTTP monitor of delay 1, a floating IP on the
VIP); chaos kills one of the group's servers every 15 s, drawn among its ACTIVE servers
at each kill, while this test probes the same address on its own. The report's
availability agrees with this probe's, the users saw the service up (the balancer routes
around each victim while the group replaces it), each kill was noticed (its member
ERROR) and replaced (the group back at three ACTIVE servers, the new one ONLINE in the
pool), and nothing is left behind. Timings are printed, never asserted (CI's load)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from cheptel.chaos import _probe
from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.orchestration.web_tier import DEMO, create, pages, servers, wait_serving

STACK = "chaos-tier"


def _stack(c: Cloud, tmp_path: Path) -> tuple[str, str]:
    """The web tier up, its three servers answering through the balancer: (the VIP's
    floating IP, the pool's id)."""
    address = create(c, tmp_path, STACK)
    pool = c.cli("stack", "resource", "show", STACK, "pool", cloud=DEMO)[
        "physical_resource_id"]
    wait_serving(c, STACK, address, 120)
    return address, pool


def test_chaos_against_a_self_healing_group_behind_a_load_balancer(
        heat_cloud: Cloud, tmp_path: Path) -> None:
    c = heat_cloud
    demo = c.sdk(DEMO)
    address, pool = _stack(c, tmp_path)
    first = servers(c, STACK)
    base = [sys.executable, "-m", "cheptel", "chaos", "--data-dir", str(c.data_dir),
            "--project", "demo", "--scaling-group", f"{STACK}/herd", "--pool", pool,
            "--faults", "kill", "--duration", "60", "--every", "15", "--grace", "240"]
    dry = subprocess.run([*base, "--dry-run"], env=c.env(), capture_output=True, text=True,
                         timeout=120)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "probing port 80 of load balancer" in dry.stdout and address in dry.stdout
    assert f"scaling group {STACK}/herd (OS::Heat::AutoScalingGroup) now:" in dry.stdout
    assert "plan: 3 faults on 3 ACTIVE servers" in dry.stdout, dry.stdout
    assert all(demo.compute.get_server(s).status == "ACTIVE" for s in first)  # untouched

    seen: list[tuple[float, bool]] = []
    done = threading.Event()

    def probe() -> None:  # a user of the service, on its own
        while not done.is_set():
            seen.append((time.time(), _probe(address, 80)))
            time.sleep(0.25)

    user = threading.Thread(target=probe, daemon=True)
    user.start()
    try:
        run = subprocess.run(base, env=c.env(), capture_output=True, text=True, timeout=900)
    finally:
        done.set()
        user.join()
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(Path(run.stdout.strip().splitlines()[-1].split(
        "report saved in ")[1]).read_text())
    window = [ok for t, ok in seen
              if report["started"] <= t <= report["started"] + report["duration"]]
    ours = 100.0 * window.count(True) / len(window)
    tried, availability = report["requests"]["tried"], report["requests"]["availability"]
    injections = report["injections"]
    print(f"chaos on a self-healing group: report {availability:.2f}% of {tried}, this "
          f"probe {ours:.2f}% of {len(window)}; noticed (member ERROR) after "
          f"{[i['detected_after'] for i in injections]} s, replaced (new member ONLINE) "
          f"after {[i['replaced_after'] for i in injections]} s\n{run.stdout}")
    assert report["group"]["resource"] == "herd" and report["pool"]["address"] == address
    assert list(report["probes"]) == ["loadbalancer"]
    assert tried > 100 and abs(tried - len(window)) < 0.3 * len(window), (tried, len(window))
    assert availability >= 95 and ours >= 95, (availability, ours)
    assert abs(availability - ours) < 4, (availability, ours)
    # three kills, each of a server the group held then (never one already killed), each
    # noticed and replaced
    killed = [i["server_id"] for i in injections]
    assert [i["fault"] for i in injections] == ["kill"] * 3 and len(set(killed)) == 3
    assert killed[0] in first
    assert all(i["detected_after"] is not None and i["replaced_after"] is not None
               for i in injections), injections
    now = servers(c, STACK)
    assert len(now) == 3 and not set(now) & set(killed), (now, killed)
    assert all(demo.compute.get_server(s).status == "ACTIVE" for s in now)
    assert report["left"] == [], report["left"]
    support.wait_for(lambda: len(pages(address)) == 3, 60,
                     "the three servers of the group answering")

    c.cli("stack", "delete", "--yes", "--wait", STACK, cloud=DEMO, as_json=False,
          timeout=600)
    assert c.cli("loadbalancer", "list", cloud=DEMO) == []
    assert not [s for s in demo.compute.servers() if s.id in set(first) | set(now)]
