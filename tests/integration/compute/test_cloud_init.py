"""A real cloud image configures itself from the metadata service: Debian's cloud-init reads
the server's user data and key at http://169.254.169.254/ (no config drive asked for), and
the key logs in over SSH through a floating IP, with the unmodified openstack CLI and ssh."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import cloud_image, support

USER_DATA = """\
#cloud-config
write_files:
  - path: /etc/from-user-data
    content: |
      written by cloud-init from the metadata service
runcmd:
  - [sh, -c, "cloud-init query v1.subplatform > /var/tmp/subplatform"]
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def test_cloud_init_takes_user_data_and_key_from_the_metadata_service(
        cloud: Cloud, tmp_path: Path) -> None:
    image = cloud_image.root_tar()
    cloud.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
              "--public", "--file", str(image), "debian-cloud")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    cloud.cli("keypair", "create", "--public-key", f"{key}.pub", "mine", cloud="cheptel-demo")
    (tmp_path / "user-data").write_text(USER_DATA)
    cloud.cli("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
              "default", cloud="cheptel-demo")
    server = cloud.cli("server", "create", "--image", "debian-cloud", "--flavor", "m1.tiny",
                       "--network", "private", "--key-name", "mine", "--user-data",
                       str(tmp_path / "user-data"), "--wait", "vm", cloud="cheptel-demo")
    assert server["status"] == "ACTIVE" and not server["config_drive"]
    fip = cloud.cli("floating", "ip", "create", "public", cloud="cheptel-demo")
    address = fip["floating_ip_address"]
    cloud.cli("server", "add", "floating", "ip", "vm", address, cloud="cheptel-demo",
              as_json=False)

    def console() -> str:
        return cloud.cli("console", "log", "show", "vm", cloud="cheptel-demo",  # type: ignore[no-any-return]
                         as_json=False).stdout
    text = support.wait_for(lambda: "sshd started" in console() and console(), 180,
                            "cloud-init's stages and sshd on the console")
    # the console shows cloud-init found the metadata service (DataSourceOpenStack), and
    # every stage ran without a module failing
    assert "Datasource DataSourceOpenStack" in text, text
    assert "cheptel-init: cloud-init" not in text, text  # what it says of a stage failing

    def ssh(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
             f"debian@{address}", *command], capture_output=True, text=True, timeout=30)
    # the key went to the image's default user (cloud-init's ssh and users modules)
    proc = support.wait_for(lambda: (p := ssh("cat /etc/from-user-data /var/tmp/subplatform"
                                               " /var/lib/cloud/data/instance-id")
                                     ).returncode == 0 and p, 30, "an SSH login with the key")
    lines = proc.stdout.splitlines()
    assert lines[0] == "written by cloud-init from the metadata service", proc.stdout
    assert lines[1] == "metadata (http://169.254.169.254)", proc.stdout
    assert lines[2] == server["id"], proc.stdout
    # another key does not log in
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)],
                   check=True)
    key.write_bytes(other.read_bytes())
    assert ssh("true").returncode == 255
