"""Compute responses checked against Tempest's own response schemas, per microversion.

Each case sends one request through Tempest's compute service client (tempest.lib) over
httpx, as demo (a project member) or admin: Tempest picks the schema module for the
microversion (`schema_versions_info`), checks the microversion echo and validates status
code and body with `RestClient.validate_response`. The microversions of each operation
are those where Tempest switches schema module for it, plus where Nova changes the body.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from tempest.lib.exceptions import InvalidHTTPResponseBody

from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.compute.nova_http import Nova
from tests.integration.compute.tempest_harness import (
    MAX,
    MIN,
    Clients,
    Credentials,
    in_range,
    microversion,
    schema_changes,
)


@dataclass
class World:
    base: str
    raw: Nova
    demo: Clients
    admin: Clients
    demo_project: str
    admin_project: str
    image: str
    flavor: str
    server: str  # demo's ACTIVE server: reads, metadata, tags, console, lock
    busy: str  # demo's server for rebuild and createImage
    private_flavor: str
    group: str  # demo's anti-affinity group, two members that could not be placed
    failed: str  # one of them: an ERROR server with a fault

    def settle(self, server_id: str) -> None:
        """Wait until the server is ACTIVE with no task (an action may then start)."""
        def done() -> bool:
            s = self.raw.ok("GET", f"/servers/{server_id}", who="demo")["server"]
            assert s["status"] != "ERROR", s
            return s["status"] == "ACTIVE" and s["OS-EXT-STS:task_state"] is None
        support.wait_for(done, 90, f"server {server_id} to settle")

    def keypair(self, name: str) -> str:
        if self.raw.call("GET", f"/os-keypairs/{name}", who="demo").status_code == 404:
            self.raw.ok("POST", "/os-keypairs", who="demo", json={"keypair": {"name": name}})
        return name


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


Run = Callable[[World, str], object]
OPS: list[tuple[str, list[str], Run, tuple[str, str] | None]] = []

# Nova 2.88 drops the capacity fields of a hypervisor and adds "uptime"; Tempest 47 has no
# schema past v2_53 for hypervisors (its tests run these at 2.53), so v2_53 rejects
# Nova's own 2.88 body. cheptel answers as Nova does: expected to fail until Tempest
# has the schema.
HYPERVISOR_288 = ("2.88", "Tempest has no 2.88 hypervisor schema; v2_53 rejects Nova's "
                          "2.88 body (uptime, no capacity fields)")


def op(client: str, *, since: str = MIN, until: str = MAX, also: tuple[str, ...] = (),
       only: tuple[str, ...] | None = None, gap: tuple[str, str] | None = None
       ) -> Callable[[Run], Run]:
    """Register an operation at the microversions where Tempest's schema for it changes;
    gap: (from version, reason) where Tempest's schema cannot describe Nova's body."""
    def register(fn: Run) -> Run:
        versions = list(only) if only else sorted(
            set(schema_changes(client)) | set(also),
            key=lambda v: tuple(int(p) for p in v.split(".")))
        OPS.append((fn.__name__, [v for v in versions if in_range(v, since, until)], fn,
                    gap))
        return fn
    return register


def at_least(version: str, since: str) -> bool:
    return in_range(version, since)


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
    assert shown["server"]["status"] == "BUILD"
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


# -- flavors --------------------------------------------------------------------------------

@op("flavors", also=("2.75",))
def list_flavors(w: World, v: str) -> object:
    return w.demo.flavors.list_flavors()


@op("flavors", also=("2.75",))
def list_flavors_detail(w: World, v: str) -> object:
    return w.demo.flavors.list_flavors(detail=True)


@op("flavors", also=("2.75",))
def list_flavors_detail_admin(w: World, v: str) -> object:
    return w.admin.flavors.list_flavors(detail=True, is_public="None")


@op("flavors", only=(MIN, MAX))
def list_flavors_paged(w: World, v: str) -> object:
    assert w.demo.flavors.list_flavors(limit=1)["flavors_links"]
    return w.demo.flavors.list_flavors(detail=True, limit=1)


@op("flavors", also=("2.75",))
def show_flavor(w: World, v: str) -> object:
    return w.demo.flavors.show_flavor(w.flavor)


@op("flavors", also=("2.75",))
def create_flavor(w: World, v: str) -> object:
    extra = {"description": "schema"} if at_least(v, "2.55") else {}
    flavor = w.admin.flavors.create_flavor(name=f"tempest-{v}", ram=64, vcpus=1, disk=0,
                                           id=str(uuid.uuid4()), swap=0, **extra)
    return w.admin.flavors.delete_flavor(flavor["flavor"]["id"])


@op("flavors", since="2.55", also=("2.75",))
def update_flavor(w: World, v: str) -> object:
    return w.admin.flavors.update_flavor(w.private_flavor, description=f"at {v}")


@op("flavors", only=(MIN, MAX))
def flavor_extra_specs(w: World, v: str) -> object:
    f = w.private_flavor
    w.admin.flavors.set_flavor_extra_spec(f, **{"hw:cpu_policy": "shared"})
    w.admin.flavors.list_flavor_extra_specs(f)
    w.admin.flavors.show_flavor_extra_spec(f, "hw:cpu_policy")
    w.admin.flavors.update_flavor_extra_spec(f, "hw:cpu_policy", **{"hw:cpu_policy": "shared"})
    return w.admin.flavors.unset_flavor_extra_spec(f, "hw:cpu_policy")


@op("flavors", only=(MIN, MAX))
def list_flavor_extra_specs_demo(w: World, v: str) -> object:
    return w.demo.flavors.list_flavor_extra_specs(w.flavor)


@op("flavors", only=(MIN, MAX))
def flavor_access(w: World, v: str) -> object:
    w.admin.flavors.add_flavor_access(w.private_flavor, w.demo_project)
    w.admin.flavors.list_flavor_access(w.private_flavor)
    return w.admin.flavors.remove_flavor_access(w.private_flavor, w.demo_project)


# -- keypairs -------------------------------------------------------------------------------

@op("keypairs", also=("2.10", "2.35", "2.75"))
def create_keypair(w: World, v: str) -> object:
    name = f"tempest-new-{v.replace('.', '_')}"  # no dots in names before 2.92
    w.demo.keypairs.create_keypair(name=name)
    return w.demo.keypairs.delete_keypair(name)


@op("keypairs", also=("2.10", "2.35", "2.75"))
def list_keypairs(w: World, v: str) -> object:
    w.keypair("tempest-listed")
    return w.demo.keypairs.list_keypairs()


@op("keypairs", also=("2.10", "2.35", "2.75"))
def show_keypair(w: World, v: str) -> object:
    return w.demo.keypairs.show_keypair(w.keypair("tempest-shown"))


# -- limits and quotas ----------------------------------------------------------------------

@op("limits")
def show_limits(w: World, v: str) -> object:
    return w.demo.limits.show_limits()


@op("limits")
def show_limits_admin(w: World, v: str) -> object:
    return w.admin.limits.show_limits()


@op("quotas")
def show_quota_set(w: World, v: str) -> object:
    return w.demo.quotas.show_quota_set(w.demo_project)


@op("quotas")
def show_quota_set_detail(w: World, v: str) -> object:
    return w.demo.quotas.show_quota_set(w.demo_project, detail=True)


@op("quotas")
def show_default_quota_set(w: World, v: str) -> object:
    return w.demo.quotas.show_default_quota_set(w.demo_project)


@op("quotas")
def update_quota_set(w: World, v: str) -> object:
    return w.admin.quotas.update_quota_set(w.demo_project, cores=-1)


@op("quotas")
def delete_quota_set(w: World, v: str) -> object:
    return w.admin.quotas.delete_quota_set(w.admin_project)


@op("quota_classes")
def show_quota_class_set(w: World, v: str) -> object:
    return w.admin.quota_classes.show_quota_class_set("default")


@op("quota_classes")
def update_quota_class_set(w: World, v: str) -> object:
    current = w.raw.ok("GET", "/os-quota-class-sets/default")["quota_class_set"]
    return w.admin.quota_classes.update_quota_class_set("default", cores=current["cores"])


# -- availability zones, hypervisors, services, aggregates (admin) --------------------------

@op("zones", only=(MIN, MAX))
def list_availability_zones(w: World, v: str) -> object:
    return w.demo.zones.list_availability_zones()


@op("zones", only=(MIN, MAX))
def list_availability_zones_detail(w: World, v: str) -> object:
    return w.admin.zones.list_availability_zones(detail=True)


@op("hypervisors", also=("2.88",))
def list_hypervisors(w: World, v: str) -> object:
    return w.admin.hypervisors.list_hypervisors()


@op("hypervisors", also=("2.88",), gap=HYPERVISOR_288)
def list_hypervisors_detail(w: World, v: str) -> object:
    return w.admin.hypervisors.list_hypervisors(detail=True)


@op("hypervisors", since="2.53", also=("2.88",))
def list_hypervisors_with_servers(w: World, v: str) -> object:
    return w.admin.hypervisors.list_hypervisors(with_servers=True)


def _hypervisor(w: World) -> dict:
    return w.admin.hypervisors.list_hypervisors()["hypervisors"][0]


@op("hypervisors", also=("2.88",), gap=HYPERVISOR_288)
def show_hypervisor(w: World, v: str) -> object:
    return w.admin.hypervisors.show_hypervisor(_hypervisor(w)["id"])


@op("hypervisors", until="2.87")
def show_hypervisor_statistics(w: World, v: str) -> object:
    return w.admin.hypervisors.show_hypervisor_statistics()


@op("hypervisors", until="2.87")
def show_hypervisor_uptime(w: World, v: str) -> object:
    return w.admin.hypervisors.show_hypervisor_uptime(_hypervisor(w)["id"])


@op("hypervisors", until="2.52")
def search_hypervisor(w: World, v: str) -> object:
    return w.admin.hypervisors.search_hypervisor(_hypervisor(w)["hypervisor_hostname"])


@op("hypervisors", until="2.52")
def list_servers_on_hypervisor(w: World, v: str) -> object:
    return w.admin.hypervisors.list_servers_on_hypervisor(
        _hypervisor(w)["hypervisor_hostname"])


@op("services")
def list_services(w: World, v: str) -> object:
    return w.admin.services.list_services()


@op("services")
def enable_service(w: World, v: str) -> object:
    compute = w.admin.services.list_services(binary="nova-compute")["services"][0]
    if at_least(v, "2.53"):
        return w.admin.services.update_service(compute["id"], status="enabled")
    return w.admin.services.enable_service(host=compute["host"], binary="nova-compute")


@op("aggregates")
def list_aggregates(w: World, v: str) -> object:
    return w.admin.aggregates.list_aggregates()


# -- server groups --------------------------------------------------------------------------

@op("server_groups", also=("2.15",))
def create_server_group(w: World, v: str) -> object:
    policy = {"policy": "soft-affinity"} if at_least(v, "2.64") else {
        "policies": ["soft-affinity" if at_least(v, "2.15") else "affinity"]}
    group = w.demo.server_groups.create_server_group(name=f"tempest-{v}", **policy)
    return w.demo.server_groups.delete_server_group(group["server_group"]["id"])


@op("server_groups")
def list_server_groups(w: World, v: str) -> object:
    return w.demo.server_groups.list_server_groups()


@op("server_groups")
def show_server_group(w: World, v: str) -> object:
    return w.demo.server_groups.show_server_group(w.group)


def _marks(version: str, gap: tuple[str, str] | None) -> list:
    if gap is None or not at_least(version, gap[0]):
        return []
    return [pytest.mark.xfail(strict=True, raises=InvalidHTTPResponseBody, reason=gap[1])]


CASES = [pytest.param(run, v, id=f"{name}-{v}", marks=_marks(v, gap))
         for name, versions, run, gap in OPS for v in versions]


@pytest.mark.parametrize("run,version", CASES)
def test_tempest_schema(world: World, run: Run, version: str) -> None:
    """Tempest's client validates status and body; a schema mismatch raises here."""
    with microversion(version):
        run(world, version)
