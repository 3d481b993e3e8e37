"""`cheptel image import-docker REF` beside a serving cloud, on the real Docker Engine."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from cheptel.image.service import rootfs
from tests.integration.cloud import Cloud


@pytest.fixture
def docker_ref() -> Iterator[str]:
    """A small image in the local engine (the busybox rootfs, `docker import`ed)."""
    if shutil.which("docker") is None or subprocess.run(
            ["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no Docker Engine here")
    ref = f"cheptel-import-test:{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "import", "-", ref], input=rootfs.build(), check=True,
                   capture_output=True, timeout=120)
    yield ref
    subprocess.run(["docker", "rmi", "-f", ref], capture_output=True, timeout=120)


def _import(cloud: Cloud, *args: str) -> subprocess.CompletedProcess:
    env = {**cloud.env(), "CHEPTEL_CONTAINER_ENGINE": "docker"}
    return subprocess.run([sys.executable, "-m", "cheptel", "image", "import-docker",
                           "--data-dir", str(cloud.data_dir), *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_import_docker_registers_a_public_docker_image(image_cloud: Cloud,
                                                      docker_ref: str) -> None:
    name = f"imported-{uuid.uuid4().hex[:8]}"
    done = _import(image_cloud, docker_ref, "--name", name)
    assert done.returncode == 0, done.stderr
    image_id = done.stdout.split()[0]
    shown = image_cloud.cli("image", "show", name)
    assert shown["id"] == image_id
    assert shown["status"] == "active" and shown["visibility"] == "public"
    assert shown["container_format"] == "docker"
    data = (image_cloud.data_dir / "images" / image_id).read_bytes()
    assert shown["size"] == len(data) and shown["checksum"] == hashlib.md5(data).hexdigest()
    assert name in {i["Name"] for i in image_cloud.cli("image", "list", cloud="cheptel-demo")}


def test_import_docker_of_a_missing_ref_fails_cleanly(image_cloud: Cloud) -> None:
    done = _import(image_cloud, f"cheptel-no-such-image:{uuid.uuid4().hex[:8]}")
    assert done.returncode == 1
    assert "cannot import" in done.stderr and "Traceback" not in done.stderr
    assert list((image_cloud.data_dir / "tmp").glob("upload-docker-*")) == []
