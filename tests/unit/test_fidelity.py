"""Small departures from OpenStack, in process (fake engine, injected clock): changes-since
and changes-before at Nova's precision, all_tenants for non-admins, config_drive, dashed
server ids (old 32-hex ids still found), the compute APIs Nova answers (os-migrations,
topology, os-floating-ip-pools, os-hosts), Keystone's catalog and project hierarchy."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from cheptel.common import iso
from cheptel.compute.models import Server
from cheptel.errors import CheptelError
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.network.service.ipam import check_gateway, gateway_on_subnet
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi

DASHED = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def quiet(api: Api) -> Api:
    """Servers stay as the API recorded them: no reconciler work (it would stamp them)."""
    api.deps.reconciler.kick = lambda *ids: None
    api.deps.reconciler.kick_network = lambda: None
    return api


@pytest.fixture
def cloud(make_api: MakeApi) -> Api:
    return quiet(make_api(container_engine="fake"))


def nova(api: Api, method: str, path: str, token: str, version: str = "2.1",
         json: Any = None) -> httpx.Response:
    return api.client.request(method, "/compute/v2.1" + path, json=json, headers={
        "X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"})


def demo(api: Api) -> str:
    return api.token("demo", DEMO_PASSWORD, "demo")


def boot(api: Api, token: str, **extra: Any) -> dict:
    body = {"server": {"name": "s", "imageRef": BUSYBOX_ID, "flavorRef": "1",
                       "networks": "none", **extra}}
    r = nova(api, "POST", "/servers", token, "2.37", body)
    assert r.status_code == 202, r.text
    return r.json()["server"]


def ids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()["servers"]]


# -- changes-since / changes-before (Nova: updated_at compared at its DB's precision) ------

def test_changes_bounds_compare_to_the_second(cloud: Api) -> None:
    token = demo(cloud)
    cloud.clock.now = 1_700_000_100.6  # within second ...100
    sid = boot(cloud, token)["id"]
    cloud.clock.now = 1_700_000_200.0
    shown = nova(cloud, "GET", f"/servers/{sid}", token).json()["server"]["updated"]
    assert shown == iso(1_700_000_100, micro=False)
    assert sid in ids(nova(cloud, "GET", f"/servers?changes-before={shown}", token, "2.66"))
    assert sid in ids(nova(cloud, "GET", f"/servers?changes-since={shown}", token))
    earlier = iso(1_700_000_099, micro=False)
    assert sid not in ids(nova(cloud, "GET", f"/servers?changes-before={earlier}", token,
                               "2.66"))
    later = iso(1_700_000_101, micro=False)
    assert sid not in ids(nova(cloud, "GET", f"/servers?changes-since={later}", token))
    r = nova(cloud, "GET", f"/servers?changes-since={later}&changes-before={earlier}",
             token, "2.66")
    assert r.status_code == 400 and "less than or equal" in r.text


def test_changes_before_lists_deleted_servers_too(cloud: Api) -> None:
    token = demo(cloud)
    sid = boot(cloud, token)["id"]
    with cloud.deps.sessions() as db, db.begin():
        db.get(Server, sid).deleted = True  # as the reconciler leaves a deleted server
    bound = iso(cloud.clock.now + 5, micro=False)
    assert sid not in ids(nova(cloud, "GET", "/servers", token))
    assert sid in ids(nova(cloud, "GET", f"/servers?changes-before={bound}", token, "2.66"))


# -- all_tenants: Nova's get_all_tenants policy (admin) ------------------------------------

def test_all_tenants_is_403_for_a_member(cloud: Api) -> None:
    token, admin = demo(cloud), cloud.admin()
    sid = boot(cloud, token)["id"]
    for path in ("/servers?all_tenants=1", "/servers/detail?all_tenants",
                 "/servers?all_tenants=yes"):
        r = nova(cloud, "GET", path, token)
        assert r.status_code == 403 and "get_all_tenants" in r.json()["forbidden"]["message"]
    assert sid in ids(nova(cloud, "GET", "/servers?all_tenants=0", token))
    assert nova(cloud, "GET", "/servers?all_tenants=maybe", token).status_code == 400
    assert sid in ids(nova(cloud, "GET", "/servers/detail?all_tenants=1", admin))


# -- config_drive --------------------------------------------------------------------------

def test_config_drive_is_what_was_asked(cloud: Api) -> None:
    token = demo(cloud)
    plain, asked = boot(cloud, token)["id"], boot(cloud, token, config_drive=True)["id"]
    as_text = boot(cloud, token, config_drive="true")["id"]
    shown = {s["id"]: s["config_drive"] for s in nova(
        cloud, "GET", "/servers/detail", token).json()["servers"]}
    assert (shown[plain], shown[asked], shown[as_text]) == ("", "True", "True")
    r = nova(cloud, "POST", "/servers", token, "2.37", {"server": {
        "name": "s", "imageRef": BUSYBOX_ID, "flavorRef": "1", "networks": "none",
        "config_drive": "maybe"}})
    assert r.status_code == 400 and "Invalid config_drive provided." in r.text


def test_config_drive_forced_by_the_cloud(make_api: MakeApi) -> None:
    cloud = quiet(make_api(container_engine="fake", force_config_drive=True))
    token = demo(cloud)
    sid = boot(cloud, token)["id"]
    assert nova(cloud, "GET", f"/servers/{sid}", token).json()["server"]["config_drive"] == (
        "True")


# -- dashed server ids; old 32-hex ids still found -----------------------------------------

def test_new_server_ids_are_dashed_and_old_ones_still_found(cloud: Api) -> None:
    token = demo(cloud)
    sid = boot(cloud, token)["id"]
    assert DASHED.match(sid), sid
    assert nova(cloud, "GET", f"/servers/{sid.replace('-', '')}", token).status_code == 200
    old_id = "0123456789abcdef0123456789abcdef"  # a server made before ids were dashed
    with cloud.deps.sessions() as db, db.begin():
        row = db.get(Server, sid)
        values = {c.name: getattr(row, c.name) for c in Server.__table__.columns}
        db.add(Server(**{**values, "id": old_id}))
    dashed = "01234567-89ab-cdef-0123-456789abcdef"
    for given in (old_id, dashed):
        r = nova(cloud, "GET", f"/servers/{given}", token)
        assert r.status_code == 200 and r.json()["server"]["id"] == old_id
    for marker in (old_id, dashed, sid.replace("-", "")):  # a marker in either form
        assert nova(cloud, "GET", f"/servers?marker={marker}", token).status_code == 200


def test_the_reconciler_keeps_old_and_new_servers_containers(cloud: Api) -> None:
    """A server made before ids were dashed keeps its container (named and labelled by its
    32-hex id): the reconciler's pass finds it and removes nothing."""
    token = demo(cloud)
    sid = boot(cloud, token)["id"]
    old_id = "fedcba9876543210fedcba9876543210"
    with cloud.deps.sessions() as db, db.begin():
        row = db.get(Server, sid)
        values = {c.name: getattr(row, c.name) for c in Server.__table__.columns}
        db.add(Server(**{**values, "id": old_id}))
    converger = cloud.deps.reconciler.convergers["compute"]
    for server_id in (sid, old_id):
        for _ in range(5):  # scheduling, spawning: one step a call
            if not converger.converge(server_id):
                break
    engine = cloud.deps.containers
    names = {c.name for c in engine.list_managed(cloud.deps.cloud_id)}
    assert {f"cheptel-{sid}", f"cheptel-{old_id}"} <= names
    assert converger.scan() == []
    assert {c.name for c in engine.list_managed(cloud.deps.cloud_id)} == names
    for server_id in (sid, old_id):
        shown = nova(cloud, "GET", f"/servers/{server_id}", token).json()["server"]
        assert shown["status"] == "ACTIVE", shown


# -- compute APIs Nova answers -------------------------------------------------------------

def test_migrations_are_an_empty_list_for_an_admin(cloud: Api) -> None:
    admin, token = cloud.admin(), demo(cloud)
    assert nova(cloud, "GET", "/os-migrations", admin).json() == {"migrations": []}
    assert nova(cloud, "GET", "/os-migrations", admin, "2.80").json() == {"migrations": []}
    assert nova(cloud, "GET", "/os-migrations?marker=x", admin, "2.59").status_code == 400
    assert nova(cloud, "GET", "/os-migrations?limit=x", admin, "2.59").status_code == 400
    assert nova(cloud, "GET", "/os-migrations", token).status_code == 403


def test_server_topology_from_2_78(cloud: Api) -> None:
    token = demo(cloud)
    sid = boot(cloud, token)["id"]
    r = nova(cloud, "GET", f"/servers/{sid}/topology", token, "2.78")
    assert r.status_code == 200 and r.json() == {"nodes": [], "pagesize_kb": None}
    assert nova(cloud, "GET", f"/servers/{sid}/topology", token, "2.77").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert nova(cloud, "GET", f"/servers/{missing}/topology", token, "2.78").status_code == 404


def test_floating_ip_pools_until_2_36(cloud: Api) -> None:
    token = demo(cloud)
    r = nova(cloud, "GET", "/os-floating-ip-pools", token, "2.35")
    assert r.status_code == 200 and r.json() == {"floating_ip_pools": [{"name": "public"}]}
    assert nova(cloud, "GET", "/os-floating-ip-pools", token, "2.36").status_code == 404


def test_os_hosts_until_2_43(cloud: Api) -> None:
    admin, token = cloud.admin(), demo(cloud)
    r = nova(cloud, "GET", "/os-hosts", admin)
    assert r.status_code == 200, r.text
    hosts = r.json()["hosts"]
    assert {(h["service"], h["zone"]) for h in hosts} == {
        ("compute", "nova"), ("scheduler", "internal"), ("conductor", "internal")}
    name = hosts[0]["host_name"]
    assert [h["service"] for h in nova(cloud, "GET", "/os-hosts?zone=nova", admin).json()[
        "hosts"]] == ["compute"]
    shown = nova(cloud, "GET", f"/os-hosts/{name}", admin).json()["host"]
    assert [x["resource"]["project"] for x in shown][:3] == ["(total)", "(used_now)",
                                                            "(used_max)"]
    assert nova(cloud, "GET", "/os-hosts/nope", admin).status_code == 404
    assert nova(cloud, "PUT", f"/os-hosts/{name}", admin, json={"status": "disable"}
                ).status_code == 501
    assert nova(cloud, "PUT", f"/os-hosts/{name}", admin, json={"colour": "red"}
                ).status_code == 400
    assert nova(cloud, "GET", f"/os-hosts/{name}/reboot", admin).status_code == 501
    assert nova(cloud, "GET", "/os-hosts", admin, "2.43").status_code == 404
    assert nova(cloud, "GET", "/os-hosts", token).status_code == 403


# -- Keystone: the catalog lists every service; a project's parents and subtree ------------

def test_catalog_lists_a_service_without_endpoints(cloud: Api) -> None:
    admin = cloud.admin()
    r = cloud.call("POST", "/services", admin, json={"service": {"type": "bare",
                                                                 "name": "bare"}})
    assert r.status_code == 201, r.text
    listed = cloud.call("GET", "/auth/catalog", admin).json()["catalog"]
    assert [(s["name"], s["endpoints"]) for s in listed if s["type"] == "bare"] == [
        ("bare", [])]


def test_project_parents_and_subtree(cloud: Api) -> None:
    admin = cloud.admin()

    def project(name: str, parent: str | None = None) -> str:
        body = {"name": name, "domain_id": "default", **({"parent_id": parent} if parent
                                                         else {})}
        r = cloud.call("POST", "/projects", admin, json={"project": body})
        assert r.status_code == 201, r.text
        return r.json()["project"]["id"]

    a = project("pa")
    b = project("pb", a)
    c = project("pc", b)
    me = cloud.call("GET", "/auth/tokens", admin, **{"X-Subject-Token": admin}).json()[
        "token"]["user"]["id"]
    for pid in (a, c):
        assert cloud.call("PUT", f"/projects/{pid}/users/{me}/roles/"
                          f"{role_id(cloud, admin, 'member')}", admin).status_code == 204
    got = cloud.call("GET", f"/projects/{b}?parents_as_list&subtree_as_list", admin).json()
    assert [p["project"]["id"] for p in got["project"]["parents"]] == [a]
    assert [p["project"]["id"] for p in got["project"]["subtree"]] == [c]
    got = cloud.call("GET", f"/projects/{c}?parents_as_ids&subtree_as_ids", admin).json()
    assert got["project"]["parents"] == {b: {a: {"default": None}}}
    assert got["project"]["subtree"] is None
    assert cloud.call("GET", f"/projects/{a}?subtree_as_ids", admin).json()["project"][
        "subtree"] == {b: {c: None}}
    assert cloud.call("GET", f"/projects/{a}?parents_as_list&parents_as_ids",
                      admin).status_code == 400


def role_id(cloud: Api, token: str, name: str) -> str:
    return cloud.call("GET", f"/roles?name={name}", token).json()["roles"][0]["id"]


# -- Neutron: a gateway off the subnet is on link; the bridge gets no gateway from it ------

def test_only_a_gateway_on_the_subnet_goes_to_the_engine() -> None:
    assert gateway_on_subnet("10.9.0.0/24", "10.9.0.1") == "10.9.0.1"
    assert gateway_on_subnet("10.9.0.0/24", "10.8.255.1") is None
    assert gateway_on_subnet("10.9.0.0/24", None) is None
    check_gateway("10.9.0.0/24", "10.8.255.1")  # allowed, as Neutron
    for bad in ("10.9.0.0", "10.9.0.255"):
        with pytest.raises(CheptelError, match="Gateway is not valid on subnet"):
            check_gateway("10.9.0.0/24", bad)
