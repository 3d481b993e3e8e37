"""Compute responses checked against Tempest's own response schemas, per microversion.

Discovery and servers here; flavors, keypairs, limits, quotas, zones, hypervisors,
services, aggregates and server groups in tempest_resource_ops.

Each case sends one request through Tempest's compute service client (tempest.lib) over
httpx, as demo (a project member) or admin: Tempest picks the schema module for the
microversion (`schema_versions_info`), checks the microversion echo and validates status
code and body with `RestClient.validate_response`. The microversions of each operation
are those where Tempest switches schema module for it, plus where Nova changes the body.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support, tempest_resource_ops
from tests.integration.compute.nova_http import Nova
from tests.integration.compute.tempest_harness import (
    MAX,
    MIN,
    Clients,
    Credentials,
    Registry,
    Run,
    World,
    at_least,
    microversion,
)


@pytest.fixture(scope="module")
def tcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def _boot(raw: Nova, name: str, image: str, flavor: str) -> str:
    body = {"server": {"name": name, "imageRef": image, "flavorRef": flavor,
                       "networks": "none", "metadata": {"role": "schema"}}}
    return raw.ok("POST", "/servers", 202, who="demo", version="2.90", json=body)[
        "server"]["id"]


@pytest.fixture(scope="module")
def world(tcloud: Cloud) -> Iterator[World]:
    raw = Nova(tcloud)
    demo_project, admin_project = raw.project_id("demo"), raw.project_id("admin")
    endpoint = tcloud.base_url + "/compute/v2.1"
    http = tcloud.http()
    conn = tcloud.sdk("cheptel-demo")
    image = conn.image.find_image("busybox", ignore_missing=False).id
    flavor = conn.compute.find_flavor("m1.tiny", ignore_missing=False).id
    # many servers are created and deleted here: no quota should get in the way
    raw.ok("PUT", f"/os-quota-sets/{demo_project}", json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1, "key_pairs": -1, "server_groups": -1}})
    private = raw.ok("POST", "/flavors", json={"flavor": {
        "name": "tempest-private", "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": False}})["flavor"]["id"]
    group = raw.ok("POST", "/os-server-groups", who="demo", json={"server_group": {
        "name": "tempest-group", "policies": ["anti-affinity"]}})["server_group"]["id"]
    raw.ok("POST", "/servers", 202, who="demo", version="2.90", json={
        "server": {"name": "tempest-failed", "imageRef": image, "flavorRef": flavor,
                   "networks": "none", "min_count": 2},
        "os:scheduler_hints": {"group": group}})
    failed = raw.ok("GET", "/servers?name=tempest-failed", who="demo")["servers"][0]["id"]
    w = World(
        base=tcloud.base_url, raw=raw,
        demo=Clients(endpoint, raw.token("demo"),
                     Credentials(raw.user_id("demo"), demo_project), http),
        admin=Clients(endpoint, raw.token("admin"),
                      Credentials(raw.user_id("admin"), admin_project), http),
        demo_project=demo_project, admin_project=admin_project, image=image,
        flavor=flavor, server=_boot(raw, "tempest-main", image, flavor),
        busy=_boot(raw, "tempest-busy", image, flavor), private_flavor=private, group=group,
        failed=failed)
    w.settle(w.server)
    w.settle(w.busy)
    raw.ok("PUT", f"/servers/{w.server}/tags/schema", 201, who="demo", version="2.26")
    yield w
    for sid in (w.server, w.busy, *(s["id"] for s in raw.ok(
            "GET", "/servers?name=tempest-failed", who="demo")["servers"])):
        raw.call("DELETE", f"/servers/{sid}", who="demo")
    http.close()
    raw.client.close()


ops = Registry()
op = ops.op


# -- discovery ------------------------------------------------------------------------------

@op("versions", only=(MIN,))
def list_versions(w: World, v: str) -> object:
    return w.demo.versions.list_versions()


@op("versions", only=(MIN,))
def show_version(w: World, v: str) -> object:
    for link in w.demo.versions.list_versions()["versions"]:
        w.demo.versions.get_version_by_url(link["links"][0]["href"])
    return w.demo.versions.get_version_by_url(w.base + "/compute/v2.1/")


# -- servers --------------------------------------------------------------------------------

@op("servers")
def create_server(w: World, v: str) -> object:
    extra = {"networks": "none"} if at_least(v, "2.37") else {}
    body = w.demo.servers.create_server(name=f"tempest-{v}", imageRef=w.image,
                                        flavorRef=w.flavor, **extra)
    shown = w.demo.servers.show_server(body["server"]["id"])  # as Tempest's waiter
    assert shown["server"]["status"] in ("BUILD", "ACTIVE")
    return w.demo.servers.delete_server(body["server"]["id"])


@op("servers")
def show_server_error(w: World, v: str) -> object:
    body = w.demo.servers.show_server(w.failed)
    assert body["server"]["status"] == "ERROR" and body["server"]["fault"]["message"]
    return body


@op("servers")
def show_server_error_admin(w: World, v: str) -> object:
    body = w.admin.servers.show_server(w.failed)
    assert body["server"]["status"] == "ERROR" and body["server"]["fault"]["message"]
    return body


@op("servers")
def show_server(w: World, v: str) -> object:
    return w.demo.servers.show_server(w.server)


@op("servers")
def show_server_admin(w: World, v: str) -> object:
    return w.admin.servers.show_server(w.server)


@op("servers")
def list_servers(w: World, v: str) -> object:
    return w.demo.servers.list_servers()


@op("servers")
def list_servers_detail(w: World, v: str) -> object:
    return w.demo.servers.list_servers(detail=True)


@op("servers", only=(MIN, MAX))
def list_servers_paged(w: World, v: str) -> object:
    assert w.demo.servers.list_servers(limit=1)["servers_links"]
    return w.demo.servers.list_servers(detail=True, limit=1)


@op("servers")
def list_servers_detail_admin(w: World, v: str) -> object:
    return w.admin.servers.list_servers(detail=True, all_tenants=True)


@op("servers")
def update_server(w: World, v: str) -> object:
    extra = {"description": "schema checks"} if at_least(v, "2.19") else {}
    return w.demo.servers.update_server(w.server, name="tempest-main", **extra)


@op("servers")
def rebuild_server(w: World, v: str) -> object:
    w.settle(w.busy)
    return w.demo.servers.rebuild_server(w.busy, w.image)


@op("servers", only=(MIN, MAX))
def get_console_output(w: World, v: str) -> object:
    return w.demo.servers.get_console_output(w.server, length=10)


@op("images")
def create_image(w: World, v: str) -> object:
    w.settle(w.busy)
    return w.demo.images.create_image(w.busy, name=f"tempest-snap-{v}")


@op("servers", only=(MIN, "2.73", MAX))
def lock_unlock_server(w: World, v: str) -> object:
    extra = {"locked_reason": "schema"} if at_least(v, "2.73") else {}
    w.demo.servers.lock_server(w.server, **extra)
    return w.demo.servers.unlock_server(w.server)


@op("servers", only=(MIN, MAX))
def list_addresses(w: World, v: str) -> object:
    return w.demo.servers.list_addresses(w.server)


@op("servers", only=(MIN, MAX))
def list_security_groups_by_server(w: World, v: str) -> object:
    return w.demo.servers.list_security_groups_by_server(w.server)


@op("servers")
def list_instance_actions(w: World, v: str) -> object:
    return w.demo.servers.list_instance_actions(w.server)


def _request_id(w: World) -> str:
    actions = w.raw.ok("GET", f"/servers/{w.server}/os-instance-actions", who="demo")
    return actions["instanceActions"][-1]["request_id"]  # the create: finished, has events


@op("servers")
def show_instance_action(w: World, v: str) -> object:
    body = w.demo.servers.show_instance_action(w.server, _request_id(w))
    assert bool(body["instanceAction"].get("events")) == at_least(v, "2.51")  # Nova's
    return body


@op("servers")
def show_instance_action_admin(w: World, v: str) -> object:
    body = w.admin.servers.show_instance_action(w.server, _request_id(w))
    assert body["instanceAction"]["events"]
    return body


@op("servers", only=(MIN, "2.45", MAX))
def create_backup(w: World, v: str) -> object:
    w.settle(w.busy)
    return w.demo.servers.create_backup(w.busy, name=f"tempest-bk-{v}", backup_type="schema",
                                        rotation=0)


@op("servers", only=(MIN, MAX))
def confirm_and_revert_resize(w: World, v: str) -> object:
    small = next(f["id"] for f in w.raw.ok("GET", "/flavors")["flavors"]
                 if f["name"] == "m1.small")
    for confirm in (False, True):
        w.settle(w.busy)
        now = w.raw.ok("GET", f"/servers/{w.busy}", who="demo")["server"]["flavor"]["id"]
        w.demo.servers.resize_server(w.busy, small if now != small else w.flavor)
        support.wait_for(lambda: w.raw.ok("GET", f"/servers/{w.busy}", who="demo")["server"][
            "status"] == "VERIFY_RESIZE", 60, "VERIFY_RESIZE")
        if not confirm:
            w.demo.servers.revert_resize_server(w.busy)
    return w.demo.servers.confirm_resize_server(w.busy)


@op("servers", only=(MIN, MAX))
def reset_state_and_inject(w: World, v: str) -> object:
    w.settle(w.server)
    w.admin.servers.reset_state(w.server, state="active")
    return w.admin.servers.inject_network_info(w.server)


@op("servers", only=(MIN, "2.56", MAX))
def migrate_server(w: World, v: str) -> object:
    return w.admin.servers.migrate_server(w.server)


@op("servers", only=(MIN, "2.47", "2.48", MAX))
def show_server_diagnostics(w: World, v: str) -> object:
    w.settle(w.server)
    return w.admin.servers.show_server_diagnostics(w.server)


@op("server_external_events", only=(MIN, MAX))
def create_server_external_events(w: World, v: str) -> object:
    body = w.admin.server_external_events.create_server_external_events(
        [{"name": "network-changed", "server_uuid": w.server}])
    assert body["events"][0]["code"] == 200
    return body


@op("servers", only=(MIN, MAX))
def server_password(w: World, v: str) -> object:
    w.demo.servers.show_password(w.server)
    return w.demo.servers.delete_password(w.server)


@op("servers", only=(MIN, MAX))
def force_delete_server(w: World, v: str) -> object:
    sid = _boot(w.raw, f"tempest-force-{v}", w.image, w.flavor)
    w.settle(sid)  # Nova's forceDelete wants no task in progress
    return w.demo.servers.force_delete_server(sid)


# -- server metadata and tags ---------------------------------------------------------------

def _meta(w: World, items: dict) -> None:
    w.raw.ok("POST", f"/servers/{w.server}/metadata", who="demo", json={"metadata": items})


@op("servers", only=(MIN, MAX))
def list_server_metadata(w: World, v: str) -> object:
    return w.demo.servers.list_server_metadata(w.server)


@op("servers", only=(MIN, MAX))
def set_server_metadata(w: World, v: str) -> object:
    return w.demo.servers.set_server_metadata(w.server, {"role": "schema"})


@op("servers", only=(MIN, MAX))
def update_server_metadata(w: World, v: str) -> object:
    return w.demo.servers.update_server_metadata(w.server, {"extra": v})


@op("servers", only=(MIN, MAX))
def show_server_metadata_item(w: World, v: str) -> object:
    _meta(w, {"role": "schema"})
    return w.demo.servers.show_server_metadata_item(w.server, "role")


@op("servers", only=(MIN, MAX))
def set_server_metadata_item(w: World, v: str) -> object:
    return w.demo.servers.set_server_metadata_item(w.server, "item", {"item": v})


@op("servers", only=(MIN, MAX))
def delete_server_metadata_item(w: World, v: str) -> object:
    _meta(w, {"gone": "soon"})
    return w.demo.servers.delete_server_metadata_item(w.server, "gone")


@op("servers", only=("2.26", MAX))
def list_tags(w: World, v: str) -> object:
    return w.demo.servers.list_tags(w.server)


@op("servers", only=("2.26", MAX))
def update_all_tags(w: World, v: str) -> object:
    return w.demo.servers.update_all_tags(w.server, ["schema", "all"])


@op("servers", only=("2.26", MAX))
def update_tag(w: World, v: str) -> object:
    w.demo.servers.update_tag(w.server, "schema")
    return w.demo.servers.check_tag_existence(w.server, "schema")


@op("servers", only=("2.26", MAX))
def delete_tag(w: World, v: str) -> object:
    w.raw.ok("PUT", f"/servers/{w.server}/tags/gone", 201, who="demo", version="2.26")
    return w.demo.servers.delete_tag(w.server, "gone")


@op("servers", only=("2.26", MAX))
def delete_all_tags(w: World, v: str) -> object:
    w.demo.servers.delete_all_tags(w.server)
    return w.demo.servers.update_tag(w.server, "schema")


CASES = ops.cases() + tempest_resource_ops.ops.cases()


@pytest.mark.parametrize("run,version", CASES)
def test_tempest_schema(world: World, run: Run, version: str) -> None:
    """Tempest's client validates status and body; a schema mismatch raises here."""
    with microversion(version):
        run(world, version)
