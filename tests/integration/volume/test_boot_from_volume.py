"""Boot from volume on the real Docker Engine with the unmodified CLI: the root volume is
made from the image, the container chroots into it, writes land on the volume, and the
volume outlives the server to boot another one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

DEMO = "cheptel-demo"


@pytest.fixture(scope="module")
def bcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _exec(sid: str, script: str) -> str:
    out = support.container(sid).exec_run(["chroot", "/mnt/volumes/vda", "sh", "-c", script])
    assert out.exit_code == 0, out.output
    return str(out.output.decode())


def _wait_console(bcloud: Cloud, sid: str, text: str) -> str:
    log = ""
    for _ in range(100):
        log = bcloud.cli("console", "log", "show", sid, cloud=DEMO, as_json=False).stdout
        if text in log:
            return log
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never in the console: {log}")


def test_boot_from_a_volume_write_then_boot_again_from_it(bcloud: Cloud) -> None:
    server = bcloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--boot-from-volume", "1", "--wait", "bfv", cloud=DEMO)
    assert server["status"] == "ACTIVE", server
    sid = server["id"]
    shown = bcloud.cli("server", "show", sid, cloud=DEMO)
    assert shown["image"] in ("", "N/A (booted from volume)")
    (attached,) = shown["volumes_attached"]
    vid = attached["id"]
    volume = bcloud.cli("volume", "show", vid, cloud=DEMO)
    assert (volume["status"], volume["bootable"], volume["size"]) == ("in-use", True, 1)
    # the system runs inside the volume: INIT's console, a write seen on the host's mount
    _wait_console(bcloud, sid, "is up")
    _exec(sid, "echo kept-on-the-volume > /root-marker")
    host_side = bcloud.data_dir / "mnt" / sid / "vda" / "root-marker"
    assert host_side.read_text() == "kept-on-the-volume\n"
    init = support.container(sid).exec_run([
        "sh", "-c", "for p in /proc/[0-9]*; do readlink $p/root; done"])
    assert b"/mnt/volumes/vda" in init.output  # the chrooted init

    bcloud.cli("server", "delete", "--wait", sid, cloud=DEMO, as_json=False)
    for _ in range(100):
        volume = bcloud.cli("volume", "show", vid, cloud=DEMO)
        if volume["status"] == "available":
            break
        time.sleep(0.1)
    assert volume["status"] == "available"  # the root disk outlived its server
    assert not (bcloud.data_dir / "mnt" / sid).exists()

    again = bcloud.cli("server", "create", "--volume", vid, "--flavor", "m1.tiny",
                       "--wait", "bfv-again", cloud=DEMO)
    assert again["status"] == "ACTIVE", again
    assert _exec(again["id"], "cat /root-marker") == "kept-on-the-volume\n"
    bcloud.cli("server", "delete", "--wait", again["id"], cloud=DEMO, as_json=False)
