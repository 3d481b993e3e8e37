"""The issue's "done when", with the unmodified openstack CLI on the real Docker Engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def scloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def test_demo_boots_sees_console_stops_starts_deletes(scloud: Cloud) -> None:
    demo = "cheptel-demo"
    server = scloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--wait", "demo", cloud=demo)
    assert server["status"] == "ACTIVE"
    sid = server["id"]
    c = support.container(sid)
    assert c.status == "running"
    assert c.labels["cheptel.server"] == sid
    host = c.attrs["HostConfig"]
    assert host["Memory"] == 512 * 1024 * 1024
    assert host["Privileged"] is False and host["Init"] is True
    assert "no-new-privileges" in host["SecurityOpt"]
    assert not host.get("Binds")
    # the config drive, and the server's own directory of attached volumes: read-only,
    # receiving the host's later mounts (rslave); no other host path
    binds = [m for m in c.attrs["Mounts"] if m["Type"] == "bind"]
    assert [(m["Source"], m["Destination"], m["RW"], m["Propagation"]) for m in binds] == [
        (str(scloud.data_dir / "mnt" / sid), "/mnt/volumes", False, "rslave")]
    assert all(m["Type"] == "volume" for m in c.attrs["Mounts"] if m not in binds)
    assert c.attrs["Config"]["Hostname"] == "demo"

    log = scloud.cli("console", "log", "show", sid, cloud=demo, as_json=False)
    assert log.returncode == 0

    scloud.cli("server", "stop", sid, cloud=demo, as_json=False)
    conn = scloud.sdk(demo)
    support.wait_status(conn, sid, "SHUTOFF")
    assert support.container(sid).status == "exited"
    scloud.cli("server", "start", sid, cloud=demo, as_json=False)
    support.wait_status(conn, sid, "ACTIVE")
    assert support.container(sid).status == "running"
    scloud.cli("server", "reboot", "--hard", "--wait", sid, cloud=demo, as_json=False)
    assert conn.compute.get_server(sid).status == "ACTIVE"

    out = scloud.cli("server", "delete", "--wait", sid, cloud=demo, as_json=False)
    assert out.returncode == 0
    assert support.no_container(name=f"cheptel-{sid}")
    gone = scloud.cli("server", "show", sid, cloud=demo, check=False, as_json=False)
    assert gone.returncode != 0 and "404" in gone.stderr or "No Server found" in gone.stderr


def test_user_data_output_and_config_drive_in_console_log(scloud: Cloud) -> None:
    conn = scloud.sdk("cheptel-demo")
    script = "#!/bin/sh\necho user-data-ran\ncat /openstack/latest/meta_data.json\necho\n"
    server = conn.compute.create_server(
        name="ud", image_id=conn.image.find_image("busybox").id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id, networks="none",
        user_data=support.user_data(script), metadata={"role": "web"}, config_drive=True)
    support.wait_status(conn, server.id, "ACTIVE")
    # the config drive asked for is the server's; one not asked for is not (the files are
    # at /openstack in both: cheptel has no metadata service to serve them instead)
    assert conn.compute.get_server(server.id).has_config_drive
    plain = conn.compute.create_server(
        name="no-cd", image_id=conn.image.find_image("busybox").id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id, networks="none")
    assert not conn.compute.get_server(plain.id).has_config_drive
    conn.compute.delete_server(plain.id)

    def console() -> str:
        out = conn.compute.get_server_console_output(server.id)["output"]
        return out if "user-data-ran" in out and server.id in out else ""

    out = support.wait_for(console, 30, "user data output")
    assert '"role": "web"' in out and '"hostname": "ud"' in out
    # Nova's tail: the last N items of the output split on newlines; it ends with one
    tail = conn.compute.get_server_console_output(server.id, length=2)["output"]
    assert len(tail.splitlines()) == 1 and tail.endswith("\n")
    assert conn.compute.get_server_console_output(server.id, length=1)["output"] == ""
    # the drive is read-only inside the server
    c = support.container(server.id)
    code, _ = c.exec_run(["/bin/sh", "-c", "echo x > /openstack/latest/meta_data.json"])
    assert code != 0
    conn.compute.delete_server(server.id)
