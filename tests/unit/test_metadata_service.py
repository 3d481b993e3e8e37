"""The metadata service: the trees it serves, and who it serves them to (a server of the
router's networks by its source address; nobody else)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from cheptel.compute import metadata
from cheptel.compute.metadata_service import ISOLATED, MetadataService
from cheptel.compute.models import Server
from cheptel.identity.models import Project
from cheptel.network.models import Network, Router
from cheptel.network.service import ports
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi, running_container, server_row


@pytest.fixture
def cloud(make_api: MakeApi) -> Api:
    return make_api(container_engine="fake")


def _facts() -> metadata.Facts:
    server = server_row("s-1", "p-1")
    server.key_name, server.public_key = "k", "ssh-ed25519 AAAA k"
    server.user_data = "I2Nsb3VkLWNvbmZpZw=="  # "#cloud-config"
    server.flavor = {"original_name": "m1.tiny"}
    nic = metadata.Nic("port-1", "net-1", "fa:16:3e:00:00:01", 1450, "10.0.0.5",
                       "10.0.0.0/24", "10.0.0.1", ("9.9.9.9",), "172.24.4.7")
    return metadata.Facts(server, {"role": "web"}, (nic,), ("default",))


def test_the_openstack_and_ec2_trees() -> None:
    root = metadata.tree(_facts())

    def get(path: str) -> str | None:
        body = metadata.lookup(root, path)
        return body.decode() if body is not None else None
    meta = json.loads(get("/openstack/latest/meta_data.json") or "")
    assert (meta["uuid"], meta["meta"], meta["public_keys"]) == (
        "s-1", {"role": "web"}, {"k": "ssh-ed25519 AAAA k"})
    assert get("/openstack/2013-10-17/user_data") == "#cloud-config"
    assert "2012-08-10" in (get("/openstack") or "").split()
    assert (get("/") or "").split()[-1] == "latest"
    net = json.loads(get("/openstack/latest/network_data.json") or "")
    assert net["links"][0]["ethernet_mac_address"] == "fa:16:3e:00:00:01"
    assert (net["networks"][0]["ip_address"], net["networks"][0]["netmask"]) == (
        "10.0.0.5", "255.255.255.0")
    assert net["networks"][0]["routes"][0]["gateway"] == "10.0.0.1"
    assert net["services"] == [{"type": "dns", "address": "9.9.9.9"}]
    assert get("/latest/meta-data/local-ipv4") == "10.0.0.5"
    assert get("/latest/meta-data/public-ipv4") == "172.24.4.7"
    assert get("/2009-04-04/meta-data/instance-type") == "m1.tiny"
    assert get("/latest/meta-data/public-keys/") == "0=k"
    assert get("/latest/meta-data/public-keys/0/openssh-key") == "ssh-ed25519 AAAA k"
    assert "placement/" in (get("/latest/meta-data/") or "").split()
    assert get("/latest/user-data") == "#cloud-config"
    assert get("/latest/meta-data/nothing") is None and get("/2001-01-01/") is None


def _plant(cloud: Api, server: str, port_project: str | None = None) -> str:
    """A server of demo with a port on private; the port's address. With `port_project`,
    the port row is that project's (naming demo's server: a crossing row)."""
    with cloud.deps.sessions() as db, db.begin():
        net = db.scalar(select(Network).where(Network.name == "private"))
        project = db.scalar(select(Project.id).where(Project.name == "demo"))
        assert net is not None and project is not None
        db.add(server_row(server, project))
        port = ports.allocate_port(db, project, net.id, server, "compute:nova")
        ip = port.fixed_ips[0].ip_address
        if port_project:
            port.project_id = port_project
    running_container(cloud.deps.containers, f"cheptel-{server}")
    return ip


def _router1(cloud: Api) -> str:
    with cloud.deps.sessions() as db:
        router = db.scalar(select(Router.id).where(Router.name == "router1"))
    assert router is not None
    return router


def test_a_server_is_answered_by_its_address_on_the_routers_networks(cloud: Api) -> None:
    service = MetadataService(cloud.deps)
    ip = _plant(cloud, "web")
    router = _router1(cloud)
    status, body = service.answer(router, ip, "/openstack/latest/meta_data.json")
    assert status == 200 and json.loads(body)["uuid"] == "web"
    assert service.answer(router, ip, "/latest/meta-data/local-ipv4") == (200, ip.encode())
    assert service.answer(router, ip, "/latest/nothing")[0] == 404
    # an address no server holds, or a router that does not join the server's network
    assert service.answer(router, "10.0.0.250", "/openstack")[0] == 404
    assert service.answer("another-router", ip, "/openstack")[0] == 404
    # a deleted server is nobody
    with cloud.deps.sessions() as db, db.begin():
        row = db.get(Server, "web")
        assert row is not None
        row.deleted = True
    assert service.answer(router, ip, "/openstack")[0] == 404


def test_a_port_of_another_project_naming_a_server_reads_nothing(cloud: Api) -> None:
    with cloud.deps.sessions() as db:
        admin = db.scalar(select(Project.id).where(Project.name == "admin"))
    assert admin is not None
    ip = _plant(cloud, "victim", port_project=admin)  # the port is admin's, the server demo's
    assert MetadataService(cloud.deps).answer(_router1(cloud), ip, "/openstack")[0] == 404


def test_every_router_namespace_is_listened_in(cloud: Api) -> None:
    converger = cloud.deps.reconciler.convergers["network"]
    converger.converge()
    plumbing: Any = cloud.deps.plumbing
    assert plumbing.listening == set(plumbing.namespaces_of_routers) != set()


def test_a_network_without_a_router_has_a_metadata_namespace_of_its_own(cloud: Api) -> None:
    """As Neutron's isolated metadata: a network with a server and no router gets a
    namespace holding 169.254.169.254, on its bridge, its subnets on-link, listened in;
    it answers that network's servers only, and goes when a router joins the network."""
    with cloud.deps.sessions() as db, db.begin():
        demo = db.scalar(select(Project.id).where(Project.name == "demo"))
        assert demo is not None
    token = cloud.token("demo", DEMO_PASSWORD, "demo")

    def neutron(method: str, path: str, body: Any = None) -> dict:
        r = cloud.client.request(method, "/network/v2.0" + path, json=body,
                                 headers={"X-Auth-Token": token})
        assert r.status_code < 300, r.text
        return r.json() if r.content else {}
    net = neutron("POST", "/networks", {"network": {"name": "alone"}})["network"]
    subnet = neutron("POST", "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.0.0.0/24"}})["subnet"]
    converger = cloud.deps.reconciler.convergers["network"]
    plumbing: Any = cloud.deps.plumbing
    converger.converge()
    assert not [n for n in plumbing.namespaces_of_routers if n.endswith(net["id"])]  # no server
    with cloud.deps.sessions() as db, db.begin():
        db.add(server_row("lone", demo))
        ip = ports.allocate_port(db, demo, net["id"], "lone", "compute:nova").fixed_ips[
            0].ip_address
    running_container(cloud.deps.containers, "cheptel-lone")
    private_ip = _plant(cloud, "routed")
    assert ip == private_ip  # the same address on both networks
    converger.converge()
    (space,) = [s for n, s in plumbing.namespaces_of_routers.items()
                if n.endswith(f"-{ISOLATED}{net['id']}")]
    assert (space.router_id, space.local, space.onlink, space.forwarding) == (
        ISOLATED + net["id"], ("169.254.169.254/32",), ("10.0.0.0/24",), False)
    (port,) = space.ports
    assert port.bridge == bridge_for(cloud.deps.cloud_id, net["id"]) and port.addresses == ()
    assert space.name in plumbing.listening
    # the server's NIC routes the metadata address on-link
    (nic,) = plumbing.interfaces("cheptel-lone").values()
    assert [(r.destination, r.nexthop) for r in nic.routes] == [("169.254.169.254/32", None)]
    service = MetadataService(cloud.deps)
    assert json.loads(service.answer(space.router_id, ip, "/openstack/latest/meta_data.json")[
        1])["uuid"] == "lone"
    assert json.loads(service.answer(_router1(cloud), ip, "/openstack/latest/meta_data.json")[
        1])["uuid"] == "routed"  # the same address behind router1: the other server
    assert service.answer(ISOLATED + "another-network", ip, "/openstack")[0] == 404
    # a router joins the network: its namespace serves it now, the network's own goes
    router = neutron("POST", "/routers", {"router": {"name": "late"}})["router"]
    neutron("PUT", f"/routers/{router['id']}/add_router_interface", {"subnet_id": subnet["id"]})
    converger.converge()
    assert space.name not in plumbing.namespaces_of_routers
    assert space.name not in plumbing.listening
