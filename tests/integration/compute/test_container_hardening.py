"""A tenant's container on the real engine is capped (issue 16): a booted server's
HostConfig read back from Docker, and its console log still showing the newest output
once the server has written more than the log may hold."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

CAP, FILES = 65536, 2  # a small log, so a few hundred KB of output overflow it
# ~420 KB of output, then the image's init prints its boot ("... is up") after it
FLOOD = ("#!/bin/sh\ni=0\nwhile [ $i -lt 4000 ]; do\n"
         "  echo \"flood $i " + "x" * 70 + "\"\n"
         "  i=$((i+1))\ndone\necho flood-done\n")


@pytest.fixture(scope="module")
def capped_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("capped"), extra_env={
        "CHEPTEL_CONSOLE_LOG_MAX_BYTES": str(CAP), "CHEPTEL_CONSOLE_LOG_FILES": str(FILES),
        "CHEPTEL_RECONCILE_INTERVAL": "1"}).start()
    yield c
    c.close()


def test_a_servers_container_is_capped_and_its_console_shows_the_newest(
        capped_cloud: Cloud) -> None:
    conn = capped_cloud.sdk("cheptel-demo")
    flavor = conn.compute.find_flavor("m1.tiny")
    server = conn.compute.create_server(
        name="capped", image_id=conn.image.find_image("busybox").id, flavor_id=flavor.id,
        networks="none", user_data=support.user_data(FLOOD))
    server = support.wait_status(conn, server.id, "ACTIVE")

    def console() -> str:
        return conn.compute.get_server_console_output(server)["output"]
    support.wait_for(lambda: "is up" in console(), 60, "the boot after the flood")

    attrs = support.container(server.id).attrs
    host = attrs["HostConfig"]
    assert host["LogConfig"] == {"Type": "json-file", "Config": {
        "max-size": str(CAP), "max-file": str(FILES)}}
    assert {u["Name"]: (u["Soft"], u["Hard"]) for u in host["Ulimits"]} == {
        "nofile": (1024, 4096), "nproc": (4096, 4096)}
    assert host["CgroupnsMode"] == "private"
    assert host["Privileged"] is False and host["SecurityOpt"] == ["no-new-privileges"]
    assert host["PidsLimit"] == 256 and host["Memory"] == flavor.ram * 1024 * 1024

    # the log on disk holds at most its cap, and the console shows the newest output:
    # the last lines of the flood and the boot after it, not its first lines
    log = Path(attrs["LogPath"])
    kept = [p for p in log.parent.iterdir() if p.name.startswith(log.name)]
    assert 1 <= len(kept) <= FILES
    assert sum(os.path.getsize(p) for p in kept) <= CAP * FILES + 4096
    output = console()
    assert "flood 3999 " in output and "flood-done" in output and "is up" in output
    assert "flood 0 " not in output
    tail = conn.compute.get_server_console_output(server, length=3)["output"]
    assert "is up" in tail and "flood 3999" not in tail
