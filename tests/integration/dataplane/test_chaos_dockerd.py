"""`cheptel chaos --faults dockerd` on a real engine: a cloud on a dockerd of this test's
own (`--live-restore`, as scripts/setup.sh starts the host's; tests/integration/
dockerd.py), so the host's daemon, which every other cloud uses, is never restarted. A web
server behind a floating IP is probed by chaos and by this test while chaos restarts the
engine (SIGTERM by its pid file, started again with its own command line): the engine
answers again, the server's container is the same process, its page answered through it
all, the report agrees with this probe, and nothing is left behind."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from cheptel.chaos import _probe
from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.dataplane.test_connectivity import HTTPD, boot
from tests.integration.dockerd import second_dockerd

# it starts (and restarts) a dockerd and writes the host's iptables: alone, after the rest
pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[Cloud, str, Path]]:
    """A cloud on a dockerd of its own: (the cloud, the engine's URL, its pid file)."""
    with second_dockerd("chaos", "--live-restore") as (url, pidfile):
        c = Cloud(tmp_path_factory.mktemp("chaos-dockerd"), extra_env={
            "CHEPTEL_DOCKER_URL": url, "CHEPTEL_RECONCILE_INTERVAL": "1"}).start()
        try:
            yield c, url, pidfile
        finally:
            c.close()


def test_a_dockerd_restart_is_noticed_and_the_servers_answer_through_it(
        restartable: tuple[Cloud, str, Path]) -> None:
    c, url, pidfile = restartable
    client = docker.DockerClient(base_url=url, version="1.41")
    assert client.info().get("LiveRestoreEnabled")
    demo = c.sdk("cheptel-demo")
    group = demo.network.find_security_group("default", project_id=demo.current_project_id)
    demo.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=8080, port_range_max=8080, remote_ip_prefix="0.0.0.0/0")
    server = boot(demo, "web", demo.network.find_network("private").id, HTTPD)
    fip = demo.network.create_ip(floating_network_id=demo.network.find_network("public").id)
    demo.network.update_ip(fip, port_id=next(demo.network.ports(device_id=server.id)).id)
    address = fip.floating_ip_address
    support.wait_for(lambda: _probe(address, 8080), 60, f"{address} answering")
    before = client.containers.get(f"cheptel-{server.id}").attrs["State"]["Pid"]
    daemon = int(pidfile.read_text().split()[0])

    seen: list[tuple[float, bool]] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            seen.append((time.time(), _probe(address, 8080)))
            time.sleep(0.25)

    user = threading.Thread(target=probe, daemon=True)
    user.start()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "cheptel", "chaos", "--data-dir", str(c.data_dir),
             "--project", "demo", "--port", "8080", "--faults", "dockerd", "--duration",
             "10", "--every", "4", "--grace", "90", "--dockerd-pidfile", str(pidfile)],
            env=c.env(), capture_output=True, text=True, timeout=300)
    finally:
        done.set()
        user.join()
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(Path(run.stdout.strip().splitlines()[-1].split(
        "report saved in ")[1]).read_text())
    window = [ok for t, ok in seen
              if report["started"] <= t <= report["started"] + report["duration"]]
    ours = 100.0 * window.count(True) / len(window)
    availability = report["requests"]["availability"]
    print(f"dockerd restarts: report {availability:.2f}% of {report['requests']['tried']}, "
          f"this probe {ours:.2f}% of {len(window)}; the engine answering again after "
          f"{[i['detected_after'] for i in report['injections']]} s\n{run.stdout}")
    assert [i["fault"] for i in report["injections"]] == ["dockerd"] * 2, report
    assert all(i["detected_after"] is not None and i["recovered_after"] is not None
               for i in report["injections"]), report["injections"]
    # a restarted engine: another daemon process, the same container process, serving
    assert int(pidfile.read_text().split()[0]) != daemon
    assert client.containers.get(f"cheptel-{server.id}").attrs["State"]["Pid"] == before
    assert availability >= 90 and ours >= 90, (availability, ours)
    assert abs(availability - ours) < 10, (availability, ours)
    assert report["left"] == [], report["left"]
    assert demo.compute.get_server(server.id).status == "ACTIVE"
    client.close()
