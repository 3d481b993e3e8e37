"""Image service in-process: the busybox rootfs, fault negotiation, uploads, repair at start."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from cheptel.image.faults import media_type
from cheptel.image.models import Image
from cheptel.image.service import bootstrap, rootfs
from cheptel.image.service.listing import _split_in
from tests.unit.conftest import Api, MakeApi

OCTETS = {"Content-Type": "application/octet-stream"}


def test_busybox_rootfs_is_deterministic_and_complete() -> None:
    first, second = rootfs.build(), rootfs.build()
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["bin/busybox"].isfile() and members["bin/busybox"].mode == 0o755
        for tool in ("bin/sh", "bin/ping", "usr/bin/wget", "usr/bin/nc", "bin/sleep"):
            assert members[tool].issym() and members[tool].linkname == "/bin/busybox"
        assert members["tmp"].isdir() and members["tmp"].mode == 0o1777
        assert members["root"].isdir()
        passwd = tar.extractfile("etc/passwd").read()  # type: ignore[union-attr]
        assert passwd.startswith(b"root:x:0:0:")
        assert "etc/hostname" in members
        assert {m.mtime for m in members.values()} == {rootfs.MTIME}
        assert {(m.uid, m.gid) for m in members.values()} == {(0, 0)}


def test_a_dynamic_busybox_is_refused(tmp_path: Path) -> None:
    assert rootfs.is_static(rootfs.BUSYBOX)
    assert not rootfs.is_static(Path("/bin/ls"))  # Debian's ls needs ld.so
    with pytest.raises(rootfs.NotStatic):
        rootfs.build(Path("/bin/ls"))


@pytest.mark.parametrize("accept, expected", [
    (None, "text/plain"), ("", "text/plain"), ("*/*", "text/html"),
    ("application/json", "application/json"), ("text/html", "text/html"),
    ("application/json, text/html;q=0.5", "application/json"),
    ("text/*", "text/html"), ("image/png", "text/plain"),
    ("application/*;q=0.9, */*;q=0.1", "application/json"),
])
def test_fault_media_type_is_webobs_choice(accept: str | None, expected: str) -> None:
    assert media_type(accept) == expected


def test_in_filter_values_split_like_glance() -> None:
    assert _split_in('a,"b,c",d') == ["a", "b,c", "d"]
    assert _split_in("x") == ["x"]


def _image(api: Api, token: str) -> str:
    r = api.client.post("/image/v2/images", headers={"X-Auth-Token": token},
                        json={"name": "u", "disk_format": "raw", "container_format": "bare"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _get(api: Api, token: str, image_id: str) -> dict:
    return api.client.get(f"/image/v2/images/{image_id}",
                          headers={"X-Auth-Token": token}).json()


def test_over_the_cap_is_413_and_the_image_stays_queued(make_api: MakeApi,
                                                        data_dir: Path) -> None:
    api = make_api(image_size_cap=1000, container_engine="fake")
    token = api.admin()
    image_id = _image(api, token)
    url = f"/image/v2/images/{image_id}/file"
    r = api.client.put(url, headers={"X-Auth-Token": token, **OCTETS},
                       content=iter([b"x" * 600, b"y" * 600]))  # chunked: no length up front
    assert r.status_code == 413
    assert _get(api, token, image_id)["status"] == "queued"
    assert not (data_dir / "images" / image_id).exists()
    assert list((data_dir / "tmp").iterdir()) == []
    r = api.client.put(url, headers={"X-Auth-Token": token, **OCTETS}, content=b"z" * 1000)
    assert r.status_code == 204
    assert _get(api, token, image_id)["size"] == 1000


def test_restart_requeues_interrupted_uploads_and_sweeps_files(make_api: MakeApi,
                                                               data_dir: Path) -> None:
    api = make_api(container_engine="fake")
    token = api.admin()
    image_id = _image(api, token)
    with api.deps.sessions() as db, db.begin():
        db.get(Image, image_id).status = "saving"  # type: ignore[union-attr]
    (data_dir / "images" / image_id).write_bytes(b"half")
    orphan = data_dir / "images" / "00000000-0000-4000-8000-000000000000"
    orphan.write_bytes(b"nobody's")
    (data_dir / "tmp" / "upload-leftover").write_bytes(b"partial")
    again = make_api(container_engine="fake")
    assert _get(again, again.admin(), image_id)["status"] == "queued"
    assert not (data_dir / "images" / image_id).exists() and not orphan.exists()
    assert list((data_dir / "tmp").iterdir()) == []


def test_busybox_bootstrap_is_idempotent_and_self_repairing(make_api: MakeApi,
                                                            data_dir: Path) -> None:
    api = make_api(container_engine="fake")
    token = api.admin()
    listed = api.client.get("/image/v2/images?name=busybox",
                            headers={"X-Auth-Token": token}).json()["images"]
    assert [i["id"] for i in listed] == [bootstrap.BUSYBOX_ID]
    checksum = listed[0]["checksum"]
    (data_dir / "images" / bootstrap.BUSYBOX_ID).unlink()
    again = make_api(container_engine="fake")
    listed = again.client.get("/image/v2/images?name=busybox",
                              headers={"X-Auth-Token": again.admin()}).json()["images"]
    assert len(listed) == 1 and listed[0]["checksum"] == checksum
    assert (data_dir / "images" / bootstrap.BUSYBOX_ID).exists()
