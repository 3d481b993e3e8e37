"""Backups through the unmodified `openstack` CLI against a real `cheptel serve`, over
real files: compressed chunks and a manifest under DATA_DIR/backups/<id>/, restored into
a new volume and (incrementally) into an existing one."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from tests.integration.cloud import Cloud

GIB = 1024**3
AT = GIB - 4096  # the last block of a 1 GiB volume: free space, never ext4's metadata


def _wait(cloud: Cloud, kind: tuple[str, ...], name: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        shown: dict[str, Any] = cloud.cli(*kind, "show", name)
        if shown["status"] == status or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def _mark(path: Path, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(AT)
        f.write(data)


def _read(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(AT)
        return f.read(n)


def test_backup_create_list_show_restore_delete(volume_cloud: Cloud) -> None:
    c = volume_cloud
    tag = uuid.uuid4().hex[:8]
    vol = c.cli("volume", "create", "--size", "1", f"src-{tag}")
    _wait(c, ("volume",), vol["id"], "available")
    src = c.data_dir / "volumes" / f"{vol['id']}.img"
    _mark(src, b"first")

    full = c.cli("volume", "backup", "create", "--name", f"full-{tag}", vol["id"])
    shown = _wait(c, ("volume", "backup"), full["id"], "available")
    assert shown["size"] == 1 and shown["volume_id"] == vol["id"]
    manifest = json.loads((c.data_dir / "backups" / full["id"] / "manifest.json")
                          .read_text())
    assert manifest["size"] == GIB and manifest["parent"] is None
    listed = {b["Name"]: b for b in c.cli("volume", "backup", "list")}
    assert listed[f"full-{tag}"]["Status"] == "available"

    restored = c.cli("volume", "backup", "restore", full["id"], f"restored-{tag}")
    new = _wait(c, ("volume",), restored["volume_id"], "available")
    assert new["size"] == 1
    assert _read(c.data_dir / "volumes" / f"{new['id']}.img", 5) == b"first"

    _mark(src, b"again")  # a change, backed up incrementally
    inc = c.cli("volume", "backup", "create", "--incremental", "--name", f"inc-{tag}",
                vol["id"])
    assert _wait(c, ("volume", "backup"), inc["id"], "available")["is_incremental"]
    written = sorted(p.name for p in (c.data_dir / "backups" / inc["id"]).iterdir())
    assert len(written) == 2  # the one changed chunk, and the manifest
    c.cli("volume", "backup", "restore", "--force", inc["id"], new["id"])
    _wait(c, ("volume",), new["id"], "available")
    assert _read(c.data_dir / "volumes" / f"{new['id']}.img", 5) == b"again"

    refused = c.cli("volume", "backup", "delete", full["id"], check=False, as_json=False)
    assert refused.returncode != 0 and "Incremental backups exist" in refused.stderr
    for b in (inc["id"], full["id"]):
        c.cli("volume", "backup", "delete", b, as_json=False)
    deadline = time.monotonic() + 30
    while any((c.data_dir / "backups" / b).exists() for b in (inc["id"], full["id"])):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    for v in (vol["id"], new["id"]):
        c.cli("volume", "delete", v, as_json=False)
