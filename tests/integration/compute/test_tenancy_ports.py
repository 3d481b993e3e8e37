"""The cross-project port attack, end to end: a real `cheptel serve` on the real engine,
the unmodified `openstack` CLI and openstacksdk. A hostile project tries to plug its own
network into another project's server and router by naming them as a port's device; the
cloud refuses (409, as Neutron), and the victim's server, rebuilt, still has only its own
network."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator

import docker.errors
import pytest
from openstack import exceptions

from tests.integration.cloud import Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def tcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _container_id(server_id: str) -> str | None:
    try:
        return str(support.container(server_id).id)
    except docker.errors.NotFound:
        return None


def test_a_port_cannot_plug_into_another_projects_server_or_router(tcloud: Cloud) -> None:
    victim = tcloud.sdk("cheptel-demo")
    private = victim.network.find_network("private", ignore_missing=False)
    router = victim.network.find_router("router1", ignore_missing=False)
    server = victim.compute.create_server(
        name="victim", networks=[{"uuid": private.id}],
        image_id=victim.image.find_image("busybox", ignore_missing=False).id,
        flavor_id=victim.compute.find_flavor("m1.tiny", ignore_missing=False).id)
    server = support.wait_status(victim, server.id, "ACTIVE")

    project, mallory = support.member_of_new_project(tcloud, "mallory")
    base = ipaddress.ip_network(next(victim.network.subnets(network_id=private.id)).cidr)
    net = mallory.network.create_network(name="m-net")
    mallory.network.create_subnet(network_id=net.id, ip_version=4, name="m-sub", cidr=str(
        ipaddress.ip_network(f"{base.network_address + 256 * 120}/24")))
    as_mallory = ("--os-username", project.name, "--os-password", "pw-" + project.name,
                  "--os-project-name", project.name)

    # the unmodified CLI: a port naming the victim's server, then the victim's router
    for device, owner in ((server.id, "compute:nova"), (router.id, "network:router_interface")):
        made = tcloud.cli(*as_mallory, "port", "create", "--network", net.id, "--device",
                          device, "--device-owner", owner, f"evil-{uuid.uuid4().hex[:4]}",
                          cloud="cheptel-demo", check=False)
        assert made.returncode != 0 and "409" in made.stderr, made.stderr
    # openstacksdk: a plain port, then pointed at the server
    port = mallory.network.create_port(network_id=net.id, name="innocent")
    with pytest.raises(exceptions.ConflictException, match="not owned by your tenant"):
        mallory.network.update_port(port, device_id=server.id, device_owner="compute:nova")
    with pytest.raises(exceptions.NotFoundException):  # nor through the victim's router
        mallory.network.add_interface_to_router(router, port_id=port.id)
    assert [p.device_id for p in mallory.network.ports(network_id=net.id)] == [""]

    # the victim's server, rebuilt from its ports, has only its own network
    before = support.container(server.id).id
    victim.compute.rebuild_server(server, image=server.image.id)
    support.wait_for(lambda: _container_id(server.id) not in (None, before), 90,
                     "the rebuilt container")
    server = support.wait_status(victim, server.id, "ACTIVE")
    assert list(server.addresses) == ["private"]
    inside = support.container(server.id).exec_run(["ip", "-o", "-4", "addr"])[1].decode()
    fixed = next(a["addr"] for a in server.addresses["private"])
    # one interface, on its own network (plumbed by cheptel from its ports only)
    assert [line.split()[1] for line in inside.splitlines()
            if " lo " not in line] == ["eth0"] and f" {fixed}/" in inside
    assert [r.id for r in victim.network.routers()] == [router.id]
    assert {p.network_id for p in victim.network.ports(device_id=router.id,
                                                      device_owner="network:router_interface")
            } == {private.id}
    victim.compute.delete_server(server.id)
