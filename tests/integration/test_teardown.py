"""`cheptel teardown` on the real engine and host: two clouds, one torn down; nothing of it
is left (iptables-save, docker ps -a, docker images, the host's bridges, docker volume ls,
the host's links, the routers' namespaces), and the other's servers, images, networks and
rules are exactly as they were."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cheptel.backends.firewall import CLAIMS, prefix_for
from cheptel.compute.images import engine_repository
from cheptel.reconciler.wiring import bridge_for
from tests.integration.cloud import Cloud
from tests.integration.compute import support


def _host(*cmd: str) -> str:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=True).stdout


def _of(cloud: str) -> dict[str, list[str]]:
    """Everything of a cloud on the host, as the operator's tools list it."""
    label = f"label=cheptel.cloud={cloud}"
    rules = _host("iptables-save") + _host("ip6tables-save")
    return {
        "rules": sorted(line for line in rules.splitlines() if prefix_for(cloud) in line),
        "containers": sorted(_host("docker", "ps", "-a", "-q", "--filter", label).split()),
        "images": sorted(_host("docker", "images", "--format", "{{.Repository}}:{{.Tag}}",
                               engine_repository(cloud)).split()),
        "networks": sorted(line.split(":")[1].strip() for line in _host(
            "ip", "-o", "link", "show", "type", "bridge").splitlines()
            if f"alias cheptel {cloud} " in line),
        "volumes": sorted(_host("docker", "volume", "ls", "-q", "--filter", label).split()),
        # its routers' namespaces (`ip netns` lists them with their ids)
        "namespaces": sorted(word for word in _host("ip", "netns", "list").split()
                             if word.startswith(f"cheptel-{cloud}-")),
    }


def _server_on_private(c: Cloud) -> tuple[str, list[str]]:
    """A server on `private` (container, config drive, port rules); the bridges of the
    cloud's networks."""
    conn = c.sdk("cheptel-demo")
    private = conn.network.find_network("private")
    server = conn.compute.create_server(
        name="td", image_id=conn.image.find_image("busybox").id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id, networks=[{"uuid": private.id}])
    support.wait_status(conn, server.id, "ACTIVE")
    admin = c.sdk("cheptel")
    return server.id, [bridge_for(c.id or "", n.id) for n in admin.network.networks()]


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Cloud, Cloud]]:
    a = support.start_cloud(tmp_path / "a")
    b = support.start_cloud(tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def test_teardown_removes_one_cloud_and_leaves_the_other_intact(
        two: tuple[Cloud, Cloud]) -> None:
    a, b = two
    assert a.id and b.id and prefix_for(a.id) != prefix_for(b.id)
    a_server, a_bridges = _server_on_private(a)
    b_server, _ = _server_on_private(b)
    support.wait_for(lambda: all(_of(a.id or "").values()), 30, "all of a's kinds on the host")

    refused = a.teardown()  # a still serves: nothing is touched
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "cheptel serve" in refused.stderr
    assert support.container(a_server).status == "running"

    a.stop()  # a stopped cloud keeps its servers and its rules
    assert support.container(a_server).status == "running"
    before_a, before_b = _of(a.id), _of(b.id)
    assert all(before_a.values()) and all(before_b.values())

    done = a.teardown()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"removed {len(before_a['containers'])} containers" in done.stdout
    assert _of(a.id) == {"rules": [], "containers": [], "images": [], "networks": [],
                         "volumes": [], "namespaces": []}
    links = _host("ip", "-o", "link")
    assert not any(f": {bridge}:" in links for bridge in a_bridges)

    assert _of(b.id) == before_b  # the other cloud: every rule and object as it was
    assert support.container(b_server).status == "running"
    assert b.sdk("cheptel-demo").compute.get_server(b_server).status == "ACTIVE"

    again = a.teardown()  # idempotent: nothing left, nothing done
    assert again.returncode == 0 and "nothing of cloud" in again.stdout


def _claim(cloud: str) -> Path:
    return CLAIMS / prefix_for(cloud).rstrip("-")


def test_the_prefix_is_held_while_the_cloud_lives_and_never_shared(tmp_path: Path) -> None:
    """A chain prefix has 6 digits of the id: a cloud that draws the digits of a cloud
    still on the host (running or stopped) refuses to start, rather than take its rules."""
    a = support.start_cloud(tmp_path / "a")
    try:
        assert a.id and _claim(a.id).read_text() == a.id
        # the reconciler installs the cloud's chains after the API answers
        support.wait_for(lambda: _of(a.id or "")["rules"], 30, "a's rules on the host")
        a.stop()
        assert _claim(a.id).read_text() == a.id  # stopped, its servers and rules stay
        twin = Cloud(tmp_path / "twin")
        made = subprocess.run([sys.executable, "-m", "cheptel", "init", "--data-dir",
                               str(twin.data_dir)], env=twin.env(), capture_output=True,
                              text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        assert twin.teardown().returncode == 0  # its own random prefix given up
        other = a.id[:6] + ("0" * 26 if a.id[6:] != "0" * 26 else "1" * 26)
        with sqlite3.connect(twin.data_dir / "cheptel.db") as db:
            db.execute("UPDATE cloud_meta SET value = ? WHERE key = 'cloud_id'", (other,))
        refused = subprocess.run([sys.executable, "-m", "cheptel", "serve", "--data-dir",
                                  str(twin.data_dir), "--listen", f"127.0.0.1:{twin.port}"],
                                 env=twin.env(), capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and a.id in refused.stderr, refused.stderr
        assert _claim(a.id).read_text() == a.id
        done = twin.teardown()  # nothing of the twin: a's chains are not its to remove
        assert done.returncode == 1 and a.id in done.stderr
        assert _of(a.id)["rules"]
    finally:
        a.close()
    assert not _claim(a.id).exists()
