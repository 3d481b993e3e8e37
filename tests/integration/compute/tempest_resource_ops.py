"""The Tempest schema cases for flavors, keypairs, limits, quotas, availability zones,
hypervisors, services, aggregates and server groups (run by test_tempest_schemas)."""

from __future__ import annotations

import uuid

from tests.integration.compute.tempest_harness import MAX, MIN, Registry, World, at_least

ops = Registry()
op = ops.op

# Nova 2.88 drops the capacity fields of a hypervisor and adds "uptime"; Tempest 47 has no
# schema past v2_53 for hypervisors (its tests run these at 2.53), so v2_53 rejects
# Nova's own 2.88 body. cheptel answers as Nova does: expected to fail until Tempest
# has the schema.
HYPERVISOR_288 = ("2.88", "Tempest has no 2.88 hypervisor schema; v2_53 rejects Nova's "
                          "2.88 body (uptime, no capacity fields)")


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
