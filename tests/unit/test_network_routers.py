"""Routers as namespaces: overlapping subnets behind their own routers, floating IPs and
SNAT in the router's NAT, conntrack zones per tenant bridge (over the fake plumbing)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cheptel.backends.plumbing import router_namespace
from cheptel.network.models import Network, Port
from cheptel.reconciler import routers
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi
from tests.unit.test_network_pass import _applied, _server

N = "/network/v2.0"


@pytest.fixture
def cloud(make_api: MakeApi) -> Api:
    return make_api(container_engine="fake")


def _ok(cloud: Api, token: str, method: str, path: str, status: int, **body: Any) -> Any:
    r = cloud.client.request(method, N + path, json=body or None,
                             headers={"X-Auth-Token": token})
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def test_nat_rules_of_a_router() -> None:
    text = routers.nat_rules("qg-x", "172.24.4.10", True, [("172.24.4.20", "10.0.0.5")])
    lines = text.splitlines()
    assert "-A PREROUTING -d 172.24.4.20/32 -j DNAT --to-destination 10.0.0.5" in lines
    # east-west traffic is not NATed; a floating IP's server leaves as its floating IP,
    # the others as the gateway; hairpin traffic is SNATed so that its replies come back
    post = [line for line in lines if line.startswith("-A POSTROUTING")]
    assert post == [
        "-A POSTROUTING ! -o qg-x -m conntrack ! --ctstate DNAT -j ACCEPT",
        "-A POSTROUTING -s 10.0.0.5/32 -j SNAT --to-source 172.24.4.20",
        "-A POSTROUTING -o qg-x -j SNAT --to-source 172.24.4.10",
        "-A POSTROUTING -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT "
        "-j SNAT --to-source 172.24.4.10"]
    assert "-A PREROUTING -i qg-x -j MARK --set-xmark 0x2/0xffff" in lines
    # no SNAT: the floating IPs only; no gateway: nothing at all
    assert "--to-source 172.24.4.10" not in routers.nat_rules(
        "qg-x", "172.24.4.10", False, [("172.24.4.20", "10.0.0.5")])
    assert "-A " not in routers.nat_rules(None, None, True, [])


def test_zones_are_distinct_and_an_older_network_keeps_its_own() -> None:
    ids = [f"net-{i}" for i in range(500)]
    zones = routers.zones("cloud", ids)
    assert len(set(zones.values())) == 500 and all(1 <= z <= 65534 for z in zones.values())
    assert routers.zones("cloud", [*ids, "newer"])["net-7"] == zones["net-7"]


def test_two_networks_on_one_cidr_each_behind_its_own_router(cloud: Api) -> None:
    demo = cloud.token("demo", DEMO_PASSWORD, "demo")
    public = _ok(cloud, demo, "GET", "/networks?name=public", 200)["networks"][0]
    net = _ok(cloud, demo, "POST", "/networks", 201, network={"name": "again"})["network"]
    # the demo project's private network is on 10.0.0.0/24 already
    sub = _ok(cloud, demo, "POST", "/subnets", 201, subnet={
        "network_id": net["id"], "ip_version": 4, "cidr": "10.0.0.0/24"})["subnet"]
    router = _ok(cloud, demo, "POST", "/routers", 201, router={
        "name": "r2", "external_gateway_info": {"network_id": public["id"]}})["router"]
    _ok(cloud, demo, "PUT", f"/routers/{router['id']}/add_router_interface", 200,
        subnet_id=sub["id"])
    # a router never joins two subnets that overlap (they would share its routes)
    private = _ok(cloud, demo, "GET", "/subnets?name=private-subnet", 200)["subnets"][0]
    r = cloud.client.put(f"{N}/routers/{router['id']}/add_router_interface",
                         json={"subnet_id": private["id"]}, headers={"X-Auth-Token": demo})
    assert r.status_code == 400 and "overlaps" in r.text
    ip = _server(cloud, "web")
    fip = _ok(cloud, demo, "POST", "/floatingips", 201, floatingip={
        "floating_network_id": public["id"]})["floatingip"]
    with cloud.deps.sessions() as db:
        port = db.scalar(select(Port.id).where(Port.device_id == "web"))
        private_net = db.scalar(select(Network.id).where(Network.name == "private"))
    _ok(cloud, demo, "PUT", f"/floatingips/{fip['id']}", 200, floatingip={"port_id": port})
    cloud.deps.reconciler.convergers["network"].converge()

    plumbing: Any = cloud.deps.plumbing
    spaces = plumbing.namespaces_of_routers
    cid = cloud.deps.cloud_id
    mine = spaces[router_namespace(cid, router["id"])]
    first = next(s for s in spaces.values() if s.router_id != router["id"])
    # the same gateway address, in two namespaces, on two bridges
    inner = {space.router_id: next(p for p in space.ports if p.inner_name.startswith("qr-"))
             for space in (mine, first)}
    assert {p.addresses for p in inner.values()} == {("10.0.0.1/24",)}
    assert inner[router["id"]].bridge == bridge_for(cid, net["id"])
    assert inner[first.router_id].bridge == bridge_for(cid, private_net)
    # the floating IP is router1's: on its gateway port, DNATed to the server
    gateway = next(p for p in first.ports if p.inner_name.startswith("qg-"))
    assert f"{fip['floating_ip_address']}/32" in gateway.addresses
    assert (f"-d {fip['floating_ip_address']}/32 -j DNAT --to-destination {ip}"
            in first.nat)
    assert fip["floating_ip_address"] not in mine.nat
    # each tenant bridge has a conntrack zone of its own; the host NATs nothing
    zone = _applied(cloud).tables["raw"][f"{_applied(cloud).prefix}ZONE"]
    assert len({rule.split()[-1] for rule in zone}) == len(zone) == 2
    assert "nat" not in _applied(cloud).tables

    # deleted, the router's namespace goes
    _ok(cloud, demo, "PUT", f"/routers/{router['id']}/remove_router_interface", 200,
        subnet_id=sub["id"])
    _ok(cloud, demo, "DELETE", f"/routers/{router['id']}", 204)
    cloud.deps.reconciler.convergers["network"].converge()
    assert router_namespace(cid, router["id"]) not in plumbing.namespaces_of_routers
