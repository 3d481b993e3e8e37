"""Discovery (versions, extensions, catalog) and what the first start leaves, as DevStack."""

from __future__ import annotations

from tests.integration.cloud import Cloud
from tests.integration.network.neutron_http import Neutron, fault

IMPLEMENTED = {
    "router", "ext-gw-mode", "external-net", "security-group", "quotas", "quota_details",
    "standard-attr-description", "standard-attr-timestamp", "standard-attr-revisions",
    "standard-attr-tag", "port-security", "allowed-address-pairs", "project-id", "pagination",
    "sorting", "filter-validation", "net-mtu", "net-mtu-writable", "provider",
    "availability_zone", "network_availability_zone", "router_availability_zone",
    "subnet-external-network", "binding", "agent",
    "subnet_allocation", "service-type"}


def test_versions_document_at_the_root(neutron: Neutron) -> None:
    for path in ("/network", "/network/"):
        r = neutron.client.get(path)
        assert r.status_code == 200, r.text
        (version,) = r.json()["versions"]
        assert version["id"] == "v2.0" and version["status"] == "CURRENT"
        assert version["links"][0]["href"].endswith("/network/v2.0/")
    r = neutron.call("GET", "/networks/" + "0" * 32)
    assert r.headers["x-openstack-request-id"].startswith("req-")
    fault(r, 404, "NetworkNotFound")
    resources = neutron.ok("GET", "/")["resources"]
    assert {r["collection"] for r in resources} == {"networks", "subnets", "ports"}


def test_catalog_lists_neutron_unversioned(neutron: Neutron) -> None:
    r = neutron.client.get("/identity/v3/auth/catalog",
                           headers={"X-Auth-Token": neutron.token()})
    (entry,) = [s for s in r.json()["catalog"] if s["type"] == "network"]
    assert entry["name"] == "neutron"
    assert {e["url"] for e in entry["endpoints"]} == {neutron.cloud.base_url + "/network"}


def test_extensions_list_exactly_what_is_implemented(neutron: Neutron) -> None:
    extensions = neutron.ok("GET", "/extensions")["extensions"]
    assert {e["alias"] for e in extensions} == IMPLEMENTED
    for e in extensions:
        assert set(e) == {"alias", "name", "description", "updated", "links"}
    router = neutron.ok("GET", "/extensions/router")["extension"]
    assert router["name"] == "Neutron L3 Router"
    message = fault(neutron.call("GET", "/extensions/external-gateway-multihoming"), 404,
                    "HTTPNotFound")
    assert "external-gateway-multihoming" in message


def _one(neutron: Neutron, collection: str, who: str = "admin", **params: str) -> dict:
    (item,) = neutron.ok("GET", f"/{collection}", who=who, params=params)[collection]
    return item


def test_public_network_is_external_with_devstack_subnet(neutron: Neutron) -> None:
    public = _one(neutron, "networks", name="public")
    assert public["router:external"] is True and public["shared"] is False
    assert public["project_id"] == neutron.project_id("admin")
    subnet = _one(neutron, "subnets", network_id=public["id"])
    assert subnet["cidr"] == "172.24.4.0/24" and subnet["gateway_ip"] == "172.24.4.1"
    assert subnet["allocation_pools"] == [{"start": "172.24.4.2", "end": "172.24.4.254"}]
    demo_view = _one(neutron, "networks", who="demo", name="public")
    assert "provider:network_type" not in demo_view  # admin-only attributes
    assert public["provider:network_type"] == "flat"


def test_demo_private_network_and_router1(neutron: Neutron) -> None:
    demo = neutron.project_id("demo")
    private = _one(neutron, "networks", who="demo", name="private")
    assert private["project_id"] == demo and private["router:external"] is False
    subnet = _one(neutron, "subnets", who="demo", network_id=private["id"])
    assert (subnet["cidr"], subnet["gateway_ip"]) == ("10.0.0.0/24", "10.0.0.1")
    router = _one(neutron, "routers", who="demo", name="router1")
    gateway = router["external_gateway_info"]
    public = _one(neutron, "networks", name="public")
    assert gateway["network_id"] == public["id"] and gateway["enable_snat"] is True
    (ext_ip,) = gateway["external_fixed_ips"]
    assert ext_ip["ip_address"].startswith("172.24.4.")
    interface = _one(neutron, "ports", who="demo", device_id=router["id"],
                     device_owner="network:router_interface")
    assert interface["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.0.0.1"}]


def test_default_security_group_made_on_first_list(neutron: Neutron) -> None:
    who = neutron.add_user("member")
    (group,) = neutron.ok("GET", "/security-groups", who=who)["security_groups"]
    assert group["name"] == "default"
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"])
             for r in group["security_group_rules"]}
    assert rules == {("ingress", "IPv4", group["id"]), ("ingress", "IPv6", group["id"]),
                     ("egress", "IPv4", None), ("egress", "IPv6", None)}
    again = neutron.ok("GET", "/security-groups", who=who)["security_groups"]
    assert [g["id"] for g in again] == [group["id"]]


def test_bootstrap_runs_once_across_restarts(net_cloud: Cloud, neutron: Neutron) -> None:
    router = _one(neutron, "routers", name="router1")
    net_cloud.stop()
    net_cloud.start()
    assert [n["name"] for n in neutron.ok("GET", "/networks", params={"name": "public"})[
        "networks"]] == ["public"]
    assert _one(neutron, "routers", name="router1")["id"] == router["id"]
