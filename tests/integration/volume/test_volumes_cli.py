"""Volumes through the unmodified `openstack` CLI against a real `cheptel serve`, whose
volumes are real sparse files holding ext4 (cheptel.backends.file_blocks)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from tests.integration.cloud import Cloud

GIB = 1024**3
EXT4_MAGIC_OFFSET = 1024 + 0x38  # the superblock's s_magic


def _file(cloud: Cloud, volume_id: str) -> Path:
    return cloud.data_dir / "volumes" / f"{volume_id}.img"


def _is_ext4(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(EXT4_MAGIC_OFFSET)
        return f.read(2) == b"\x53\xef"


def _wait(cloud: Cloud, name: str, status: str, as_: str = "cheptel") -> dict:
    deadline = time.monotonic() + 60
    while True:
        shown: dict = cloud.cli("volume", "show", name, cloud=as_)
        if shown["status"] == status or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def test_create_list_show_set_delete_with_the_cli(volume_cloud: Cloud) -> None:
    c = volume_cloud
    name = f"vol-{uuid.uuid4().hex[:8]}"
    created = c.cli("volume", "create", "--size", "1", "--description", "data",
                    "--property", "tier=gold", name)
    assert created["size"] == 1 and created["name"] == name
    shown = _wait(c, name, "available")
    assert shown["status"] == "available", shown
    assert shown["type"] == "__DEFAULT__" and shown["availability_zone"] == "nova"
    path = _file(c, shown["id"])
    assert path.stat().st_size == GIB and _is_ext4(path)
    assert path.stat().st_blocks * 512 < 64 * 1024**2  # sparse: ext4's metadata only

    listed = {v["Name"]: v for v in c.cli("volume", "list", "--long")}
    assert listed[name]["Status"] == "available" and listed[name]["Size"] == 1

    c.cli("volume", "set", "--name", name + "-b", "--property", "owner=me", "--bootable",
          "--read-only", name, as_json=False)
    c.cli("volume", "set", "--size", "2", name + "-b", as_json=False)
    shown = _wait(c, name + "-b", "available")
    assert shown["size"] == 2 and shown["bootable"] is True
    assert shown["properties"]["owner"] == "me" and shown["properties"]["tier"] == "gold"
    assert shown["properties"]["readonly"] == "True"
    assert path.stat().st_size == 2 * GIB and _is_ext4(path)

    # another project sees nothing of it
    demo = c.cli("volume", "show", shown["id"], cloud="cheptel-demo", check=False)
    assert demo.returncode != 0 and "No Volume found" in demo.stderr

    c.cli("volume", "delete", name + "-b", as_json=False)
    deadline = time.monotonic() + 30
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not path.exists()
    assert name + "-b" not in {v["Name"] for v in c.cli("volume", "list")}


def test_quota_show_and_limits_count_the_volumes(volume_cloud: Cloud) -> None:
    c = volume_cloud
    name = f"q-{uuid.uuid4().hex[:8]}"
    c.cli("volume", "create", "--size", "3", name)
    _wait(c, name, "available")
    quota = c.cli("quota", "show", "--usage", "admin")
    rows = {r["Resource"]: r for r in quota} if isinstance(quota, list) else {}
    assert rows["gigabytes"]["In Use"] >= 3 and rows["volumes"]["Limit"] == 10
    c.cli("volume", "delete", name, as_json=False)


def test_a_restart_after_kill_leaves_no_half_made_volume(new_cloud: Cloud) -> None:
    c = new_cloud
    c.extra_env.update({"CHEPTEL_CONTAINER_ENGINE": "fake", "CHEPTEL_VOLUME_BACKEND": "file"})
    c.start()
    kept = c.cli("volume", "create", "--size", "1", "kept")
    _wait(c, "kept", "available")
    c.kill()  # as kill -9 would, then what a crash mid-create would leave on disk
    volumes = c.data_dir / "volumes"
    (volumes / "half.img.part").write_bytes(b"x")
    (volumes / f"{uuid.uuid4()}.img").write_bytes(b"no row owns me")
    c.start()
    assert sorted(p.name for p in volumes.iterdir()) == [f"{kept['id']}.img"]
    assert c.cli("volume", "show", "kept")["status"] == "available"
    c.close()


def test_types_zones_limits_and_listing_all_projects_with_the_cli(volume_cloud: Cloud) -> None:
    c = volume_cloud
    name = f"type-{uuid.uuid4().hex[:8]}"
    created = c.cli("volume", "type", "create", "--property", "acme:tier=gold",
                    "--description", "gold disks", name)
    assert created["name"] == name
    shown = c.cli("volume", "type", "show", name)
    # scoped keys: the scheduler's capability check leaves them to their vendor
    assert shown["properties"] == {"acme:tier": "gold"} and shown["is_public"] is True
    c.cli("volume", "type", "set", "--property", "acme:speed=fast", name, as_json=False)
    assert c.cli("volume", "type", "show", name)["properties"] == {
        "acme:tier": "gold", "acme:speed": "fast"}
    assert {t["Name"] for t in c.cli("volume", "type", "list")} >= {"__DEFAULT__", name}
    vol = c.cli("volume", "create", "--size", "1", "--type", name, f"typed-{name}",
                cloud="cheptel-demo")
    _wait(c, vol["id"], "available", "cheptel-demo")
    # the admin lists every project's volumes; demo's own list has its volume
    everyone = {v["ID"] for v in c.cli("volume", "list", "--all-projects")}
    assert vol["id"] in everyone
    assert vol["id"] in {v["ID"] for v in c.cli("volume", "list", cloud="cheptel-demo")}
    busy = c.cli("volume", "type", "delete", name, check=False, as_json=False)
    assert busy.returncode != 0
    c.cli("volume", "set", "--type", "__DEFAULT__", vol["id"], cloud="cheptel-demo",
          as_json=False)
    assert c.cli("volume", "show", vol["id"])["type"] == "__DEFAULT__"
    c.cli("volume", "delete", "--force", vol["id"], as_json=False)  # the admin's
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and vol["id"] in {
            v["ID"] for v in c.cli("volume", "list", cloud="cheptel-demo")}:
        time.sleep(0.5)
    c.cli("volume", "type", "delete", name, as_json=False)
    zones = c.cli("availability", "zone", "list", "--volume")
    assert {z["Zone Name"] for z in zones} == {"nova"}
    # OSC prints the SDK's names of Cinder's absolute limits
    limits = {r["Name"]: r["Value"] for r in c.cli("limits", "show", "--absolute")}
    assert limits["max_total_volumes"] == 10, limits
    assert limits["max_total_volume_gigabytes"] == 1000
