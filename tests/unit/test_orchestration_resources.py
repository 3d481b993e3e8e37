"""The other resource types over the in-process cloud: a router with its gateway and an
interface, a security group with rules, a floating IP on a server's port, a key pair, a
random string, a volume attached to the server; attributes read back through outputs;
everything deleted with the stack."""

from __future__ import annotations

from typing import Any

from cheptel.volume.models import Volume
from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud

TEMPLATE: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "net": {"type": "OS::Neutron::Net"},
        "subnet": {"type": "OS::Neutron::Subnet", "properties": {
            "network": {"get_resource": "net"}, "cidr": "10.78.0.0/24"}},
        "router": {"type": "OS::Neutron::Router", "properties": {
            "external_gateway_info": {"network": "public"}}},
        "iface": {"type": "OS::Neutron::RouterInterface", "properties": {
            "router": {"get_resource": "router"}, "subnet": {"get_resource": "subnet"}}},
        "sg": {"type": "OS::Neutron::SecurityGroup", "properties": {
            "description": "web", "rules": [
                {"protocol": "tcp", "port_range_min": 80, "port_range_max": 80},
                {"protocol": "icmp", "remote_mode": "remote_group_id"}]}},
        "port": {"type": "OS::Neutron::Port", "properties": {
            "network": {"get_resource": "net"},
            "security_groups": [{"get_resource": "sg"}]}},
        "key": {"type": "OS::Nova::KeyPair", "properties": {
            "name": {"list_join": ["-", [{"get_param": "OS::stack_name"}, "key"]]},
            "save_private_key": True}},
        "password": {"type": "OS::Heat::RandomString", "properties": {
            "length": 16, "sequence": "hexdigits"}},
        "server": {"type": "OS::Nova::Server", "properties": {
            "image": "busybox", "flavor": "m1.tiny", "key_name": {"get_resource": "key"},
            "networks": [{"port": {"get_resource": "port"}}],
            "metadata": {"password": {"get_attr": ["password", "value"]}}}},
        "fip": {"type": "OS::Neutron::FloatingIP", "depends_on": "iface", "properties": {
            "floating_network": "public", "port_id": {"get_resource": "port"}}},
        "volume": {"type": "OS::Cinder::Volume", "properties": {"size": 1}},
        "attach": {"type": "OS::Cinder::VolumeAttachment", "properties": {
            "instance_uuid": {"get_resource": "server"},
            "volume_id": {"get_resource": "volume"}}},
    },
    "outputs": {
        "floating": {"value": {"get_attr": ["fip", "floating_ip_address"]}},
        "fixed": {"value": {"get_attr": ["fip", "fixed_ip_address"]}},
        "port_ip": {"value": {"get_attr": ["port", "fixed_ips", 0, "ip_address"]}},
        "private_key": {"value": {"get_attr": ["key", "private_key"]}},
        "password": {"value": {"get_resource": "password"}},
        "volume_status": {"value": {"get_attr": ["volume", "status"]}},
        "server_meta": {"value": {"get_attr": ["server", "show", "metadata"]}},
    },
}


def test_every_type_made_read_and_deleted(rcloud: Cloud) -> None:
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "all", "template": TEMPLATE})
    assert r.status_code == 201, r.text
    rcloud.settle()
    stack = heat(rcloud, "GET", "/stacks/all").json()["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    out = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert out["fixed"] == out["port_ip"] and out["port_ip"].startswith("10.78.0.")
    assert out["floating"]
    assert out["private_key"].startswith("-----BEGIN")
    assert len(out["password"]) == 16 and set(out["password"]) <= set("0123456789abcdef")
    assert out["server_meta"] == {"password": out["password"]}
    assert out["volume_status"] == "in-use"
    resources = {x["resource_name"]: x["physical_resource_id"] for x in heat(
        rcloud, "GET", "/stacks/all/resources").json()["resources"]}
    sg = rcloud.neutron("GET", f"/security-groups/{resources['sg']}").json()[
        "security_group"]
    ingress = [(x["protocol"], x["port_range_min"], x["remote_group_id"])
               for x in sg["security_group_rules"] if x["direction"] == "ingress"]
    assert sorted(ingress, key=str) == sorted([("tcp", 80, None), ("icmp", None, sg["id"])],
                                              key=str)
    router = rcloud.neutron("GET", f"/routers/{resources['router']}").json()["router"]
    assert router["external_gateway_info"]["network_id"]
    assert rcloud.nova("GET", "/os-keypairs/all-key").status_code == 200
    # the attached volume renamed in place (Heat's update_allowed): the same volume
    renamed = {**TEMPLATE, "resources": {**TEMPLATE["resources"], "volume": {
        "type": "OS::Cinder::Volume", "properties": {"size": 1, "name": "data",
                                                     "metadata": {"tier": "web"}}}}}
    r = heat(rcloud, "PUT", f"/stacks/all/{stack['id']}", {"template": renamed})
    assert r.status_code == 202, r.text
    rcloud.settle()
    stack = heat(rcloud, "GET", "/stacks/all").json()["stack"]
    assert stack["stack_status"] == "UPDATE_COMPLETE", stack["stack_status_reason"]
    after = {x["resource_name"]: x["physical_resource_id"] for x in heat(
        rcloud, "GET", "/stacks/all/resources").json()["resources"]}
    assert after["volume"] == resources["volume"]
    with rcloud.deps.sessions() as db:
        volume = db.get(Volume, resources["volume"])
        assert volume is not None and volume.name == "data"
        assert volume.status == "in-use"

    r = heat(rcloud, "DELETE", f"/stacks/all/{stack['id']}")
    assert r.status_code == 204
    rcloud.settle()
    assert heat(rcloud, "GET", f"/stacks/all/{stack['id']}").json()["stack"][
        "stack_status"] == "DELETE_COMPLETE"
    assert rcloud.neutron("GET", "/floatingips").json()["floatingips"] == []
    assert rcloud.neutron("GET", f"/routers/{resources['router']}").status_code == 404
    assert rcloud.neutron("GET", f"/security-groups/{resources['sg']}").status_code == 404
    assert rcloud.nova("GET", "/os-keypairs/all-key").status_code == 404
    assert rcloud.gone(resources["server"])


def test_hostile_property_values_fail_the_resource_not_the_engine(rcloud: Cloud) -> None:
    quiet(rcloud)
    tpl = {"heat_template_version": "2018-08-31", "resources": {
        "net": {"type": "OS::Neutron::Net"},
        "port": {"type": "OS::Neutron::Port", "properties": {
            "network": {"get_resource": "net"}, "fixed_ips": [{"subnet": [1, 2]}]}}}}
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "odd", "template": tpl})
    assert r.status_code == 201, r.text
    rcloud.settle()  # and nothing logged as a bug
    stack = heat(rcloud, "GET", "/stacks/odd").json()["stack"]
    assert stack["stack_status"] == "CREATE_FAILED"
    assert "must be a name or an id" in stack["stack_status_reason"]
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "typed", "template": {
        "heat_template_version": "2018-08-31", "resources": {"net": {
            "type": "OS::Neutron::Net", "properties": {"admin_state_up": {"a": 1}}}}}})
    assert r.status_code == 400  # a static value of the wrong type: refused at once
    assert "resources.net.properties.admin_state_up: Value must be of type boolean" in \
        r.json()["error"]["message"]


def test_stacks_in_the_exporters_series(rcloud: Cloud) -> None:
    quiet(rcloud)
    tpl = {"heat_template_version": "2018-08-31",
           "resources": {"r": {"type": "OS::Heat::RandomString"}}}
    sid = heat(rcloud, "POST", "/stacks", {"stack_name": "m", "template": tpl}).json()[
        "stack"]["id"]
    rcloud.settle()
    text = rcloud.api.client.get("/metrics", headers={
        "X-Auth-Token": rcloud.api.admin()}).text
    line = [x for x in text.splitlines() if x.startswith("openstack_heat_stack_status{")]
    assert len(line) == 1 and f'id="{sid}"' in line[0] and line[0].endswith(" 5.0")
    assert 'openstack_heat_stack_status_counter{status="CREATE_COMPLETE"} 1.0' in text
    assert "openstack_heat_up 1.0" in text


def test_a_template_cannot_reach_another_projects_resources(rcloud: Cloud) -> None:
    """Ids in a template are looked up as the stack's owner: another project's private
    network is not found (the stack fails), by id or by name."""
    quiet(rcloud)
    admin = rcloud.api.admin()
    r = rcloud.api.client.post("/network/v2.0/networks", headers={"X-Auth-Token": admin},
                               json={"network": {"name": "admins-only"}})
    assert r.status_code == 201, r.text
    hidden = r.json()["network"]["id"]
    for name, ref in (("by-id", hidden), ("by-name", "admins-only")):
        tpl = {"heat_template_version": "2018-08-31", "resources": {"port": {
            "type": "OS::Neutron::Port", "properties": {"network": ref}}}}
        assert heat(rcloud, "POST", "/stacks", {"stack_name": name, "template": tpl}
                    ).status_code == 201
        rcloud.settle()
        stack = heat(rcloud, "GET", f"/stacks/{name}").json()["stack"]
        assert stack["stack_status"] == "CREATE_FAILED"
        assert "could not be found" in stack["stack_status_reason"], stack
    ports = rcloud.api.client.get(f"/network/v2.0/ports?network_id={hidden}",
                                  headers={"X-Auth-Token": admin}).json()["ports"]
    assert ports == []
