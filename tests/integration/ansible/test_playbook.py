"""Ansible's openstack.cloud modules against a real cheptel on the real engine: a playbook
builds a routed network, a security group, a keypair and a server with a floating IP and
an attached volume; the host reaches the server's web page through that IP and the volume
is mounted inside it, and a Heat stack (openstack.cloud.stack: topology.yaml's network,
subnet, router and volume) is complete; the playbook's second play deletes it all."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

PLAYBOOK = Path(__file__).with_name("playbook.yml")
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
# the bundled collection's openstacksdk version check, made to work with openstacksdk 4.15+
SDK_COMPAT = Path(__file__).with_name("sdk_compat")


@pytest.fixture(scope="module")
def ansible_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def playbook(cloud: Cloud, tags: str, extra: dict[str, str], home: Path
             ) -> subprocess.CompletedProcess:
    env = cloud.env()  # OS_CLIENT_CONFIG_FILE: the cloud's clouds.yaml
    env.update({"ANSIBLE_HOME": str(home), "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
                "ANSIBLE_REMOTE_TEMP": str(home / "tmp"),
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "False",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
                "ANSIBLE_RETRY_FILES_ENABLED": "False", "PYTHONPATH": str(SDK_COMPAT)})
    cmd = [str(ANSIBLE_PLAYBOOK), str(PLAYBOOK), "-i", "localhost,", "--tags", tags]
    for key, value in extra.items():
        cmd += ["-e", f"{key}={value}"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=400)
    if proc.returncode != 0:
        raise AssertionError(
            f"ansible-playbook --tags {tags} failed ({proc.returncode}):\n"
            f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}\n"
            f"--- serve.log ---\n{cloud.log.read_text()[-3000:]}")
    return proc


def answers(address: str, marker: str, port: int = 8080) -> bool:
    try:
        r = httpx.get(f"http://{address}:{port}/", timeout=1)
    except httpx.HTTPError:
        return False
    return r.status_code == 200 and r.text.strip() == marker


def test_playbook_builds_a_reachable_server_then_deletes_everything(
        ansible_cloud: Cloud, tmp_path: Path) -> None:
    demo = ansible_cloud.sdk("cheptel-demo")
    # a /24 beside private's (other clouds may use it too: each router is a namespace)
    private = next(demo.network.subnets(network_id=demo.network.find_network("private").id))
    base = ipaddress.ip_network(private.cidr)
    cidr = str(ipaddress.ip_network(f"{base.network_address + 256 * 50}/24"))
    prefix = "ans-" + uuid.uuid4().hex[:6]
    marker = "hello-" + uuid.uuid4().hex
    stack_cidr = str(ipaddress.ip_network(f"{base.network_address + 256 * 51}/24"))
    extra = {"prefix": prefix, "cidr": cidr, "stack_cidr": stack_cidr, "marker": marker,
             "out_dir": str(tmp_path), "os_cloud": "cheptel-demo"}

    playbook(ansible_cloud, "up", extra, tmp_path)

    address = (tmp_path / "floating_ip").read_text().strip()
    public = demo.network.find_network("public")
    fip = next(demo.network.ips(floating_ip_address=address))
    assert fip.floating_network_id == public.id and fip.port_id
    server = demo.compute.find_server(f"{prefix}-server")
    assert server is not None
    assert fip.port_id in {p.id for p in demo.network.ports(device_id=server.id)}
    support.wait_for(lambda: answers(address, marker), 30,
                     f"the server's page on {address}:8080")
    # the attached volume, inside the running server: a 1 GiB filesystem of its own
    df = support.container(server.id).exec_run(["df", "-k", "/mnt/volumes/vdb"])
    assert df.exit_code == 0 and "/dev/loop" in df.output.decode(), df.output
    # the load balancer's floating IP answers the server's page on port 80
    lb_address = (tmp_path / "lb_floating_ip").read_text().strip()
    support.wait_for(lambda: answers(lb_address, marker, port=80), 30,
                     f"the load balancer's page on {lb_address}:80")
    lb = demo.load_balancer.find_load_balancer(f"{prefix}-lb")
    assert lb.provisioning_status == "ACTIVE"
    # the Heat stack's resources, as the other services show them
    stack = demo.orchestration.find_stack(f"{prefix}-stack")
    assert stack is not None and stack.status == "CREATE_COMPLETE"
    router = demo.network.find_router(f"{prefix}-stack-router")
    assert router is not None and router.external_gateway_info["network_id"] == public.id
    assert demo.block_storage.find_volume(f"{prefix}-stack-data").size == 1

    playbook(ansible_cloud, "down", extra, tmp_path)

    assert demo.compute.find_server(f"{prefix}-server") is None
    assert demo.block_storage.find_volume(f"{prefix}-data") is None
    assert demo.compute.find_keypair(f"{prefix}-key") is None
    assert demo.network.find_router(f"{prefix}-router") is None
    assert demo.network.find_security_group(f"{prefix}-web") is None
    assert demo.network.find_subnet(f"{prefix}-subnet") is None
    assert demo.network.find_network(f"{prefix}-net") is None
    assert not list(demo.network.ips(floating_ip_address=address))
    assert not answers(address, marker)
    assert demo.load_balancer.find_load_balancer(f"{prefix}-lb") is None
    assert demo.orchestration.find_stack(f"{prefix}-stack") is None
    assert demo.network.find_router(f"{prefix}-stack-router") is None
    assert demo.network.find_network(f"{prefix}-stack-net") is None
    assert demo.block_storage.find_volume(f"{prefix}-stack-data") is None
    assert not list(demo.network.ips(floating_ip_address=lb_address))
