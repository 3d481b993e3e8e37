"""Images through the unmodified `openstack` CLI and openstacksdk: the everyday commands."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cheptel.image.service import rootfs
from tests.integration.cloud import Cloud
from tests.integration.image.support import demo_token, glance, image_files, unique


def _upload(cloud: Cloud, tmp_path: Path, name: str, data: bytes, *extra: str) -> dict:
    path = tmp_path / f"{name}.img"
    path.write_bytes(data)
    return cloud.cli("image", "create", "--file", str(path), "--disk-format", "raw",
                     "--container-format", "bare", *extra, name)


def test_busybox_bootstrap_image_is_listed_public_and_active(image_cloud: Cloud) -> None:
    listed = {i["Name"]: i for i in image_cloud.cli("image", "list", "--long")}
    busybox = listed["busybox"]
    assert busybox["Status"] == "active"
    assert busybox["Visibility"] == "public"
    assert busybox["Container Format"] == "bare" and busybox["Disk Format"] == "raw"
    assert busybox["Checksum"] == hashlib.md5(rootfs.build()).hexdigest()
    # the demo project sees it too
    demo = {i["Name"] for i in image_cloud.cli("image", "list", cloud="cheptel-demo")}
    assert "busybox" in demo


def test_create_with_file_then_show_and_save_round_trip(image_cloud: Cloud,
                                                         tmp_path: Path) -> None:
    data = bytes(range(256)) * 4099  # ~1 MiB, not a multiple of any chunk size
    name = unique("roundtrip")
    created = _upload(image_cloud, tmp_path, name, data)
    assert created["status"] == "active"
    shown = image_cloud.cli("image", "show", name)
    assert shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    props = shown["properties"]
    assert props["os_hash_algo"] == "sha512"
    assert props["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert "owner_specified.openstack.object" in props
    out = tmp_path / "saved.img"
    image_cloud.cli("image", "save", "--file", str(out), name, as_json=False)
    assert out.read_bytes() == data
    assert shown["id"] in image_files(image_cloud)


def test_sdk_sees_the_same_image_and_downloads_it(image_cloud: Cloud, tmp_path: Path) -> None:
    data = b"sdk bytes " * 1000
    name = unique("sdk")
    created = _upload(image_cloud, tmp_path, name, data)
    conn = image_cloud.sdk()
    image = conn.image.get_image(created["id"])
    assert image.name == name and image.size == len(data)
    assert image.hash_algo == "sha512" and image.hash_value == hashlib.sha512(data).hexdigest()
    assert conn.image.download_image(image).content == data
    found = conn.image.find_image(name)
    assert found is not None and found.id == image.id


def test_list_filters_and_id_in(image_cloud: Cloud, tmp_path: Path) -> None:
    tag = unique("tag")
    a = _upload(image_cloud, tmp_path, unique("flt-a"), b"a", "--tag", tag)
    b = _upload(image_cloud, tmp_path, unique("flt-b"), b"bb", "--tag", tag)
    queued = image_cloud.sdk().image.create_image(unique("flt-queued"), disk_format="raw",
                                                  container_format="bare")
    names = {i["Name"] for i in image_cloud.cli("image", "list", "--tag", tag)}
    assert names == {a["name"], b["name"]}
    assert [i["ID"] for i in image_cloud.cli("image", "list", "--name", a["name"])] == [a["id"]]
    queued_ids = {i["ID"] for i in image_cloud.cli("image", "list", "--status", "queued")}
    assert queued.id in queued_ids and a["id"] not in queued_ids
    conn = image_cloud.sdk()
    got = {i.id for i in conn.image.images(id=f"in:{a['id']},{b['id']}")}
    assert got == {a["id"], b["id"]}
    by_size = [i.name for i in conn.image.images(tag=tag, sort="size:desc")]
    assert by_size == [b["name"], a["name"]]
    page = list(image_cloud.cli("image", "list", "--tag", tag, "--limit", "1"))
    assert len(page) == 1


def test_pagination_follows_next(image_cloud: Cloud, tmp_path: Path) -> None:
    tag = unique("page")
    made = {_upload(image_cloud, tmp_path, unique("pg"), b"p", "--tag", tag)["id"]
            for _ in range(3)}
    conn = image_cloud.sdk()
    seen = [i.id for i in conn.image.images(tag=tag, limit=1)]  # the SDK follows "next"
    assert sorted(seen) == sorted(made)


def test_set_property_and_tags(image_cloud: Cloud, tmp_path: Path) -> None:
    name = unique("props")
    _upload(image_cloud, tmp_path, name, b"x")
    image_cloud.cli("image", "set", "--property", "os_distro=debian", "--property", "k=v",
                    "--tag", "t1", "--tag", "t2", "--min-ram", "64", name, as_json=False)
    shown = image_cloud.cli("image", "show", name)
    assert shown["properties"]["os_distro"] == "debian" and shown["properties"]["k"] == "v"
    assert sorted(shown["tags"]) == ["t1", "t2"] and shown["min_ram"] == 64
    image_cloud.cli("image", "unset", "--property", "k", "--tag", "t1", name, as_json=False)
    shown = image_cloud.cli("image", "show", name)
    assert "k" not in shown["properties"] and shown["tags"] == ["t2"]
    conn = image_cloud.sdk()
    conn.image.add_tag(shown["id"], "t3")
    assert sorted(conn.image.get_image(shown["id"]).tags) == ["t2", "t3"]


def test_deactivate_by_the_owning_project_or_admin_only(image_cloud: Cloud, tmp_path: Path) -> None:
    name = unique("deact")
    created = _upload(image_cloud, tmp_path, name, b"secret", "--public")
    # demo is no member of the owning (admin) project. (openstacksdk ignores the answer to
    # the action: ask over raw HTTP)
    refused = glance(image_cloud, "POST", f"/v2/images/{created['id']}/actions/deactivate",
                     demo_token(image_cloud))
    assert refused.status_code == 403
    assert image_cloud.cli("image", "show", name)["status"] == "active"
    image_cloud.cli("image", "set", "--deactivate", name, as_json=False)
    assert image_cloud.cli("image", "show", name)["status"] == "deactivated"
    # a deactivated image's data is for admins only
    path = f"/v2/images/{created['id']}/file"
    assert glance(image_cloud, "GET", path, demo_token(image_cloud)).status_code == 403
    image_cloud.cli("image", "set", "--activate", name, as_json=False)
    assert image_cloud.cli("image", "show", name)["status"] == "active"


def test_protected_image_cannot_be_deleted(image_cloud: Cloud) -> None:
    name = unique("prot")
    image_cloud.cli("image", "create", "--protected", "--disk-format", "raw",
                    "--container-format", "bare", name)
    refused = image_cloud.cli("image", "delete", name, check=False, as_json=False)
    assert refused.returncode != 0
    assert "protected and cannot be deleted" in refused.stderr
    image_cloud.cli("image", "set", "--unprotected", name, as_json=False)
    image_cloud.cli("image", "delete", name, as_json=False)
    gone = image_cloud.cli("image", "show", name, check=False, as_json=False)
    assert gone.returncode != 0


def test_delete_removes_the_file(image_cloud: Cloud, tmp_path: Path) -> None:
    created = _upload(image_cloud, tmp_path, unique("del"), b"to be deleted")
    assert created["id"] in image_files(image_cloud)
    image_cloud.cli("image", "delete", created["id"], as_json=False)
    assert created["id"] not in image_files(image_cloud)


@pytest.mark.parametrize("fmt", ["qcow2", "iso"])
def test_other_formats_are_stored(image_cloud: Cloud, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "disk"
    path.write_bytes(b"\0" * 1000)
    shown = image_cloud.cli("image", "create", "--file", str(path), "--disk-format", fmt,
                            unique(fmt))
    assert shown["status"] == "active" and shown["disk_format"] == fmt
