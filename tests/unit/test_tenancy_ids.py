"""Every request field that takes the id of another resource, tried by a hostile project
with the victim project's id: each is refused as OpenStack refuses it (a 404 where the
resource is looked up as the caller sees it, a 400 where Nova's boot turns that into a
bad request), and nothing of the victim's changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit import tenancy_world
from tests.unit.hostile import World
from tests.unit.tenancy_world import fill

S = "/compute/v2.1/servers"
N = "/network/v2.0"

# (field, method, path, body, status): "{name}" is replaced by the world's id of that name
CASES: list[tuple[str, str, str, Any, int]] = [
    # Neutron
    ("subnet network_id", "POST", N + "/subnets",
     {"subnet": {"network_id": "{victim_net}", "ip_version": 4, "cidr": "10.91.0.0/24"}}, 404),
    ("subnet subnetpool_id", "POST", N + "/subnets",
     {"subnet": {"network_id": "{mallory_net}", "ip_version": 4,
                 "subnetpool_id": "{victim_pool}"}}, 404),
    ("port network_id", "POST", N + "/ports", {"port": {"network_id": "{victim_net}"}}, 404),
    ("port fixed_ips subnet_id", "POST", N + "/ports",
     {"port": {"network_id": "{mallory_net}",
               "fixed_ips": [{"subnet_id": "{victim_subnet}"}]}}, 400),
    ("port security_groups (create)", "POST", N + "/ports",
     {"port": {"network_id": "{mallory_net}", "security_groups": ["{victim_sg}"]}}, 404),
    ("port security_groups (update)", "PUT", N + "/ports/{mallory_port}",
     {"port": {"security_groups": ["{victim_sg}"]}}, 404),
    ("port device_id: a server (create)", "POST", N + "/ports",
     {"port": {"network_id": "{mallory_net}", "device_id": "{victim_server}",
               "device_owner": "compute:nova"}}, 409),
    ("port device_id: a router (create)", "POST", N + "/ports",
     {"port": {"network_id": "{mallory_net}", "device_id": "{victim_router}",
               "device_owner": "network:router_interface"}}, 409),
    ("port device_id: a server (update)", "PUT", N + "/ports/{mallory_port}",
     {"port": {"device_id": "{victim_server}", "device_owner": "compute:nova"}}, 409),
    ("port device_id: a router (update)", "PUT", N + "/ports/{mallory_port}",
     {"port": {"device_id": "{victim_router}", "device_owner": "network:router_interface"}},
     409),
    ("port device_owner network:* on a shared network", "POST", N + "/ports",
     {"port": {"network_id": "{shared_net}", "device_owner": "network:router_interface"}},
     403),
    ("router external_gateway_info network_id (create)", "POST", N + "/routers",
     {"router": {"name": "r", "external_gateway_info": {"network_id": "{victim_net}"}}}, 404),
    ("router external_gateway_info network_id (update)", "PUT", N + "/routers/{mallory_router}",
     {"router": {"external_gateway_info": {"network_id": "{victim_net}"}}}, 404),
    ("router external_fixed_ips subnet_id", "PUT", N + "/routers/{mallory_router}",
     {"router": {"external_gateway_info": {
         "network_id": "{victim_net}",
         "external_fixed_ips": [{"subnet_id": "{victim_subnet}"}]}}}, 403),
    ("add_router_interface subnet_id", "PUT", N + "/routers/{mallory_router}/add_router_interface",
     {"subnet_id": "{victim_subnet}"}, 404),
    ("add_router_interface subnet_id of a shared network", "PUT",
     N + "/routers/{mallory_router}/add_router_interface", {"subnet_id": "{shared_subnet}"}, 400),
    ("add_router_interface port_id", "PUT", N + "/routers/{mallory_router}/add_router_interface",
     {"port_id": "{victim_port}"}, 404),
    ("add_router_interface on another's router", "PUT",
     N + "/routers/{victim_router}/add_router_interface", {"subnet_id": "{mallory_subnet}"}, 404),
    ("remove_router_interface on another's router", "PUT",
     N + "/routers/{victim_router}/remove_router_interface", {"subnet_id": "{victim_subnet}"},
     404),
    ("floatingip floating_network_id", "POST", N + "/floatingips",
     {"floatingip": {"floating_network_id": "{victim_net}"}}, 404),
    ("floatingip port_id", "POST", N + "/floatingips",
     {"floatingip": {"floating_network_id": "{public_net}", "port_id": "{victim_port}"}}, 404),
    ("floatingip subnet_id", "POST", N + "/floatingips",
     {"floatingip": {"floating_network_id": "{public_net}",
                     "subnet_id": "{victim_subnet}"}}, 400),
    ("security group rule security_group_id", "POST", N + "/security-group-rules",
     {"security_group_rule": {"security_group_id": "{victim_sg}", "direction": "ingress"}},
     404),
    ("security group rule remote_group_id", "POST", N + "/security-group-rules",
     {"security_group_rule": {"security_group_id": "{mallory_sg}", "direction": "ingress",
                              "remote_group_id": "{victim_sg}"}}, 404),
    # Nova: boot
    ("server networks uuid", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "1",
                 "networks": [{"uuid": "{victim_net}"}]}}, 400),
    ("server networks port", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "1",
                 "networks": [{"port": "{victim_port}"}]}}, 400),
    ("server networks uuid + fixed_ip", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "1",
                 "networks": [{"uuid": "{victim_net}", "fixed_ip": "10.0.0.99"}]}}, 400),
    ("server security_groups", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "1",
                 "networks": [{"uuid": "{mallory_net}"}],
                 "security_groups": [{"name": "{victim_sg}"}]}}, 400),
    ("server key_name", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "1",
                 "networks": [{"uuid": "{mallory_net}"}], "key_name": "victim-key"}}, 400),
    ("server imageRef", "POST", S,
     {"server": {"name": "x", "imageRef": "{victim_image}", "flavorRef": "1",
                 "networks": [{"uuid": "{mallory_net}"}]}}, 400),
    ("server block_device_mapping_v2 uuid", "POST", S,
     {"server": {"name": "x", "flavorRef": "1", "networks": [{"uuid": "{mallory_net}"}],
                 "block_device_mapping_v2": [{"uuid": "{victim_image}", "source_type": "image",
                                              "destination_type": "local", "boot_index": 0}]}},
     400),
    ("server flavorRef (private flavor)", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "{victim_flavor}",
                 "networks": [{"uuid": "{mallory_net}"}]}}, 400),
    ("os:scheduler_hints group", "POST", S,
     {"server": {"name": "x", "imageRef": "{image}", "flavorRef": "1",
                 "networks": [{"uuid": "{mallory_net}"}]},
      "os:scheduler_hints": {"group": "{victim_group}"}}, 400),
    # Nova: actions and sub-resources of the attacker's own server
    ("rebuild imageRef", "POST", S + "/{mallory_server}/action",
     {"rebuild": {"imageRef": "{victim_image}"}}, 400),
    ("resize flavorRef", "POST", S + "/{mallory_server}/action",
     {"resize": {"flavorRef": "{victim_flavor}"}}, 400),
    ("addSecurityGroup name (an id)", "POST", S + "/{mallory_server}/action",
     {"addSecurityGroup": {"name": "{victim_sg}"}}, 404),
    ("removeSecurityGroup name (an id)", "POST", S + "/{mallory_server}/action",
     {"removeSecurityGroup": {"name": "{victim_sg}"}}, 404),
    ("interface attach net_id", "POST", S + "/{mallory_server}/os-interface",
     {"interfaceAttachment": {"net_id": "{victim_net}"}}, 404),
    ("interface attach port_id", "POST", S + "/{mallory_server}/os-interface",
     {"interfaceAttachment": {"port_id": "{victim_port}"}}, 404),
    ("interface show port_id of another server", "GET",
     S + "/{mallory_server}/os-interface/{victim_port}", None, 404),
    ("interface detach port_id of another server", "DELETE",
     S + "/{mallory_server}/os-interface/{victim_port}", None, 404),
    # Nova: volume attachments (the victim's volume is attached to the victim's server)
    ("volume attach volumeId", "POST", S + "/{mallory_server}/os-volume_attachments",
     {"volumeAttachment": {"volumeId": "{victim_volume}"}}, 404),
    ("volume attach to another's server", "POST", S + "/{victim_server}/os-volume_attachments",
     {"volumeAttachment": {"volumeId": "{mallory_volume}"}}, 404),
    ("volume attachments of another's server", "GET",
     S + "/{victim_server}/os-volume_attachments", None, 404),
    ("volume attachment show on another's server", "GET",
     S + "/{victim_server}/os-volume_attachments/{victim_volume}", None, 404),
    ("volume attachment show of another's volume", "GET",
     S + "/{mallory_server}/os-volume_attachments/{victim_volume}", None, 404),
    ("volume attachment update on another's server", "PUT",
     S + "/{victim_server}/os-volume_attachments/{victim_volume}",
     {"volumeAttachment": {"volumeId": "{victim_volume}"}}, 404),
    ("volume detach from another's server", "DELETE",
     S + "/{victim_server}/os-volume_attachments/{victim_volume}", None, 404),
    ("volume detach of another's volume", "DELETE",
     S + "/{mallory_server}/os-volume_attachments/{victim_volume}", None, 404),
    ("os-volumes show of another's volume", "GET",
     "/compute/v2.1/os-volumes/{victim_volume}", None, 404),
    ("os-volumes delete of another's volume", "DELETE",
     "/compute/v2.1/os-volumes/{victim_volume}", None, 404),
    ("os-snapshots create of another's volume", "POST", "/compute/v2.1/os-snapshots",
     {"snapshot": {"volume_id": "{victim_volume_free}", "force": True}}, 400),
    ("os-snapshots show of another's snapshot", "GET",
     "/compute/v2.1/os-snapshots/{victim_snapshot}", None, 404),
    ("os-snapshots delete of another's snapshot", "DELETE",
     "/compute/v2.1/os-snapshots/{victim_snapshot}", None, 404),
    ("server group show", "GET", "/compute/v2.1/os-server-groups/{victim_group}", None, 404),
    ("server group delete", "DELETE", "/compute/v2.1/os-server-groups/{victim_group}", None,
     404),
    ("flavor show (private flavor)", "GET", "/compute/v2.1/flavors/{victim_flavor}", None, 404),
    ("quota set of another project", "GET", "/compute/v2.1/os-quota-sets/{victim_project}",
     None, 403),
    ("network tags of another's network", "PUT", N + "/networks/{victim_net}/tags/x", None,
     404),
    ("network quotas of another project", "PUT", N + "/quotas/{victim_project}",
     {"quota": {"port": 1}}, 403),
    # Glance
    ("image tag on another's image", "PUT", "/image/v2/images/{victim_image}/tags/x", None,
     404),
    ("image member add on another's image", "POST", "/image/v2/images/{victim_image}/members",
     {"member": "{mallory_project}"}, 404),
    ("image member status on another's image", "PUT",
     "/image/v2/images/{victim_image}/members/{mallory_project}", {"status": "accepted"}, 404),
]


# requests that name another user from a microversion on (Nova's keypair user_id, 2.10)
MV = {"OpenStack-API-Version": "compute 2.10"}
CASES_MV: list[tuple[str, str, str, Any, int]] = [
    ("keypair create user_id", "POST", "/compute/v2.1/os-keypairs",
     {"keypair": {"name": "planted", "user_id": "{victim_user}"}}, 403),
    ("keypair list user_id", "GET", "/compute/v2.1/os-keypairs?user_id={victim_user}", None,
     403),
    ("keypair show user_id", "GET",
     "/compute/v2.1/os-keypairs/victim-key?user_id={victim_user}", None, 403),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = tenancy_world.build(tmp_path_factory.mktemp("tenancy-ids"))
    yield w
    w.close()


def _victim_state(w: World) -> dict:
    """What the victim sees of its own resources (nothing of it may change)."""
    return {"ports": w.ok("victim", "GET", "/network/v2.0/ports")["ports"],
            "router": w.ok("victim", "GET", f"/network/v2.0/routers/{w.ids['victim_router']}"),
            "rules": w.ok("victim", "GET", "/network/v2.0/security-group-rules"),
            "group": w.ok("victim", "GET", "/compute/v2.1/os-server-groups/"
                          f"{w.ids['victim_group']}"),
            "members": w.ok("victim", "GET",
                            f"/image/v2/images/{w.ids['victim_image']}/members"),
            "volumes": w.ok("victim", "GET",
                            f"/volume/v3/{w.ids['victim_project']}/volumes/detail"),
            "attachments": w.ok("victim", "GET", f"/compute/v2.1/servers/"
                                f"{w.ids['victim_server']}/os-volume_attachments")}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES,
                         ids=[c[0] for c in CASES])
def test_a_foreign_id_is_refused(world: World, field: str, method: str, path: str,
                                 body: Any, status: int) -> None:
    before = _victim_state(world)
    r = world.call("mallory", method, fill(path, world.ids), fill(body, world.ids))
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_state(world) == before


def test_the_victim_may_use_its_own_ids(world: World) -> None:
    """The same requests succeed for the owner: the refusals above are about ownership."""
    body = {"server": {"name": "grouped", "imageRef": world.ids["image"],
                       "flavorRef": world.ids["victim_flavor"],
                       "networks": [{"uuid": world.ids["victim_net"]}]},
            "os:scheduler_hints": {"group": world.ids["victim_group"]}}
    assert world.call("victim", "POST", S, body).status_code == 202
    r = world.call("admin", "POST", S, body)  # the admin may name any project's group
    assert r.status_code == 202, r.text


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_MV,
                         ids=[c[0] for c in CASES_MV])
def test_another_user_is_refused(world: World, field: str, method: str, path: str,
                                 body: Any, status: int) -> None:
    r = world.call("mallory", method, fill(path, world.ids), fill(body, world.ids), MV)
    assert r.status_code == status, (field, r.status_code, r.text)
    keys = world.ok("victim", "GET", "/compute/v2.1/os-keypairs")["keypairs"]
    assert [k["keypair"]["name"] for k in keys] == ["victim-key"]
