"""`openstack usage list` and `usage show` (os-simple-tenant-usage) with the unmodified
CLI, on a real serve with the real engine: a running server's hours count."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def ucloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def test_usage_list_and_show_count_a_running_server(ucloud: Cloud) -> None:
    server = ucloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--wait", "metered", cloud="cheptel-demo")
    time.sleep(1.5)  # some lifetime to count
    demo = ucloud.sdk("cheptel-demo").current_project_id
    # (the CLI sends detailed=True, which Nova reads as not detailed: no server count)
    (row,) = [r for r in ucloud.cli("usage", "list") if r["Project"] == demo]
    assert float(row["CPU Hours"]) > 0 and float(row["RAM MB-Hours"]) > 0
    shown = ucloud.cli("usage", "show", "--project", "demo")
    assert len(shown["Servers"]) == 1 and float(shown["CPU Hours"]) > 0
    # a member sees its own project's usage, not every project's
    own = ucloud.cli("usage", "show", cloud="cheptel-demo")
    assert [s["name"] for s in own["Servers"]] == ["metered"]
    denied = ucloud.cli("usage", "list", cloud="cheptel-demo", check=False)
    assert denied.returncode != 0 and "403" in denied.stderr
    ucloud.cli("server", "delete", "--wait", server["id"], cloud="cheptel-demo",
               as_json=False)


def _scrape(c: Cloud) -> dict[str, list[tuple[dict[str, str], float]]]:
    from prometheus_client.parser import text_string_to_metric_families

    token = c.sdk("cheptel").auth_token  # Prometheus sends it as a bearer token
    r = httpx.get(c.base_url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            found.setdefault(s.name, []).append((s.labels, s.value))
    return found


def test_metrics_see_the_server_and_its_container(ucloud: Cloud) -> None:
    """A scrape after a boot on the real engine: the server's exporter series (ACTIVE is
    0), and its usage read from its real container; a stopped server has no usage."""
    server = ucloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--wait", "scraped", cloud="cheptel-demo")
    sid = server["id"]
    series = _scrape(ucloud)
    assert [v for labels, v in series["openstack_nova_server_status"]
            if labels["id"] == sid] == [0.0]
    assert [labels["name"] for labels, _ in series["openstack_nova_server_status"]
            if labels["id"] == sid] == ["scraped"]
    memory = [v for labels, v in series["cheptel_server_memory_bytes"] if labels["id"] == sid]
    limit = [v for labels, v in series["cheptel_server_memory_limit_bytes"]
             if labels["id"] == sid]
    assert len(memory) == 1 and 0 < memory[0] < limit[0] == 512 * 2**20, (memory, limit)
    cpu = [v for labels, v in series["cheptel_server_cpu_seconds_total"] if labels["id"] == sid]
    assert len(cpu) == 1 and cpu[0] > 0
    assert [v for labels, v in series["openstack_nova_up"]] == [1.0]
    ucloud.cli("server", "stop", sid, cloud="cheptel-demo", as_json=False)
    support.wait_for(lambda: ucloud.cli("server", "show", sid, cloud="cheptel-demo")[
        "status"] == "SHUTOFF", 60, "the server stopped")
    series = _scrape(ucloud)
    assert [v for labels, v in series["openstack_nova_server_status"]
            if labels["id"] == sid] == [11.0]  # SHUTOFF
    assert not [1 for labels, _ in series.get("cheptel_server_memory_bytes", [])
                if labels["id"] == sid]
    ucloud.cli("server", "delete", "--wait", sid, cloud="cheptel-demo", as_json=False)


def test_status_says_healthy_then_names_what_is_wrong(ucloud: Cloud) -> None:
    """`cheptel status` beside a real serve: serving and answering, the engine up, the
    reconciler's pass recent, the servers counted, exit 0; with an engine it cannot
    reach, exit 1 and the reason on the last line."""
    import subprocess
    import sys

    server = ucloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--wait", "counted", cloud="cheptel-demo")

    def status(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cheptel", "status", "--data-dir",
                               str(ucloud.data_dir)], env={**ucloud.env(), **env},
                              capture_output=True, text=True, timeout=60)

    ok = status()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    lines = ok.stdout.splitlines()
    assert lines[-1] == "healthy"
    assert lines[0] == f"serving    yes, answering at {ucloud.base_url}"
    assert lines[1].startswith("engine     Docker ") and lines[1].endswith(" up")
    assert any(line.startswith("reconciler last pass ") for line in lines), lines
    assert any(line.startswith("servers ") and "ACTIVE" in line for line in lines), lines
    down = status(CHEPTEL_DOCKER_URL="unix:///nonexistent/docker.sock")
    assert down.returncode == 1
    assert down.stdout.splitlines()[-1].startswith("UNHEALTHY: the container engine: ")
    ucloud.cli("server", "delete", "--wait", server["id"], cloud="cheptel-demo",
               as_json=False)
