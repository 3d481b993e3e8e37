"""Two projects in one in-process cloud on the fake engine: `demo` (the victim, with a
server, a router, ports, a private image, flavor, key pair, server group, subnet pool)
and `mallory` (the attacker, a member of her own project with her own network, router,
port and server). The tenancy tests try every id of the one from the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from cheptel.app import Deps, prepare
from tests.unit.conftest import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    FakeClock,
    open_client,
    settings_for,
)

MALLORY_PASSWORD = "mallory-secret"


@dataclass
class World:
    client: TestClient
    deps: Deps
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # "victim_server", "mallory_net", ...

    def call(self, who: str, method: str, path: str, json: Any = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        """A request as `who` (admin, victim or mallory) to a path under its service's
        prefix (/compute/v2.1/..., /network/v2.0/..., /image/v2/..., /identity/v3/...)."""
        return self.client.request(method, path, json=json,
                                   headers={"X-Auth-Token": self.tokens[who],
                                            **(headers or {})})

    def ok(self, who: str, method: str, path: str, json: Any = None) -> dict:
        r = self.call(who, method, path, json)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json() if r.content else {}

    def close(self) -> None:
        self.deps.reconciler.stop()
        self.client.__exit__(None, None, None)
        self.deps.db_engine.dispose()


def _token(client: TestClient, user: str, password: str, project: str) -> str:
    r = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"]


def build_world(data_dir: Path) -> World:
    deps = prepare(settings_for(data_dir, container_engine="fake"), clock=FakeClock())
    return populate(World(open_client(deps), deps))


def populate(w: World) -> World:
    """Make the two projects' objects in a fresh cloud (built by build_world, or by the
    make_api fixture: then on a copy of a prepared template, and closed by the fixture)."""
    w.deps.reconciler.stop()  # the tests drive the reconciler themselves, when they want it
    w.tokens["admin"] = _token(w.client, "admin", ADMIN_PASSWORD, "admin")
    w.tokens["victim"] = _token(w.client, "demo", DEMO_PASSWORD, "demo")
    project = w.ok("admin", "POST", "/identity/v3/projects",
                   {"project": {"name": "mallory", "domain_id": "default"}})["project"]
    user = w.ok("admin", "POST", "/identity/v3/users", {"user": {
        "name": "mallory", "password": MALLORY_PASSWORD, "domain_id": "default"}})["user"]
    member = w.ok("admin", "GET", "/identity/v3/roles?name=member")["roles"][0]
    w.ok("admin", "PUT", f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/"
         f"{member['id']}")
    w.tokens["mallory"] = _token(w.client, "mallory", MALLORY_PASSWORD, "mallory")
    w.ids["mallory_project"] = project["id"]
    w.ids["victim_user"] = w.ok("admin", "GET", "/identity/v3/users?name=demo")["users"][0]["id"]
    _victim(w)
    _mallory(w)
    return w


def _net(w: World, who: str, name: str, cidr: str, **extra: Any) -> tuple[str, str]:
    net = w.ok(who, "POST", "/network/v2.0/networks", {"network": {"name": name, **extra}})
    subnet = w.ok(who, "POST", "/network/v2.0/subnets", {"subnet": {
        "network_id": net["network"]["id"], "ip_version": 4, "cidr": cidr}})
    return net["network"]["id"], subnet["subnet"]["id"]


def _server(w: World, who: str, name: str, network_id: str) -> str:
    body = {"server": {"name": name, "imageRef": w.ids["image"], "flavorRef": "1",
                       "networks": [{"uuid": network_id}]}}
    return str(w.ok(who, "POST", "/compute/v2.1/servers", body)["server"]["id"])


def _victim(w: World) -> None:
    nets = w.ok("victim", "GET", "/network/v2.0/networks?name=private")["networks"]
    w.ids["victim_net"] = nets[0]["id"]
    w.ids["victim_subnet"] = nets[0]["subnets"][0]
    w.ids["victim_router"] = w.ok("victim", "GET", "/network/v2.0/routers?name=router1"
                                  )["routers"][0]["id"]
    groups = w.ok("victim", "GET", "/network/v2.0/security-groups?name=default")
    w.ids["victim_sg"] = groups["security_groups"][0]["id"]
    w.ids["victim_port"] = w.ok("victim", "POST", "/network/v2.0/ports", {"port": {
        "network_id": w.ids["victim_net"], "name": "victim-port"}})["port"]["id"]
    w.ids["image"] = w.ok("victim", "GET", "/image/v2/images?name=busybox")["images"][0]["id"]
    w.ids["victim_server"] = _server(w, "victim", "victim-vm", w.ids["victim_net"])
    w.ids["victim_image"] = w.ok("victim", "POST", "/image/v2/images", {
        "name": "victim-private", "disk_format": "raw", "container_format": "bare",
        "visibility": "shared"})["id"]  # shared, but with no member yet
    w.ok("victim", "POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": "victim-key"}})
    w.ids["victim_group"] = w.ok("victim", "POST", "/compute/v2.1/os-server-groups", {
        "server_group": {"name": "victim-group", "policies": ["affinity"]}}
        )["server_group"]["id"]
    flavor = w.ok("admin", "POST", "/compute/v2.1/flavors", {"flavor": {
        "name": "victim-only", "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": False}})["flavor"]
    victim_project = w.ok("victim", "GET", f"/compute/v2.1/servers/{w.ids['victim_server']}"
                          )["server"]["tenant_id"]
    w.ids["victim_project"] = victim_project
    w.ok("admin", "POST", f"/compute/v2.1/flavors/{flavor['id']}/action",
         {"addTenantAccess": {"tenant": victim_project}})
    w.ids["victim_flavor"] = flavor["id"]
    w.ids["victim_pool"] = w.ok("victim", "POST", "/network/v2.0/subnetpools", {
        "subnetpool": {"name": "victim-pool", "prefixes": ["10.200.0.0/16"],
                       "default_prefixlen": 24}})["subnetpool"]["id"]
    # an admin's shared network: visible to all, but no other project's to route
    w.ids["shared_net"], w.ids["shared_subnet"] = _net(w, "admin", "shared", "10.7.0.0/24",
                                                      shared=True)


def _mallory(w: World) -> None:
    w.ids["mallory_net"], w.ids["mallory_subnet"] = _net(w, "mallory", "m-net",
                                                         "10.66.0.0/24")
    w.ids["mallory_router"] = w.ok("mallory", "POST", "/network/v2.0/routers", {
        "router": {"name": "m-router"}})["router"]["id"]
    w.ids["mallory_port"] = w.ok("mallory", "POST", "/network/v2.0/ports", {"port": {
        "network_id": w.ids["mallory_net"], "name": "m-port"}})["port"]["id"]
    groups = w.ok("mallory", "GET", "/network/v2.0/security-groups?name=default")
    w.ids["mallory_sg"] = groups["security_groups"][0]["id"]
    w.ids["mallory_server"] = _server(w, "mallory", "m-vm", w.ids["mallory_net"])
    _volumes(w)


def _volumes(w: World) -> None:
    """The victim's volume with an attachment (recorded, to a host), and two volumes of
    mallory's to attach."""
    h = {"OpenStack-API-Version": "volume 3.71"}
    w.ids["victim_volume_project"] = victim = w.ids["victim_project"]
    w.ids["mallory_volume_project"] = mallory = w.ids["mallory_project"]

    def volume(who: str, project: str) -> str:
        r = w.call(who, "POST", f"/volume/v3/{project}/volumes", {"volume": {"size": 1}}, h)
        assert r.status_code == 202, r.text
        return str(r.json()["volume"]["id"])

    w.ids["victim_volume"] = volume("victim", victim)
    w.ids["victim_volume_free"] = volume("victim", victim)
    r = w.call("victim", "POST", f"/volume/v3/{victim}/attachments", {"attachment": {
        "volume_uuid": w.ids["victim_volume"], "connector": {"host": "victim-host"}}}, h)
    assert r.status_code == 200, r.text
    w.ids["victim_attachment"] = r.json()["attachment"]["id"]
    w.ids["mallory_volume"] = volume("mallory", mallory)
    w.ids["mallory_volume_2"] = volume("mallory", mallory)
    r = w.call("victim", "POST", f"/volume/v3/{victim}/snapshots", {"snapshot": {
        "volume_id": w.ids["victim_volume_free"]}}, h)
    assert r.status_code == 202, r.text
    w.ids["victim_snapshot"] = r.json()["snapshot"]["id"]
