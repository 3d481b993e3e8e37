"""GET /servers/detail loads what the bodies show for the whole page at once.

In process, on the fake engine: the number of SQL statements of a detail listing does not
grow with the number of servers, and each listed body is the one GET /servers/{id} gives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Api, MakeApi

COMPUTE = "/compute/v2.1"
NETWORK = "/network/v2.0"
VERSION = {"OpenStack-API-Version": "compute 2.79"}


class Cloud:
    def __init__(self, api: Api):
        self.api = api
        self.demo = api.token("demo", DEMO_PASSWORD, "demo")
        self.admin = api.token("admin", ADMIN_PASSWORD, "admin")

    def call(self, method: str, path: str, json: Any = None, token: str | None = None,
             expect: int = 200) -> Any:
        r = self.api.client.request(method, path, json=json, headers={
            "X-Auth-Token": token or self.demo, **VERSION})
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def get(self, path: str, token: str | None = None) -> httpx.Response:
        return self.api.client.get(path, headers={"X-Auth-Token": token or self.demo,
                                                  **VERSION})

    def network(self, name: str) -> str:
        return self.call("GET", f"{NETWORK}/networks?name={name}")["networks"][0]["id"]

    def boot(self, count: int, networks: Any, **extra: Any) -> None:
        image = self.call("GET", "/image/v2/images?name=busybox")["images"][0]["id"]
        self.call("POST", f"{COMPUTE}/servers", expect=202, json={"server": {
            "name": "lst", "imageRef": image, "flavorRef": "1", "networks": networks,
            "min_count": count, "max_count": count, **extra}})

    def settle(self) -> None:
        """Until the in-process reconciler has built every server (nothing else writes)."""
        deadline = time.monotonic() + 60
        while self.call("GET", f"{COMPUTE}/servers?status=BUILD")["servers"]:
            assert time.monotonic() < deadline, "servers still building"
            time.sleep(0.05)


@pytest.fixture
def cloud(make_api: MakeApi) -> Cloud:
    return Cloud(make_api(container_engine="fake"))


@pytest.fixture
def statements(cloud: Cloud) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # the request's statements only: not those of the reconciler's threads (a network
        # pass kicked by the last boot may still be running)
        if not threading.current_thread().name.startswith("reconcile"):
            seen.append(statement)

    engine = cloud.api.deps.db_engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _count_detail(cloud: Cloud, statements: list[str], token: str) -> int:
    cloud.get(f"{COMPUTE}/servers/detail", token)  # the token is cached from here on
    statements.clear()
    r = cloud.get(f"{COMPUTE}/servers/detail", token)
    assert r.status_code == 200
    return len(statements)


def test_detail_statements_do_not_grow_with_the_servers(cloud: Cloud,
                                                        statements: list[str]) -> None:
    private = cloud.network("private")
    meta = {"metadata": {"a": "1"}, "tags": ["t"]}
    cloud.boot(2, [{"uuid": private}], **meta)
    cloud.settle()
    few = _count_detail(cloud, statements, cloud.demo)
    cloud.boot(7, [{"uuid": private}], **meta)
    cloud.settle()
    assert len(cloud.call("GET", f"{COMPUTE}/servers")["servers"]) == 9
    many = _count_detail(cloud, statements, cloud.demo)
    assert many == few, (few, many)
    # an admin listing every project's servers (all_tenants) is batched the same way
    cloud.call("GET", f"{COMPUTE}/servers/detail?all_tenants=1", token=cloud.admin)
    statements.clear()
    assert cloud.get(f"{COMPUTE}/servers/detail?all_tenants=1", cloud.admin).status_code == 200
    assert len(statements) == many


def test_each_listed_body_is_the_one_show_gives(cloud: Cloud) -> None:
    private = cloud.network("private")
    cloud.boot(2, [{"uuid": private}], metadata={"k": "v"}, tags=["a", "b"])
    cloud.boot(1, "none")
    cloud.settle()
    servers = cloud.call("GET", f"{COMPUTE}/servers/detail")["servers"]
    first = next(s for s in servers if s["addresses"])
    port = cloud.call("GET", f"{NETWORK}/ports?device_id={first['id']}")["ports"][0]
    public = cloud.network("public")
    fip = cloud.call("POST", f"{NETWORK}/floatingips", expect=201, json={"floatingip": {
        "floating_network_id": public, "port_id": port["id"]}})["floatingip"]
    group = cloud.call("POST", f"{NETWORK}/security-groups", expect=201, json={
        "security_group": {"name": "extra"}})["security_group"]
    cloud.call("PUT", f"{NETWORK}/ports/{port['id']}", json={"port": {
        "security_groups": [*port["security_groups"], group["id"]]}})
    for token in (cloud.demo, cloud.admin):
        query = "?all_tenants=1" if token == cloud.admin else ""
        listed = cloud.call("GET", f"{COMPUTE}/servers/detail{query}", token=token)["servers"]
        assert len(listed) == 3
        for body in listed:
            shown = cloud.call("GET", f"{COMPUTE}/servers/{body['id']}", token=token)["server"]
            shown.pop("server_groups", None)  # show only
            assert body == shown
        with_fip = next(s for s in listed if s["id"] == first["id"])
        kinds = [a["OS-EXT-IPS:type"] for a in with_fip["addresses"]["private"]]
        assert kinds == ["fixed", "floating"]
        assert with_fip["addresses"]["private"][1]["addr"] == fip["floating_ip_address"]
        assert {g["name"] for g in with_fip["security_groups"]} == {"default", "extra"}
        assert with_fip["tags"] == ["a", "b"] and with_fip["metadata"] == {"k": "v"}
