"""Keystone as the openstack CLI sees it: the catalog lists every enabled service, one
without an endpoint in the client's region (or with none at all) included, as Keystone's
SQL catalog does; `project show --parents --children` shows the hierarchy."""

from __future__ import annotations

import uuid

from tests.integration.cloud import Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_catalog_lists_services_without_an_endpoint_in_the_region(cloud: Cloud) -> None:
    bare_type, far_type, region = uniq("bare"), uniq("far"), uniq("Region")
    bare = cloud.cli("service", "create", "--name", bare_type, bare_type)
    far = cloud.cli("service", "create", "--name", far_type, far_type)
    cloud.cli("region", "create", region)
    url = f"http://{far_type}.example.invalid/v1"
    endpoint = cloud.cli("endpoint", "create", "--region", region, far_type, "public", url)
    try:
        catalog = {c["Type"]: c for c in cloud.cli("catalog", "list")}
        assert catalog[bare_type]["Endpoints"] == [] and catalog[bare_type]["Name"] == bare_type
        assert [(e["region"], e["url"]) for e in catalog[far_type]["Endpoints"]] == [
            (region, url)]
        assert "identity" in catalog  # RegionOne's services are still there
        conn = cloud.sdk()
        assert conn.session.get_endpoint(service_type="identity", interface="public")
    finally:
        cloud.cli("endpoint", "delete", endpoint["id"], as_json=False)
        cloud.cli("service", "delete", bare["id"], as_json=False)
        cloud.cli("service", "delete", far["id"], as_json=False)
        cloud.cli("region", "delete", region, as_json=False)


def test_project_show_parents_and_children(cloud: Cloud) -> None:
    top = cloud.cli("project", "create", uniq("top"))
    mid = cloud.cli("project", "create", "--parent", top["id"], uniq("mid"))
    leaf = cloud.cli("project", "create", "--parent", mid["id"], uniq("leaf"))
    try:
        shown = cloud.cli("project", "show", "--parents", "--children", mid["id"])
        assert shown["parents"] == {top["id"]: {"default": None}}
        assert shown["subtree"] == {leaf["id"]: None}
        plain = cloud.cli("project", "show", mid["id"])
        assert "parents" not in plain and "subtree" not in plain
    finally:
        for p in (leaf, mid, top):
            cloud.cli("project", "delete", p["id"], as_json=False)
