"""Volumes given to servers with the unmodified `openstack` CLI, on the real Docker Engine
and real volume files (loop devices mounted into the servers' containers at
/mnt/volumes/<device>): the issue's "done when" — a file written through one server is
read back through another after the volume moved."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

DEMO = "cheptel-demo"


@pytest.fixture(scope="module")
def vcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _volume_status(c: Cloud, vid: str, status: str) -> dict:
    def check() -> dict | None:
        shown: dict = c.cli("volume", "show", vid, cloud=DEMO)
        assert shown["status"] not in ("error", "error_deleting"), shown
        return shown if shown["status"] == status else None
    return support.wait_for(check, 60, f"volume {vid} {status}")  # type: ignore[no-any-return]


def _server(c: Cloud, name: str) -> str:
    server = c.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                   "--nic", "none", "--wait", name, cloud=DEMO)
    assert server["status"] == "ACTIVE", server
    return str(server["id"])


def _sh(sid: str, script: str) -> str:
    code, out = support.container(sid).exec_run(["sh", "-c", script])
    assert code == 0, out.decode(errors="replace")
    return str(out.decode())


def test_a_file_written_through_one_server_is_read_through_another(vcloud: Cloud) -> None:
    c = vcloud
    tag = uuid.uuid4().hex[:6]
    vid = c.cli("volume", "create", "--size", "1", f"data-{tag}", cloud=DEMO)["id"]
    _volume_status(c, vid, "available")
    first, second = _server(c, f"va-{tag}"), _server(c, f"vb-{tag}")

    added = c.cli("server", "add", "volume", first, vid, cloud=DEMO)
    assert added["Volume ID"] == vid and added["Server ID"] == first
    assert added["Device"] == "/dev/vdb"
    shown = _volume_status(c, vid, "in-use")
    (entry,) = shown["attachments"]
    assert entry["server_id"] == first and entry["device"] == "/dev/vdb"
    listed = c.cli("server", "volume", "list", first, cloud=DEMO)
    assert [(v["Volume ID"], v["Device"]) for v in listed] == [(vid, "/dev/vdb")]
    server = c.cli("server", "show", first, cloud=DEMO)
    assert vid in str(server["volumes_attached"])

    # the volume is an ext4 filesystem inside the server, writable
    assert "/mnt/volumes/vdb" in _sh(first, "cat /proc/mounts")
    _sh(first, f"echo written-by-{tag} > /mnt/volumes/vdb/note && sync")

    c.cli("server", "remove", "volume", first, vid, cloud=DEMO, as_json=False)
    _volume_status(c, vid, "available")
    assert c.cli("server", "volume", "list", first, cloud=DEMO) == []
    assert "/mnt/volumes/vdb" not in _sh(first, "cat /proc/mounts")

    c.cli("server", "add", "volume", second, vid, cloud=DEMO)
    _volume_status(c, vid, "in-use")
    assert _sh(second, "cat /mnt/volumes/vdb/note").strip() == f"written-by-{tag}"

    # a server deleted with its volume attached gives the volume back
    c.cli("server", "delete", "--wait", second, cloud=DEMO, as_json=False)
    shown = _volume_status(c, vid, "available")
    assert shown["attachments"] == []
    c.cli("server", "delete", "--wait", first, cloud=DEMO, as_json=False)
    c.cli("volume", "delete", vid, cloud=DEMO, as_json=False)


def test_cli_errors_as_nova(vcloud: Cloud) -> None:
    c = vcloud
    tag = uuid.uuid4().hex[:6]
    vid = c.cli("volume", "create", "--size", "1", f"err-{tag}", cloud=DEMO)["id"]
    _volume_status(c, vid, "available")
    sid = _server(c, f"ve-{tag}")
    out = c.cli("server", "remove", "volume", sid, vid, cloud=DEMO, check=False,
                as_json=False)
    assert out.returncode != 0 and "is not attached to volume" in out.stderr
    c.cli("server", "add", "volume", "--device", "/dev/vdc", sid, vid, cloud=DEMO)
    out = c.cli("server", "add", "volume", sid, vid, cloud=DEMO, check=False, as_json=False)
    assert out.returncode != 0 and "already attached" in out.stderr
    _volume_status(c, vid, "in-use")
    assert "/mnt/volumes/vdc" in _sh(sid, "cat /proc/mounts")
    c.cli("server", "delete", "--wait", sid, cloud=DEMO, as_json=False)
    _volume_status(c, vid, "available")
    c.cli("volume", "delete", vid, cloud=DEMO, as_json=False)


def _throttled(sid: str, device: str) -> dict[str, int]:
    """The kernel's block I/O limits of the server's container on `device` (MAJ:MIN),
    read from its cgroup as the operator would (v1 blkio or v2 io.max)."""
    pid = support.container(sid).attrs["State"]["Pid"]
    lines = open(f"/proc/{pid}/cgroup").read().splitlines()
    found: dict[str, int] = {}
    v1 = [line.split(":", 2)[2] for line in lines if "blkio" in line.split(":")[1].split(",")]
    if v1:
        for name in ("read_bps", "write_bps", "read_iops", "write_iops"):
            path = f"/sys/fs/cgroup/blkio{v1[0]}/blkio.throttle.{name}_device"
            for line in open(path).read().splitlines():
                if line.split()[0] == device:
                    found[name] = int(line.split()[1])
        return found
    unified = next(line.split(":", 2)[2] for line in lines if line.startswith("0::"))
    keys = {"rbps": "read_bps", "wbps": "write_bps", "riops": "read_iops",
            "wiops": "write_iops"}
    for line in open(f"/sys/fs/cgroup{unified}/io.max").read().splitlines():
        if line.split()[0] == device:
            for pair in line.split()[1:]:
                key, value = pair.split("=")
                if value != "max":
                    found[keys[key]] = int(value)
    return found


def test_front_end_qos_limits_the_servers_io_on_the_volume(vcloud: Cloud) -> None:
    """An admin's QoS specs on a type: the volume, once attached, is limited in the
    server's block I/O cgroup on the device the guest sees mounted; the specs changed,
    the limits follow; a hard reboot (a new cgroup) keeps them."""
    c = vcloud
    tag = uuid.uuid4().hex[:6]
    made = c.cli("volume", "qos", "create", "--consumer", "front-end", "--property",
                 "read_bytes_sec=1048576", "--property", "write_iops_sec=200", f"q-{tag}")
    c.cli("volume", "type", "create", f"fast-{tag}")
    c.cli("volume", "qos", "associate", made["id"], f"fast-{tag}", as_json=False)
    shown = c.cli("volume", "qos", "show", made["id"])
    assert f"fast-{tag}" in shown["associations"], shown
    vid = c.cli("volume", "create", "--size", "1", "--type", f"fast-{tag}", f"q-{tag}",
                cloud=DEMO)["id"]
    _volume_status(c, vid, "available")
    sid = _server(c, f"vq-{tag}")
    c.cli("server", "add", "volume", sid, vid, cloud=DEMO)
    _volume_status(c, vid, "in-use")
    # the guest's own view of its mount: the block device's MAJ:MIN
    mounted = [line.split() for line in _sh(sid, "cat /proc/self/mountinfo").splitlines()]
    device = next(fields[2] for fields in mounted if fields[4] == "/mnt/volumes/vdb")
    assert _throttled(sid, device) == {"read_bps": 1048576, "write_iops": 200}

    c.cli("volume", "qos", "set", "--property", "read_bytes_sec=2097152", made["id"],
          as_json=False)
    support.wait_for(lambda: _throttled(sid, device).get("read_bps") == 2097152, 30,
                     "the new read limit in the cgroup")
    c.cli("server", "reboot", "--hard", "--wait", sid, cloud=DEMO, as_json=False)
    support.wait_for(lambda: _throttled(sid, device) == {
        "read_bps": 2097152, "write_iops": 200}, 30, "the limits in the new cgroup")

    c.cli("server", "remove", "volume", sid, vid, cloud=DEMO, as_json=False)
    _volume_status(c, vid, "available")
    c.cli("server", "delete", "--wait", sid, cloud=DEMO, as_json=False)
