"""Cinder's attachments API through the unmodified `openstack volume attachment` commands
(OSC asks for --os-volume-api-version 3.27+) against a real `cheptel serve`: the volume
file is really loop-mounted under DATA_DIR/mnt/<server>/<device> while attached, and
unmounted once the attachment is deleted. The servers are the in-memory engine's; the
mount is the host's."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from tests.integration.cloud import Cloud

V = ("--os-volume-api-version", "3.54")


def _mounted(path: Path) -> bool:
    return any(line.split()[4] == str(path.resolve())
               for line in Path("/proc/self/mountinfo").read_text().splitlines())


def _until(check, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


def test_attachment_create_set_complete_list_show_delete(volume_cloud: Cloud) -> None:
    c, demo = volume_cloud, "cheptel-demo"
    name = f"att-{uuid.uuid4().hex[:8]}"
    server = c.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                   "--nic", "none", "--wait", name, cloud=demo)
    vol = c.cli("volume", "create", "--size", "1", name, cloud=demo)
    assert _until(lambda: c.cli("volume", "show", vol["id"], cloud=demo)["status"]
                  == "available")

    att = c.cli(*V, "volume", "attachment", "create", "--server", server["id"],
                "--mode", "rw", vol["id"], cloud=demo)
    assert att["Status"] == "reserved" and att["Instance ID"] == server["id"]
    assert c.cli("volume", "show", vol["id"], cloud=demo)["status"] == "reserved"

    target = c.data_dir / "mnt" / server["id"] / "vdb"
    updated = c.cli(*V, "volume", "attachment", "set", "--host", "compute-1",
                    "--mountpoint", "/dev/vdb", att["ID"], cloud=demo)
    assert updated["Status"] in ("attaching", "attached")
    assert updated["Properties"]["driver_volume_type"] == "local"
    assert _until(lambda: _mounted(target)), "the volume was never mounted"
    c.cli(*V, "volume", "attachment", "complete", att["ID"], cloud=demo, as_json=False)

    shown = c.cli(*V, "volume", "attachment", "show", att["ID"], cloud=demo)
    assert shown["Status"] == "attached" and shown["Attach Mode"] == "rw"
    listed = c.cli(*V, "volume", "attachment", "list", "--volume-id", vol["id"], cloud=demo)
    assert [a["ID"] for a in listed] == [att["ID"]]
    v = c.cli("volume", "show", vol["id"], cloud=demo)
    assert v["status"] == "in-use"
    assert v["attachments"][0]["server_id"] == server["id"]
    assert v["attachments"][0]["device"] == "/dev/vdb"
    # the filesystem is the volume's: writable through the mount
    (target / "hello").write_text("from the host\n")

    c.cli(*V, "volume", "attachment", "delete", att["ID"], cloud=demo, as_json=False)
    assert _until(lambda: c.cli("volume", "show", vol["id"], cloud=demo)["status"]
                  == "available")
    assert not _mounted(target)
    assert c.cli(*V, "volume", "attachment", "list", cloud=demo) == []

    c.cli("volume", "delete", vol["id"], cloud=demo, as_json=False)
    c.cli("server", "delete", "--wait", server["id"], cloud=demo, as_json=False)
