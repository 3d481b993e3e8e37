"""Snapshots and volumes made from them (or from another volume) through the unmodified
`openstack` CLI against a real `cheptel serve`, over real files (sparse copies holding
ext4: cheptel.backends.file_blocks)."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from tests.integration.cloud import Cloud

GIB = 1024**3


def _wait(cloud: Cloud, kind: tuple[str, ...], name: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        shown: dict[str, Any] = cloud.cli(*kind, "show", name)
        if shown["status"] == status or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def _gone(path: Path) -> bool:
    deadline = time.monotonic() + 30
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return not path.exists()


def _fsck_clean(path: Path) -> bool:
    return subprocess.run(["e2fsck", "-fn", str(path)], capture_output=True).returncode == 0


def test_snapshot_create_list_show_delete_and_volumes_from_them(volume_cloud: Cloud) -> None:
    c = volume_cloud
    tag = uuid.uuid4().hex[:8]
    vol = c.cli("volume", "create", "--size", "1", f"src-{tag}")
    _wait(c, ("volume",), vol["id"], "available")

    snap = c.cli("volume", "snapshot", "create", "--volume", vol["id"],
                 "--description", "first", "--property", "k=v", f"snap-{tag}")
    assert snap["volume_id"] == vol["id"] and snap["size"] == 1
    shown = _wait(c, ("volume", "snapshot"), f"snap-{tag}", "available")
    assert shown["status"] == "available" and shown["properties"] == {"k": "v"}
    assert shown["description"] == "first"
    path = c.data_dir / "snapshots" / f"{snap['id']}.img"
    assert path.stat().st_size == GIB and _fsck_clean(path)
    listed = {s["Name"]: s for s in c.cli("volume", "snapshot", "list")}
    assert listed[f"snap-{tag}"]["Status"] == "available"
    assert listed[f"snap-{tag}"]["Size"] == 1

    # a volume from the snapshot, larger; a clone of the source volume
    from_snap = c.cli("volume", "create", "--snapshot", f"snap-{tag}", "--size", "2",
                      f"from-{tag}")
    made = _wait(c, ("volume",), from_snap["id"], "available")
    assert made["snapshot_id"] == snap["id"] and made["size"] == 2
    made_path = c.data_dir / "volumes" / f"{from_snap['id']}.img"
    assert made_path.stat().st_size == 2 * GIB and _fsck_clean(made_path)
    clone = c.cli("volume", "create", "--source", f"src-{tag}", f"clone-{tag}")
    cloned = _wait(c, ("volume",), clone["id"], "available")
    assert cloned["source_volid"] == vol["id"] and cloned["size"] == 1

    # the source volume cannot go while it has a snapshot
    refused = c.cli("volume", "delete", vol["id"], check=False, as_json=False)
    assert refused.returncode != 0 and "snapshots" in refused.stderr
    c.cli("volume", "snapshot", "delete", f"snap-{tag}", as_json=False)
    assert _gone(path)
    assert f"snap-{tag}" not in {s["Name"] for s in c.cli("volume", "snapshot", "list")}
    for v in (vol["id"], from_snap["id"], clone["id"]):
        c.cli("volume", "delete", v, as_json=False)
        assert _gone(c.data_dir / "volumes" / f"{v}.img")


def test_a_restart_after_kill_finishes_snapshots_and_sweeps_orphans(new_cloud: Cloud) -> None:
    c = new_cloud
    c.extra_env.update({"CHEPTEL_CONTAINER_ENGINE": "fake", "CHEPTEL_VOLUME_BACKEND": "file"})
    c.start()
    vol = c.cli("volume", "create", "--size", "1", "kept")
    _wait(c, ("volume",), "kept", "available")
    snap = c.cli("volume", "snapshot", "create", "--volume", "kept", "kept-snap")
    _wait(c, ("volume", "snapshot"), "kept-snap", "available")
    c.kill()  # as kill -9 would, then what a crash mid-copy would leave on disk
    snaps = c.data_dir / "snapshots"
    (snaps / "half.img.part").write_bytes(b"x")
    (snaps / f"{uuid.uuid4()}.img").write_bytes(b"no row owns me")
    c.start()
    assert sorted(p.name for p in snaps.iterdir()) == [f"{snap['id']}.img"]
    assert c.cli("volume", "snapshot", "show", "kept-snap")["status"] == "available"
    c.cli("volume", "delete", "--cascade", vol["id"], as_json=False)
    deadline = time.monotonic() + 30
    while any(snaps.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(snaps.iterdir()) == []
    c.close()
