"""One of each resource of the four services, made through the API for the route walk.

Every path parameter of every route must name an object made here (keyed "prefix param",
or "prefix segment param" where the same name means different things after different
segments): test_every_path_parameter_is_real fails when a new route adds a parameter
this module does not make.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cheptel.app import prepare
from tests.unit.conftest import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    FakeClock,
    open_client,
    settings_for,
)
from tests.unit.walk import WALK_PASSWORD, World, WriteCounter, admin_login
from tests.unit.walk_loadbalancer import populate_loadbalancer
from tests.unit.walk_orchestration import populate_orchestration
from tests.unit.walk_volume import populate_volume

K, C, G, N, V = "/identity", "/compute", "/image", "/network", "/volume"
S = "/object-store"


def walked_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A walk's module fixture: a cloud over the fake engine, its objects made, its
    reconciler stopped (the work the setup kicked is done, and no later success starts
    more: a commit seen during a failed request is then that request's own)."""
    data = tmp_path_factory.mktemp("walk") / "data"
    deps = prepare(settings_for(data, container_engine="fake"), clock=FakeClock())
    client = open_client(deps)
    w = World(client, deps, writes=WriteCounter(deps.db_engine))
    w.admin = admin_login(client, "admin", ADMIN_PASSWORD, "admin")
    w.member = admin_login(client, "demo", DEMO_PASSWORD, "demo")
    populate(w)
    deps.reconciler.stop()
    yield w
    client.__exit__(None, None, None)
    deps.db_engine.dispose()


def populate(w: World) -> None:
    _identity(w)
    _image(w)
    _network(w)
    _compute(w)
    populate_volume(w)
    _object_store(w)
    _placement(w)
    populate_orchestration(w)
    populate_loadbalancer(w)


def _placement(w: World) -> None:
    """The compute host's resource provider (the only one)."""
    found = w.ok("/placement", "GET", "/resource_providers")["resource_providers"]
    w.ids["/placement uuid"] = found[0]["uuid"]


def _identity(w: World) -> None:
    ids = w.ids
    v3 = "/v3"
    r = w.client.get(f"{K}/v3/auth/projects", headers={"X-Auth-Token": w.admin})
    admin_project = r.json()["projects"][0]["id"]
    ids[f"{K} domain_id"] = w.ok(K, "POST", f"{v3}/domains", {"domain": {
        "name": "walk-domain", "description": "d"}})["domain"]["id"]
    project = w.ok(K, "POST", f"{v3}/projects", {"project": {
        "name": "walk-project", "domain_id": "default", "description": "d", "enabled": True,
        "tags": ["walk"]}})["project"]["id"]
    ids[f"{K} project_id"] = project
    user = w.ok(K, "POST", f"{v3}/users", {"user": {
        "name": "walk-user", "password": WALK_PASSWORD, "default_project_id": project,
        "email": "walk@example.org", "enabled": True}})["user"]["id"]
    ids[f"{K} user_id"] = user
    ids[f"{K} group_id"] = w.ok(K, "POST", f"{v3}/groups", {"group": {
        "name": "walk-group", "description": "d"}})["group"]["id"]
    prior = w.ok(K, "POST", f"{v3}/roles", {"role": {"name": "walk-prior"}})["role"]["id"]
    implied = w.ok(K, "POST", f"{v3}/roles", {"role": {"name": "walk-implied"}})["role"]["id"]
    ids[f"{K} role_id"] = ids[f"{K} prior_role_id"] = prior
    ids[f"{K} implied_role_id"] = implied
    w.ok(K, "PUT", f"{v3}/roles/{prior}/implies/{implied}")
    member = w.client.get(f"{K}/v3/roles?name=member",
                          headers={"X-Auth-Token": w.admin}).json()["roles"][0]["id"]
    w.ok(K, "PUT", f"{v3}/projects/{project}/users/{user}/roles/{member}")
    w.ok(K, "PUT", f"{v3}/projects/{project}/tags/walk-tag")
    ids[f"{K} tag"] = "walk-tag"
    ids[f"{K} region_id"] = w.ok(K, "POST", f"{v3}/regions", {"region": {
        "id": "walk-region", "description": "d"}})["region"]["id"]
    service = w.ok(K, "POST", f"{v3}/services", {"service": {
        "type": "walk", "name": "walk", "enabled": True}})["service"]["id"]
    ids[f"{K} service_id"] = service
    ids[f"{K} endpoint_id"] = w.ok(K, "POST", f"{v3}/endpoints", {"endpoint": {
        "service_id": service, "interface": "public", "url": "http://walk.invalid/",
        "region_id": "walk-region", "enabled": True}})["endpoint"]["id"]
    ids[f"{K} policy_id"] = w.ok(K, "POST", f"{v3}/policies", {"policy": {
        "type": "application/json", "blob": "{}"}})["policy"]["id"]
    ids[f"{K} credential_id"] = w.ok(K, "POST", f"{v3}/credentials", {"credential": {
        "user_id": user, "project_id": project, "type": "cert", "blob": "b"}}
    )["credential"]["id"]
    ids[f"{K} consumer_id"] = w.ok(K, "POST", f"{v3}/OS-OAUTH1/consumers", {"consumer": {
        "description": "d"}})["consumer"]["id"]
    ids[f"{K} endpoint_group_id"] = w.ok(K, "POST", f"{v3}/OS-EP-FILTER/endpoint_groups", {
        "endpoint_group": {"name": "walk-epg", "filters": {"interface": "public"}}}
    )["endpoint_group"]["id"]
    token = admin_login(w.client, "walk-user", WALK_PASSWORD, "walk-project")
    ids[f"{K} app_cred_id"] = w.ok(
        K, "POST", f"{v3}/users/{user}/application_credentials",
        {"application_credential": {"name": "walk-ac", "description": "d",
                                    "roles": [{"name": "member"}], "unrestricted": False}},
        token=token, template=f"{v3}/users/{{user_id}}/application_credentials"
    )["application_credential"]["id"]
    ids[f"{K} access_key"] = w.ok(
        K, "POST", f"{v3}/users/{user}/credentials/OS-EC2", {"tenant_id": project},
        token=token, template=f"{v3}/users/{{user_id}}/credentials/OS-EC2")["credential"][
        "access"]
    ids[f"{K} admin_project"] = admin_project
    w.templates[f"{K} POST {v3}/auth/tokens"] = {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "walk-user", "domain": {"id": "default"}, "password": "not-it"}}},
        "scope": {"project": {"id": project}}}}
    w.templates[f"{K} POST {v3}/users/{{user_id}}/password"] = {"user": {
        "password": "new-pw", "original_password": "not-it"}}


def _image(w: World) -> None:
    ids = w.ids
    project = ids[f"{K} project_id"]
    image = w.ok(G, "POST", "/v2/images", {
        "name": "walk-image", "disk_format": "raw", "container_format": "bare",
        "visibility": "shared", "min_ram": 0, "protected": False, "tags": ["walk"],
        "walk_property": "v"})["id"]
    ids[f"{G} image_id"] = image
    w.ok(G, "POST", f"/v2/images/{image}/members", {"member": project},
         template="/v2/images/{image_id}/members")
    ids[f"{G} member_id"] = project
    w.templates[f"{G} PUT /v2/images/{{image_id}}/members/{{member_id}}"] = {
        "status": "accepted"}
    w.ok(G, "PUT", f"/v2/images/{image}/tags/walk-tag")
    ids[f"{G} tag"] = "walk-tag"
    w.templates[f"{G} PATCH /v2/images/{{image_id}}"] = [
        {"op": "replace", "path": "/name", "value": "walk"},
        {"op": "add", "path": "/walk_other", "value": "v"}]
    w.templates[f"{G} POST /v2/images/{{image_id}}/import"] = {
        "method": {"name": "web-download", "uri": "http://walk.invalid/x"},
        "stores": ["s"], "all_stores": False}
    ns = "walk-ns"
    prop = {"title": "t", "type": "string", "description": "d", "enum": ["a", "b"],
            "default": "a", "maxLength": 8}
    w.ok(G, "POST", "/v2/metadefs/namespaces", {
        "namespace": ns, "display_name": "d", "description": "d", "visibility": "public",
        "protected": False, "resource_type_associations": [
            {"name": "OS::Glance::Image", "prefix": "walk_", "properties_target": "image"}],
        "properties": {"walk-prop": prop},
        "objects": [{"name": "walk-obj", "description": "d", "required": ["walk-prop"],
                     "properties": {"walk-prop": prop}}],
        "tags": [{"name": "walk-tag"}]})
    ids[f"{G} namespace"] = ns
    ids[f"{G} object_name"] = "walk-obj"
    ids[f"{G} property_name"] = "walk-prop"
    ids[f"{G} tag_name"] = "walk-tag"
    ids[f"{G} resource_type"] = "OS::Glance::Image"
    ids[f"{G} schemas name"] = "image"
    ids[f"{G} metadefs name"] = "namespace"
    base = "/v2/metadefs/namespaces/{namespace}"
    w.templates[f"{G} POST {base}/objects"] = {
        "name": "walk-obj2", "description": "d", "required": ["walk-prop"],
        "properties": {"walk-prop": prop}}
    w.templates[f"{G} POST {base}/properties"] = {"name": "walk-prop2", **prop}
    w.templates[f"{G} POST {base}/tags"] = {"tags": [{"name": "walk-tag2"}]}
    w.templates[f"{G} POST {base}/resource_types"] = {
        "name": "OS::Nova::Flavor", "prefix": "walk_", "properties_target": "flavor"}
    w.templates[f"{G} PUT {base}/tags/{{tag_name}}"] = {"name": "walk-tag"}


def _network(w: World) -> None:
    ids = w.ids
    project = ids[f"{K} project_id"]
    headers = {"X-Auth-Token": w.admin}
    public = w.client.get(f"{N}/v2.0/networks?name=public", headers=headers).json()[
        "networks"][0]["id"]
    net = w.ok(N, "POST", "/v2.0/networks", {"network": {
        "name": "walk-net", "admin_state_up": True, "shared": False, "mtu": 1400,
        "port_security_enabled": True, "description": "d", "tenant_id": project}})["network"]
    sub = w.ok(N, "POST", "/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.123.0.0/24", "name": "walk",
        "gateway_ip": "10.123.0.1", "enable_dhcp": True, "dns_nameservers": ["10.123.0.2"],
        "allocation_pools": [{"start": "10.123.0.10", "end": "10.123.0.200"}],
        "host_routes": [{"destination": "10.124.0.0/24", "nexthop": "10.123.0.3"}],
        "tenant_id": project}})["subnet"]
    sg = w.ok(N, "POST", "/v2.0/security-groups", {"security_group": {
        "name": "walk-sg", "description": "d", "tenant_id": project}}
    )["security_group"]
    port = w.ok(N, "POST", "/v2.0/ports", {"port": {
        "network_id": net["id"], "name": "walk-port", "admin_state_up": True,
        "fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.123.0.20"}],
        "security_groups": [sg["id"]], "mac_address": "fa:16:3e:00:00:01",
        "allowed_address_pairs": [{"ip_address": "10.123.0.99"}],
        "binding:host_id": "h", "device_owner": "", "tenant_id": project}})["port"]
    router = w.ok(N, "POST", "/v2.0/routers", {"router": {
        "name": "walk-router", "admin_state_up": True, "tenant_id": project,
        "external_gateway_info": {"network_id": public, "enable_snat": True}}})["router"]
    w.ok(N, "PUT", f"/v2.0/routers/{router['id']}/add_router_interface",
         {"subnet_id": sub["id"]}, template="/v2.0/routers/{router_id}/add_router_interface")
    w.templates[f"{N} PUT /v2.0/routers/{{router_id}}/remove_router_interface"] = {
        "subnet_id": sub["id"], "port_id": port["id"]}
    fip = w.ok(N, "POST", "/v2.0/floatingips", {"floatingip": {
        "floating_network_id": public, "port_id": port["id"], "description": "d",
        "tenant_id": project}})["floatingip"]
    rule = w.ok(N, "POST", "/v2.0/security-group-rules", {"security_group_rule": {
        "security_group_id": sg["id"], "direction": "ingress", "ethertype": "IPv4",
        "protocol": "tcp", "port_range_min": 80, "port_range_max": 81,
        "remote_ip_prefix": "10.0.0.0/8"}})["security_group_rule"]
    pool = w.ok(N, "POST", "/v2.0/subnetpools", {"subnetpool": {
        "name": "walk-pool", "prefixes": ["10.200.0.0/16"], "default_prefixlen": 24,
        "min_prefixlen": 16, "max_prefixlen": 28, "shared": False}})["subnetpool"]
    w.ok(N, "PUT", f"/v2.0/quotas/{project}", {"quota": {"network": 50, "port": -1}},
         template="/v2.0/quotas/{project_id}")
    for seg, param, obj in (("networks", "network_id", net), ("subnets", "subnet_id", sub),
                            ("ports", "port_id", port), ("routers", "router_id", router),
                            ("floatingips", "floatingip_id", fip),
                            ("security-groups", "security_group_id", sg),
                            ("subnetpools", "subnetpool_id", pool)):
        ids[f"{N} {param}"] = ids[f"{N} {seg} resource_id"] = obj["id"]
        w.ok(N, "PUT", f"/v2.0/{seg}/{obj['id']}/tags/walk-tag")
    w.ok(N, "PUT", f"/v2.0/networks/{net['id']}/tags", {"tags": ["walk-tag", "t2"]},
         template="/v2.0/networks/{resource_id}/tags")
    ids[f"{N} security_group_rule_id"] = rule["id"]
    ids[f"{N} project_id"] = project
    ids[f"{N} tag"] = "walk-tag"
    ids[f"{N} agent_id"] = "no-agent"  # cheptel has none: every one is a 404
    ids[f"{N} alias"] = w.client.get(f"{N}/v2.0/extensions", headers=headers).json()[
        "extensions"][0]["alias"]


def _compute(w: World) -> None:
    ids = w.ids
    project = ids[f"{K} project_id"]
    headers = w.headers("compute", w.admin)
    busybox = w.client.get(f"{G}/v2/images?name=busybox", headers=headers).json()[
        "images"][0]["id"]
    flavor = w.ok(C, "POST", "/v2.1/flavors", {"flavor": {
        "name": "walk-flavor", "ram": 64, "vcpus": 1, "disk": 0, "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 0, "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True, "description": "d"}}
    )["flavor"]["id"]
    ids[f"{C} flavor_id"] = flavor
    w.ok(C, "POST", f"/v2.1/flavors/{flavor}/os-extra_specs",
         {"extra_specs": {"walk-key": "1"}}, template="/v2.1/flavors/{flavor_id}/os-extra_specs")
    w.templates[f"{C} PUT /v2.1/flavors/{{flavor_id}}/os-extra_specs/{{key}}"] = {
        "walk-key": "2"}
    w.templates[f"{C} POST /v2.1/flavors/{{flavor_id}}/action"] = {
        "addTenantAccess": {"tenant": project}}
    group = w.ok(C, "POST", "/v2.1/os-server-groups", {"server_group": {
        "name": "walk-group", "policy": "anti-affinity", "rules": {"max_server_per_host": 3}}}
    )["server_group"]["id"]
    ids[f"{C} group_id"] = group
    w.ok(C, "POST", "/v2.1/os-keypairs", {"keypair": {
        "name": "walk-kp", "type": "ssh"}})
    ids[f"{C} keypair_name"] = "walk-kp"
    server = w.ok(C, "POST", "/v2.1/servers", {"server": {
        "name": "walk-server", "imageRef": busybox, "flavorRef": flavor, "networks": "none",
        "metadata": {"walk-key": "v"}, "tags": ["walk-tag"], "key_name": "walk-kp",
        "user_data": "IyEvYmluL3NoCg==", "description": "d", "min_count": 1,
        "max_count": 1, "accessIPv4": "10.1.1.1", "security_groups": [{"name": "default"}],
        "block_device_mapping_v2": [{"boot_index": 0, "uuid": busybox,
                                     "source_type": "image", "destination_type": "local"}]},
        "os:scheduler_hints": {"group": group}})["server"]["id"]
    ids[f"{C} server_id"] = server
    ids[f"{C} key"] = "walk-key"
    ids[f"{C} tag"] = "walk-tag"
    ids[f"{C} project_id"] = project
    ids[f"{C} class_name"] = "default"
    ids[f"{C} network"] = "walk-net"
    ids[f"{C} port_id"] = ids[f"{N} port_id"]
    hyper = w.client.get(f"{C}/v2.1/os-hypervisors", headers=headers).json()["hypervisors"][0]
    ids[f"{C} hypervisor_id"] = str(hyper["id"])
    ids[f"{C} pattern"] = hyper["hypervisor_hostname"]
    ids[f"{C} host_name"] = hyper["hypervisor_hostname"]  # os-hosts (before 2.43)
    w.templates[f"{C} PUT /v2.1/os-hosts/{{host_name}}"] = {"status": "enable"}
    ids[f"{C} service_id"] = str(w.client.get(f"{C}/v2.1/os-services", headers=headers).json()[
        "services"][0]["id"])
    ids[f"{C} aggregate_id"] = "1"  # aggregates are not supported: every one is a 501
    w.templates[f"{C} POST /v2.1/os-aggregates"] = {"aggregate": {
        "name": "walk-agg", "availability_zone": "walk-az"}}
    actions = w.client.get(f"{C}/v2.1/servers/{server}/os-instance-actions",
                           headers=headers).json()["instanceActions"]
    ids[f"{C} request_id"] = actions[0]["request_id"]
    w.templates[f"{C} PUT /v2.1/servers/{{server_id}}/metadata/{{key}}"] = {
        "meta": {"walk-key": "v"}}
    w.templates[f"{C} PUT /v2.1/servers/{{server_id}}/metadata"] = {"metadata": {"a": "b"}}
    w.templates[f"{C} POST /v2.1/servers/{{server_id}}/metadata"] = {"metadata": {"a": "b"}}
    w.templates[f"{C} PUT /v2.1/servers/{{server_id}}/tags"] = {"tags": ["a", "b"]}
    w.templates[f"{C} POST /v2.1/servers/{{server_id}}/os-interface"] = {"interfaceAttachment": {
        "net_id": ids[f"{N} network_id"], "fixed_ips": [{"ip_address": "10.123.0.30"}],
        "tag": "t"}}
    w.templates[f"{C} POST /v2.1/os-server-external-events"] = {"events": [{
        "name": "network-changed", "server_uuid": server, "tag": "t", "status": "completed"}]}
    w.templates[f"{C} PUT /v2.1/os-quota-sets/{{project_id}}"] = {"quota_set": {
        "instances": 10, "cores": 20, "force": True}}
    w.templates[f"{C} PUT /v2.1/os-quota-class-sets/{{class_name}}"] = {"quota_class_set": {
        "instances": 10}}
    w.templates[f"{C} PUT /v2.1/os-services/{{service_id}}"] = {
        "status": "disabled", "disabled_reason": "r", "forced_down": False}


def _object_store(w: World) -> None:
    """A container holding an object (its body is JSON: the walk reads templates back)."""
    project = w.ids[f"{K} admin_project"]
    account = f"/v1/AUTH_{project}"
    w.ids[f"{S} account"] = f"AUTH_{project}"
    w.ids[f"{S} container"] = "walk-container"
    w.ids[f"{S} object"] = "walk-object"
    for path, body in ((f"{account}/walk-container", None),
                       (f"{account}/walk-container/walk-object", {"walk": "object"})):
        r = w.send(S, "PUT", path, w.admin, body)
        assert r.status_code == 201, f"PUT {path}: {r.status_code} {r.text[:300]}"
