"""Listings through raw HTTP: filters, fields, sorting, pages and links, as Neutron's."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.network.neutron_http import Neutron, fault


@pytest.fixture(scope="module")
def trio(neutron: Neutron) -> list[dict]:
    """Three networks of a fresh project, tagged, named in reverse order of creation."""
    who = neutron.add_user("member")
    nets = []
    for name, tags in (("c-net", ["red"]), ("b-net", ["red", "blue"]), ("a-net", [])):
        net = neutron.ok("POST", "/networks", 201, who=who, json={"network": {
            "name": name, "admin_state_up": name != "b-net"}})["network"]
        neutron.ok("PUT", f"/networks/{net['id']}/tags", who=who, json={"tags": tags})
        nets.append(net)
    neutron.logins["trio"] = neutron.logins[who]
    return nets


def _names(body: dict) -> list[str]:
    return [n["name"] for n in body["networks"]]


def test_filters_repeated_values_mean_or(neutron: Neutron, trio: list[dict]) -> None:
    body = neutron.ok("GET", "/networks", who="trio",
                      params=[("name", "a-net"), ("name", "c-net"), ("sort_key", "name"),
                              ("sort_dir", "asc")])
    assert _names(body) == ["a-net", "c-net"]
    down = neutron.ok("GET", "/networks", who="trio", params={"admin_state_up": "false"})
    assert _names(down) == ["b-net"]
    shared = neutron.ok("GET", "/networks", who="trio", params={"router:external": "True"})
    assert _names(shared) == ["public"]
    assert _names(neutron.ok("GET", "/networks", who="trio", params={"name": ""})) != []


def test_tag_filters(neutron: Neutron, trio: list[dict]) -> None:
    def names(**params: str) -> set[str]:
        body = neutron.ok("GET", "/networks", who="trio", params={"shared": "false",
                                                                  **params})
        return set(_names(body)) - {"public"}

    assert names(tags="red") == {"b-net", "c-net"}
    assert names(tags="red,blue") == {"b-net"}
    assert names(**{"tags-any": "blue,green"}) == {"b-net"}
    assert names(**{"not-tags": "red"}) == {"a-net"}
    assert names(**{"not-tags-any": "blue"}) == {"a-net", "c-net"}


def test_fields_keep_only_what_is_asked(neutron: Neutron, trio: list[dict]) -> None:
    body = neutron.ok("GET", "/networks", who="trio",
                      params=[("fields", "name"), ("fields", "id"), ("name", "a-net")])
    assert body["networks"] == [{"id": trio[2]["id"], "name": "a-net"}]
    one = neutron.ok("GET", f"/networks/{trio[0]['id']}", who="trio",
                     params={"fields": "status"})
    assert one == {"network": {"status": "ACTIVE"}}


def test_sorting_and_bad_sort_parameters(neutron: Neutron, trio: list[dict]) -> None:
    body = neutron.ok("GET", "/networks", who="trio",
                      params={"sort_key": "name", "sort_dir": "desc", "shared": "false"})
    assert _names(body)[:3] == ["public", "c-net", "b-net"]
    fault(neutron.call("GET", "/networks", who="trio", params={"sort_key": "name"}), 400,
          "HTTPBadRequest")
    message = fault(neutron.call("GET", "/networks", params={"sort_key": "subnets",
                                                             "sort_dir": "asc"}), 400)
    assert "sort_keys" in message
    fault(neutron.call("GET", "/networks", params={"sort_key": "name", "sort_dir": "up"}),
          400)


def test_pages_follow_next_links_to_the_end(neutron: Neutron, trio: list[dict]) -> None:
    params = {"limit": "2", "sort_key": "name", "sort_dir": "asc"}
    first = neutron.ok("GET", "/networks", who="trio", params=params)
    assert _names(first) == ["a-net", "b-net"]
    links = {link["rel"]: link["href"] for link in first["networks_links"]}
    assert set(links) == {"next", "previous"}
    query = parse_qs(urlsplit(links["next"]).query)
    assert query["marker"] == [trio[1]["id"]] and query["limit"] == ["2"]
    assert links["next"].startswith(neutron.cloud.base_url + "/network/v2.0/networks?")
    second = neutron.client.get(links["next"], headers={"X-Auth-Token": neutron.token("trio")})
    assert _names(second.json()) == ["c-net", "public"]
    seen, url = [], links["next"]
    while url:
        page = neutron.client.get(url, headers={"X-Auth-Token": neutron.token("trio")}).json()
        seen += _names(page)
        url = next((x["href"] for x in page.get("networks_links", [])
                    if x["rel"] == "next" and page["networks"]), None)
    everything = _names(neutron.ok("GET", "/networks", who="trio", params={
        "sort_key": "name", "sort_dir": "asc"}))
    assert ["a-net", "b-net", *seen] == everything
    back = neutron.ok("GET", "/networks", who="trio", params={
        **params, "marker": trio[0]["id"], "page_reverse": "True"})
    assert _names(back) == ["a-net", "b-net"]


def test_invalid_filters_and_limits(neutron: Neutron) -> None:
    message = fault(neutron.call("GET", "/networks", params={"colour": "red"}), 400,
                    "HTTPBadRequest")
    assert message == "['colour'] is invalid attribute for filtering"
    fault(neutron.call("GET", "/networks", params={"shared": "perhaps"}), 400, "InvalidInput")
    fault(neutron.call("GET", "/networks", params={"limit": "-1"}), 400, "BadRequest")
    fault(neutron.call("GET", "/ports", params={"fixed_ips": "10.0.0.1"}), 400,
          "InvalidInput")


def test_port_filters_on_fixed_ips_and_device(neutron: Neutron) -> None:
    router = neutron.ok("GET", "/routers", who="demo", params={"name": "router1"})
    rid = router["routers"][0]["id"]
    by_ip = neutron.ok("GET", "/ports", who="demo",
                       params={"fixed_ips": "ip_address=10.0.0.1", "fields": "device_id"})
    assert by_ip["ports"] == [{"device_id": rid}]
    assert neutron.ok("GET", "/ports", who="demo", params={
        "device_id": rid, "device_owner": "compute:nova"})["ports"] == []
