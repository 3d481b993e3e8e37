"""os-volume_upload_image on the real Docker Engine and storage with the unmodified CLI
(`openstack image create --volume`): a volume a server wrote on becomes a bare/raw
image (a tar of its filesystem), and a server boots from that image with the file."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

DEMO = "cheptel-demo"


@pytest.fixture(scope="module")
def ucloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _until(ucloud: Cloud, kind: str, oid: str, status: str) -> dict:
    shown: dict = {}
    for _ in range(300):
        shown = ucloud.cli(kind, "show", oid, cloud=DEMO)
        if shown["status"] == status:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{kind} {oid} never {status}: {shown}")


def test_upload_a_volume_then_boot_a_server_from_the_image(ucloud: Cloud) -> None:
    server = ucloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--boot-from-volume", "1", "--wait", "writer", cloud=DEMO)
    assert server["status"] == "ACTIVE", server
    sid = server["id"]
    (attached,) = ucloud.cli("server", "show", sid, cloud=DEMO)["volumes_attached"]
    vid = attached["id"]
    out = support.container(sid).exec_run(["chroot", "/mnt/volumes/vda", "sh", "-c",
                                           "echo uploaded > /root-marker && sync"])
    assert out.exit_code == 0, out.output
    ucloud.cli("server", "delete", "--wait", sid, cloud=DEMO, as_json=False)
    _until(ucloud, "volume", vid, "available")

    started = time.monotonic()
    up = ucloud.cli("image", "create", "--volume", vid, "from-volume", cloud=DEMO)
    image_id = up.get("image_id") or up.get("id")
    assert image_id, up
    image = _until(ucloud, "image", image_id, "active")
    took = time.monotonic() - started
    assert (image["container_format"], image["disk_format"]) == ("bare", "raw")
    assert _until(ucloud, "volume", vid, "available")["status"] == "available"
    print(f"upload of a 1 GiB busybox volume: {took:.2f} s, image {image['size']} bytes")

    booted = ucloud.cli("server", "create", "--image", image_id, "--flavor", "m1.tiny",
                        "--wait", "from-upload", cloud=DEMO)
    assert booted["status"] == "ACTIVE", booted
    out = support.container(booted["id"]).exec_run(["cat", "/root-marker"])
    assert (out.exit_code, out.output) == (0, b"uploaded\n")
    ucloud.cli("server", "delete", "--wait", booted["id"], cloud=DEMO, as_json=False)
    ucloud.cli("image", "delete", image_id, cloud=DEMO, as_json=False)
