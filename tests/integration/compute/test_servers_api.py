"""Nova's wire contract for servers: microversions, faults, filters, pagination, metadata,
tags; raw HTTP so that every status and body is checked as a client sees it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.cloud import DEMO_PASSWORD, Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def scloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def nova(scloud: Cloud) -> Iterator[httpx.Client]:
    token = scloud.token("demo", DEMO_PASSWORD, "demo")
    with httpx.Client(base_url=scloud.base_url + "/compute/v2.1", timeout=30,
                      headers={"X-Auth-Token": token}) as client:
        yield client


@pytest.fixture(scope="module")
def refs(scloud: Cloud) -> dict[str, str]:
    conn = scloud.sdk("cheptel-demo")
    return {"image": conn.image.find_image("busybox").id,
            "flavor": conn.compute.find_flavor("m1.tiny").id}


def mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def create(nova: httpx.Client, refs: dict, name: str, version: str = "2.90", **extra):  # type: ignore[no-untyped-def]
    body = {"server": {"name": name, "imageRef": refs["image"], "flavorRef": refs["flavor"],
                       "networks": "none", **extra}}
    return nova.post("/servers", json=body, headers=mv(version))


def test_versions_and_microversion_headers(scloud: Cloud, nova: httpx.Client) -> None:
    root = httpx.get(scloud.base_url + "/compute/").json()["versions"]
    current = next(v for v in root if v["id"] == "v2.1")
    assert current["status"] == "CURRENT" and current["min_version"] == "2.1"
    assert current["version"] == "2.90"
    r = nova.get("/servers", headers=mv("2.47"))
    assert r.headers["OpenStack-API-Version"] == "compute 2.47"
    assert r.headers["X-OpenStack-Nova-API-Version"] == "2.47"
    assert "OpenStack-API-Version" in r.headers["Vary"]
    assert nova.get("/servers", headers=mv("latest")).headers[
        "X-OpenStack-Nova-API-Version"] == "2.90"
    assert nova.get("/servers").headers["X-OpenStack-Nova-API-Version"] == "2.1"
    too_new = nova.get("/servers", headers=mv("2.999"))
    assert too_new.status_code == 406 and "notAcceptable" in too_new.json()
    assert nova.get("/servers", headers=mv("2.x")).status_code == 400


@pytest.mark.parametrize("body,fault", [
    ({"server": {"name": "x"}}, "badRequest"),
    ({"server": {"name": "x", "flavorRef": "1", "imageRef": "nope", "networks": "none"}},
     "badRequest"),
    ({"server": {"name": "x", "flavorRef": "404", "imageRef": "", "networks": "none"}},
     "badRequest"),
    ({"server": {"name": "", "flavorRef": "1", "networks": "none"}}, "badRequest"),
    ({"server": {"name": "x" * 256, "flavorRef": "1", "networks": "none"}}, "badRequest"),
    ({"server": {"name": "x", "flavorRef": "1", "networks": "none", "bogus": 1}},
     "badRequest"),
    ({"server": {"name": "x", "flavorRef": "1", "networks": "none",
                 "user_data": "not base64!"}}, "badRequest"),
    ({"servers": {}}, "badRequest"),
    ([], "badRequest"),
])
def test_bad_create_is_a_nova_400_and_creates_nothing(nova: httpx.Client, body, fault) -> None:  # type: ignore[no-untyped-def]
    before = len(nova.get("/servers").json()["servers"])
    r = nova.post("/servers", json=body, headers=mv("2.90"))
    assert r.status_code == 400, r.text
    assert r.json()[fault]["code"] == 400 and r.json()[fault]["message"]
    assert len(nova.get("/servers").json()["servers"]) == before


def test_missing_networks_from_2_37(nova: httpx.Client, refs: dict) -> None:
    body = {"server": {"name": "nonet", "imageRef": refs["image"], "flavorRef": refs["flavor"]}}
    assert nova.post("/servers", json=body, headers=mv("2.37")).status_code == 400


def test_unknown_and_unimplemented_actions(nova: httpx.Client, refs: dict) -> None:
    sid = create(nova, refs, "actions").json()["server"]["id"]
    r = nova.post(f"/servers/{sid}/action", json={"frobnicate": None})
    assert r.status_code == 400 and "badRequest" in r.json()
    r = nova.post(f"/servers/{sid}/action", json={"shelve": None})
    assert r.status_code == 501 and "notImplemented" in r.json()
    missing = nova.post("/servers/00000000000000000000000000000000/action",
                        json={"os-stop": None})
    assert missing.status_code == 404 and "itemNotFound" in missing.json()
    nova.delete(f"/servers/{sid}")


def test_filters_pagination_metadata_and_tags(nova: httpx.Client, refs: dict) -> None:
    ids = [create(nova, refs, f"page-{i}", metadata={"n": str(i)},
                  tags=["paged"] if i % 2 else []).json()["server"]["id"] for i in range(3)]
    for sid in ids:
        support.wait_for(lambda sid=sid: nova.get(f"/servers/{sid}").json()["server"][
            "status"] == "ACTIVE", 60, "ACTIVE")
    page = nova.get("/servers/detail", params={"name": "^page-", "limit": 2},
                    headers=mv("2.90")).json()
    assert len(page["servers"]) == 2 and page["servers_links"][0]["rel"] == "next"
    rest = httpx.get(page["servers_links"][0]["href"], headers=nova.headers).json()
    names = {s["name"] for s in page["servers"]} | {s["name"] for s in rest["servers"]}
    assert names == {"page-0", "page-1", "page-2"} and "servers_links" not in rest
    assert {s["name"] for s in nova.get("/servers", params={"name": "page-[12]"}).json()[
        "servers"]} == {"page-1", "page-2"}
    assert nova.get("/servers", params={"status": "SHUTOFF", "name": "^page-"}).json()[
        "servers"] == []
    tagged = nova.get("/servers", params={"tags": "paged"}, headers=mv("2.26")).json()
    assert {s["name"] for s in tagged["servers"]} == {"page-1"}
    detail = nova.get(f"/servers/{ids[1]}", headers=mv("2.90")).json()["server"]
    assert detail["tags"] == ["paged"] and detail["metadata"] == {"n": "1"}
    assert detail["flavor"]["original_name"] == "m1.tiny" and "id" not in detail["flavor"]
    assert detail["OS-EXT-SRV-ATTR:hostname"] == "page-1" and detail["locked"] is False
    old = nova.get(f"/servers/{ids[1]}", headers=mv("2.1")).json()["server"]
    assert "tags" not in old and "locked" not in old and old["flavor"]["id"] == refs["flavor"]

    sid = ids[0]
    assert nova.put(f"/servers/{sid}/metadata/color", json={"meta": {"color": "blue"}}
                    ).json() == {"meta": {"color": "blue"}}
    assert nova.get(f"/servers/{sid}/metadata").json()["metadata"] == {"n": "0",
                                                                       "color": "blue"}
    assert nova.delete(f"/servers/{sid}/metadata/color").status_code == 204
    assert nova.get(f"/servers/{sid}/metadata/color").status_code == 404
    assert nova.put(f"/servers/{sid}/tags/new", headers=mv("2.26")).status_code == 201
    assert nova.get(f"/servers/{sid}/tags/new", headers=mv("2.26")).status_code == 204
    assert nova.delete(f"/servers/{sid}", headers=mv("2.90")).status_code == 204
    for other in ids[1:]:
        nova.delete(f"/servers/{other}")


def test_min_max_count_and_reservation(nova: httpx.Client, refs: dict) -> None:
    r = create(nova, refs, "multi", min_count=2, max_count=2, return_reservation_id=True)
    assert r.status_code == 202
    rid = r.json()["reservation_id"]
    listed = nova.get("/servers", params={"reservation_id": rid}).json()["servers"]
    assert sorted(s["name"] for s in listed) == ["multi-1", "multi-2"]
    for s in listed:
        nova.delete(f"/servers/{s['id']}")
