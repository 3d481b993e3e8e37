"""`cheptel chaos` on the real engine against two web servers behind floating IPs, while
this test probes them on its own: the report's figures agree with what this probe saw;
a paused server is noticed and answers again within the reconciler's passes; a killed
one is left SHUTOFF (as Nova; no self-healing group holds it), and the report says so;
a netcut fails the probe until chaos restores it and leaves no rule behind; another
project's server is never touched."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cheptel.backends.firewall import prefix_for
from cheptel.chaos import _probe
from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.dataplane.test_connectivity import HTTPD, boot

pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def chaos_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _web(conn, name: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A web server on `private` with a floating IP: (server id, address)."""
    server = boot(conn, name, conn.network.find_network("private").id, HTTPD)
    fip = conn.network.create_ip(floating_network_id=conn.network.find_network("public").id)
    conn.network.update_ip(fip, port_id=next(conn.network.ports(device_id=server.id)).id)
    return server.id, fip.floating_ip_address


def test_chaos_report_matches_the_probe(chaos_cloud: Cloud) -> None:
    c = chaos_cloud
    demo = c.sdk("cheptel-demo")
    group = demo.network.find_security_group("default", project_id=demo.current_project_id)
    demo.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=8080, port_range_max=8080, remote_ip_prefix="0.0.0.0/0")
    webs = [_web(demo, f"web{i}") for i in (1, 2)]
    for _, address in webs:
        support.wait_for(lambda a=address: _probe(a, 8080), 30, f"{address} answering")
    bystander = c.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                      "--nic", "none", "--wait", "bystander")  # the admin's project

    def run_probed(args: list[str]) -> tuple[dict, float]:
        """A chaos run while this test probes too: its report, and this probe's failure
        rate over the run's probing window."""
        seen: list[tuple[float, bool]] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                for _, address in webs:
                    seen.append((time.time(), _probe(address, 8080)))
                time.sleep(0.25)

        watcher = threading.Thread(target=probe, daemon=True)
        watcher.start()
        run = subprocess.run(args, env=c.env(), capture_output=True, text=True, timeout=180)
        done.set()
        watcher.join()
        assert run.returncode == 0, run.stdout + run.stderr
        saved = Path(run.stdout.strip().splitlines()[-1].split("report saved in ")[1])
        report = json.loads(saved.read_text())
        window = [ok for t, ok in seen
                  if report["started"] <= t <= report["started"] + report["duration"]]
        return report, window.count(False) / len(window)

    base = [sys.executable, "-m", "cheptel", "chaos", "--data-dir", str(c.data_dir),
            "--project", "demo", "--port", "8080"]
    pauses = [*base, "--duration", "10", "--every", "3", "--faults", "pause", "--seed", "7"]
    dry = subprocess.run([*pauses, "--dry-run"], env=c.env(), capture_output=True, text=True,
                         timeout=60)
    assert dry.returncode == 0 and "plan: 3 faults on 2 ACTIVE servers" in dry.stdout, (
        dry.stdout + dry.stderr)
    report, ours = run_probed(pauses)
    assert [i["fault"] for i in report["injections"]] == ["pause"] * 3
    # every pause was noticed (unpaused by the reconciler) and the server answered again;
    # a request waiting through a pause this short is slow, not failed
    assert all(i["detected_after"] is not None and i["recovered_after"] is not None
               for i in report["injections"]), report["injections"]
    assert report["left"] == [], report["left"]
    tried, failed = report["requests"]["tried"], report["requests"]["failed"]
    assert tried > 50 and abs(ours - failed / tried) < 0.15, (ours, failed, tried)
    assert support.container(bystander["id"]).status == "running"

    # a netcut: the victim's addresses dropped for 2 s under the cloud's own iptables
    # prefix, then restored; nothing in cheptel notices, the probe sees it answer again
    report, ours = run_probed([*base, "--duration", "6", "--every", "3", "--faults", "netcut",
                               "--cut-for", "2", "--seed", "1", "--grace", "5"])
    assert [(i["fault"], i["detected_after"]) for i in report["injections"]] == [
        ("netcut", None)], report
    assert 1.5 <= report["injections"][0]["recovered_after"] < 6, report["injections"]
    tried, failed = report["requests"]["tried"], report["requests"]["failed"]
    assert failed > 0 and abs(ours - failed / tried) < 0.15, (ours, failed, tried)
    assert report["left"] == [], report["left"]
    raw = subprocess.run(["iptables-save", "-t", "raw"], capture_output=True, text=True).stdout
    assert c.id and f"{prefix_for(c.id)}CUT" not in raw, raw

    # kills: each victim is left SHUTOFF (as Nova), the probes fail from then on, and the
    # report's failures agree with this probe's
    report, ours = run_probed([*base, "--duration", "8", "--every", "4", "--faults", "kill",
                               "--seed", "3", "--grace", "5"])
    tried, failed = report["requests"]["tried"], report["requests"]["failed"]
    assert failed > 0 and abs(ours - failed / tried) < 0.15, (ours, failed, tried)
    assert any(line.endswith("is SHUTOFF") for line in report["left"]), report["left"]
    assert all(i["recovered_after"] is None for i in report["injections"])
    assert support.container(bystander["id"]).status == "running"
