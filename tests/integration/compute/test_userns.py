"""Servers on a dockerd that remaps user namespaces (issue 16): a second dockerd of the
test's own (its own socket, data root, exec root and pid file, `--userns-remap=default`,
no bridge of its own and no iptables of its own, so the host's dockerd is never
touched), a cheptel pointed at it with CHEPTEL_DOCKER_URL. Servers boot, run their user
data, talk on their network and answer the host on a floating IP, while their root is
an unprivileged host user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import httpx
import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.dockerd import second_dockerd

# it starts a dockerd and writes the host's iptables: alone, after the rest (make test)
pytestmark = pytest.mark.serial

HTTPD = ("#!/bin/sh\nmkdir -p /tmp/www && echo hello-$(hostname) > /tmp/www/index.html\n"
         "httpd -p 8080 -h /tmp/www\necho user-data-ran\n")


@pytest.fixture(scope="module")
def remapped_dockerd() -> Iterator[str]:
    """A dockerd with --userns-remap=default, started and stopped here; its socket URL."""
    with second_dockerd("userns", "--userns-remap=default") as (url, _):
        yield url


@pytest.fixture(scope="module")
def remapped_cloud(remapped_dockerd: str, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[Cloud, docker.DockerClient]]:
    c = Cloud(tmp_path_factory.mktemp("userns"), extra_env={
        "CHEPTEL_DOCKER_URL": remapped_dockerd, "CHEPTEL_RECONCILE_INTERVAL": "1"}).start()
    client = docker.DockerClient(base_url=remapped_dockerd, version="1.41")
    yield c, client
    c.close()  # the teardown drives the remapped dockerd too: CHEPTEL_DOCKER_URL
    client.close()


def test_servers_boot_run_user_data_and_reach_the_network_remapped(
        remapped_cloud: tuple[Cloud, docker.DockerClient]) -> None:
    cloud, client = remapped_cloud
    info = client.info()
    assert "name=userns" in info["SecurityOptions"]
    conn = cloud.sdk("cheptel-demo")
    private = conn.network.find_network("private")
    image, flavor = conn.image.find_image("busybox").id, conn.compute.find_flavor("m1.tiny").id

    def boot(name: str, script: str | None = None):  # type: ignore[no-untyped-def]
        kw = {"user_data": support.user_data(script)} if script else {}
        s = conn.compute.create_server(name=name, image_id=image, flavor_id=flavor,
                                       networks=[{"uuid": private.id}], **kw)
        return support.wait_status(conn, s.id, "ACTIVE")
    web, peer = boot("web", HTTPD), boot("peer")
    support.wait_for(lambda: "user-data-ran" in conn.compute.get_server_console_output(
        web)["output"], 60, "the user data on the console")

    # the container's root is an unprivileged host user; its config drive is its root's
    inside = client.containers.get(f"cheptel-{web.id}")
    assert inside.exec_run(["cat", "/proc/self/uid_map"]).output.split()[:2] == [
        b"0", b"100000"]
    pid = inside.attrs["State"]["Pid"]
    host_uid = next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text()
                    .splitlines() if line.startswith("Uid:"))
    assert host_uid == "100000"
    assert inside.exec_run(["stat", "-c", "%u %g", "/openstack/latest/meta_data.json"]
                           ).output.strip() == b"0 0"
    spec = inside.attrs["HostConfig"]
    assert {u["Name"]: u["Hard"] for u in spec["Ulimits"]}["nproc"] == spec["PidsLimit"]

    # its network: a peer fetches the page; the host reaches it on a floating IP once a
    # rule opens the port
    web_ip = next(a["addr"] for n in conn.compute.get_server(web.id).addresses.values()
                  for a in n)
    fetch = client.containers.get(f"cheptel-{peer.id}").exec_run(  # (static wget crashes)
        ["sh", "-c", f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {web_ip} 8080"])
    assert fetch.exit_code == 0 and b"hello-" in fetch.output, fetch.output
    fip = conn.network.create_ip(floating_network_id=conn.network.find_network("public").id)
    conn.network.update_ip(fip, port_id=next(conn.network.ports(device_id=web.id)).id)
    group = conn.network.find_security_group("default", project_id=web.project_id)
    conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=8080, port_range_max=8080, remote_ip_prefix="0.0.0.0/0")

    def page() -> str:
        try:
            return httpx.get(f"http://{fip.floating_ip_address}:8080/", timeout=1).text
        except httpx.HTTPError:
            return ""
    assert support.wait_for(page, 15, "the page on the floating IP").startswith("hello-")
