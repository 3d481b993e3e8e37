"""kill -9 while volumes attach, detach and a server boots from a volume, on the real engine:
after the restart every volume is in a stable status, every in-use volume is mounted in
its server and nothing else is (no stray mount, no stray loop device); and mounts lost
while cheptel was down (as after a host reboot) come back."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

DEMO = "cheptel-demo"
STABLE = {"available", "in-use"}


@pytest.fixture(scope="module")
def ccloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _mounts_under(root: Path) -> dict[str, str]:
    """mount point -> source, for the mounts under root (this process's table)."""
    found = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = fields[4]
        if point.startswith(str(root) + "/"):
            found[point] = line.split(" - ", 1)[1].split()[1]
    return found


def _loops_of(path: Path) -> str:
    return subprocess.run(["losetup", "-j", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def _volumes(c: Cloud) -> dict[str, dict]:
    conn = c.sdk(DEMO)
    return {v.id: {"status": v.status, "attachments": v.attachments}
            for v in conn.block_storage.volumes()}


def _settled(c: Cloud) -> dict[str, dict] | None:
    found = _volumes(c)
    return found if all(v["status"] in STABLE for v in found.values()) else None


def _check_host_matches(c: Cloud, found: dict[str, dict]) -> None:
    mnt = c.data_dir / "mnt"
    mounts = _mounts_under(mnt)
    wanted = set()
    for vid, v in found.items():
        path = c.data_dir / "volumes" / f"{vid}.img"
        if v["status"] == "in-use":
            (att,) = v["attachments"]
            point = mnt / att["server_id"] / att["device"].rsplit("/", 1)[-1]
            wanted.add(str(point))
            assert str(point) in mounts, f"{vid} in-use but not mounted at {point}"
            inside = support.container(att["server_id"]).exec_run(
                ["grep", "-c", f" {'/mnt/volumes/' + point.name} ", "/proc/self/mountinfo"])
            assert inside.exit_code == 0, f"{vid} not seen inside the server"
        else:
            assert _loops_of(path) == "", f"{vid} available but still on a loop device"
    stray = set(mounts) - wanted
    assert not stray, f"mounts no attachment holds: {stray}"


def test_kill_9_mid_attach_detach_and_boot_then_restart(ccloud: Cloud) -> None:
    c = ccloud
    conn = c.sdk(DEMO)
    image = conn.image.find_image("busybox")
    flavor = conn.compute.find_flavor("m1.tiny")
    server = conn.compute.create_server(name="crash", image_id=image.id, flavor_id=flavor.id,
                                        networks="none")
    support.wait_status(conn, server.id, "ACTIVE")
    vols = [conn.block_storage.create_volume(size=1, name=f"crash-{i}") for i in range(3)]
    for v in vols:
        conn.block_storage.wait_for_status(v, "available", wait=60)
    conn.compute.create_volume_attachment(server.id, volume_id=vols[0].id)
    conn.block_storage.wait_for_status(vols[0], "in-use", wait=60)

    # three writes in flight, then the process dies before (or while) the host follows
    token = conn.session.get_token()
    nova = f"{c.base_url}/compute/v2.1/servers/{server.id}/os-volume_attachments"
    headers = {"X-Auth-Token": token}
    with httpx.Client(timeout=10) as http:
        assert http.post(nova, headers=headers, json={"volumeAttachment": {
            "volumeId": vols[1].id}}).status_code == 200
        assert http.delete(f"{nova}/{vols[0].id}", headers=headers).status_code == 202
        boot = http.post(f"{c.base_url}/compute/v2.1/servers", headers=headers, json={
            "server": {"name": "crash-bfv", "flavorRef": flavor.id, "networks": "none",
                       "block_device_mapping_v2": [{
                           "uuid": image.id, "source_type": "image", "boot_index": 0,
                           "destination_type": "volume", "volume_size": 1}]}})
        assert boot.status_code == 202, boot.text
    c.kill()
    c.start()
    found = support.wait_for(lambda: _settled(c), 60, "every volume in a stable status")
    bfv = boot.json()["server"]["id"]
    support.wait_status(conn, bfv, "ACTIVE")
    found = support.wait_for(lambda: _settled(c), 60, "every volume in a stable status")
    assert found[vols[0].id]["status"] == "available"
    assert found[vols[1].id]["status"] == "in-use"
    assert found[vols[2].id]["status"] == "available"
    _check_host_matches(c, found)

    # the host loses every volume mount while cheptel is down (a reboot): they come back
    c.kill()
    mnt = c.data_dir / "mnt"
    for point, source in _mounts_under(mnt).items():
        subprocess.run(["umount", "-l", point], check=True)
        subprocess.run(["losetup", "-d", source], check=False)
    assert _mounts_under(mnt) == {}
    c.start()
    support.wait_for(lambda: len(_mounts_under(mnt)) == 2, 30, "the two mounts back")
    _check_host_matches(c, _settled(c) or {})

    for sid in (server.id, bfv):
        conn.compute.delete_server(sid)
    for sid in (server.id, bfv):
        support.wait_for(lambda s=sid: conn.compute.find_server(s) is None, 60, "deleted")
    support.wait_for(lambda: _mounts_under(mnt) == {}, 30, "no mount left")
    time.sleep(0.5)
    final = _settled(c)
    assert final is not None
    _check_host_matches(c, final)
