"""Every request field that takes the id of another resource, tried by a hostile project
with the victim project's id: each is refused as OpenStack refuses it (a 404 where the
resource is looked up as the caller sees it, a 400 where Nova's boot turns that into a
bad request), and nothing of the victim's changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.hostile import World, build_world

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


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = build_world(tmp_path_factory.mktemp("tenancy-ids"))
    public = w.ok("mallory", "GET", "/network/v2.0/networks?name=public")["networks"]
    w.ids["public_net"] = public[0]["id"]
    _volumes(w)
    _groups(w)
    _backups(w)
    yield w
    w.close()


def _volumes(w: World) -> None:
    """Both servers ACTIVE (the world's reconciler is stopped: converged here), the victim's
    volume attached to the victim's server, and a volume of mallory's."""
    servers = w.deps.reconciler.convergers["compute"]
    for who in ("victim", "mallory"):
        sid = w.ids[f"{who}_server"]
        for _ in range(10):
            if not servers.converge(sid):
                break
        assert w.ok(who, "GET", f"/compute/v2.1/servers/{sid}")["server"]["status"] == "ACTIVE"
        project = w.ids["victim_project"] if who == "victim" else w.ids["mallory_project"]
        w.ids[f"{who}_volume"] = w.ok(who, "POST", f"/volume/v3/{project}/volumes", {
            "volume": {"size": 1, "name": f"{who}-volume"}})["volume"]["id"]
    w.ok("victim", "POST", f"/compute/v2.1/servers/{w.ids['victim_server']}/"
         "os-volume_attachments", {"volumeAttachment": {"volumeId": w.ids["victim_volume"]}})
    w.deps.reconciler.convergers["block-storage"].converge(w.ids["victim_volume"])
    assert w.ok("victim", "GET", f"/volume/v3/{w.ids['victim_project']}/volumes/"
                f"{w.ids['victim_volume']}")["volume"]["status"] == "in-use"


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
    r = world.call("mallory", method, _fill(path, world.ids), _fill(body, world.ids))
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
    r = world.call("mallory", method, _fill(path, world.ids), _fill(body, world.ids), MV)
    assert r.status_code == status, (field, r.status_code, r.text)
    keys = world.ok("victim", "GET", "/compute/v2.1/os-keypairs")["keypairs"]
    assert [k["keypair"]["name"] for k in keys] == ["victim-key"]


# Cinder: the victim's volume and attachment from mallory's project (whose URL she uses)
VM = {"OpenStack-API-Version": "volume 3.71"}
MV3 = "/volume/v3/{mallory_volume_project}"
CASES_VOLUME: list[tuple[str, str, str, Any, int]] = [
    ("os-attach on another's volume", "POST", MV3 + "/volumes/{victim_volume_free}/action",
     {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}}, 404),
    ("os-reserve on another's volume", "POST", MV3 + "/volumes/{victim_volume_free}/action",
     {"os-reserve": {}}, 404),
    ("os-detach of another's volume", "POST", MV3 + "/volumes/{victim_volume}/action",
     {"os-detach": {}}, 404),
    ("os-initialize_connection of another's volume", "POST",
     MV3 + "/volumes/{victim_volume}/action",
     {"os-initialize_connection": {"connector": {"host": "h"}}}, 404),
    # Cinder's answer to an attachment it cannot see (as to an unknown one)
    ("os-detach attachment_id of another's", "POST", MV3 + "/volumes/{mallory_volume}/action",
     {"os-detach": {"attachment_id": "{victim_attachment}"}}, 409),
    ("attachment create volume_uuid", "POST", MV3 + "/attachments",
     {"attachment": {"volume_uuid": "{victim_volume_free}"}}, 404),
    ("attachment show", "GET", MV3 + "/attachments/{victim_attachment}", None, 404),
    ("attachment update", "PUT", MV3 + "/attachments/{victim_attachment}",
     {"attachment": {"connector": {"host": "m"}}}, 404),
    ("attachment complete", "POST", MV3 + "/attachments/{victim_attachment}/action",
     {"os-complete": None}, 404),
    ("attachment delete", "DELETE", MV3 + "/attachments/{victim_attachment}", None, 404),
]


def _victim_volumes(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    r = w.call("victim", "GET", f"{v3}/volumes/detail", headers=VM)
    a = w.call("victim", "GET", f"{v3}/attachments/detail", headers=VM)
    s = w.call("victim", "GET", f"/compute/v2.1/servers/{w.ids['victim_server']}",
               headers={"OpenStack-API-Version": "compute 2.90"})
    return {"volumes": r.json(), "attachments": a.json(),
            "server volumes": s.json()["server"]["os-extended-volumes:volumes_attached"],
            "mounts": dict(getattr(w.deps.blocks, "mounted", {}))}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_VOLUME,
                         ids=[c[0] for c in CASES_VOLUME])
def test_a_foreign_volume_or_attachment_is_refused(world: World, field: str, method: str,
                                                   path: str, body: Any, status: int) -> None:
    before = _victim_volumes(world)
    r = world.call("mallory", method, _fill(path, world.ids), _fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_volumes(world) == before


@pytest.mark.parametrize("how", ["os-attach", "attachments"])
def test_another_projects_server_is_recorded_never_mounted(world: World, how: str) -> None:
    """Cinder records an instance it cannot check; here a server of another project is
    such an instance: nothing is mounted into it, and the victim sees nothing."""
    before = _victim_volumes(world)
    v3 = _fill(MV3, world.ids)
    vid = world.ids["mallory_volume_2" if how == "attachments" else "mallory_volume"]
    if how == "os-attach":
        r = world.call("mallory", "POST", f"{v3}/volumes/{vid}/action", {"os-attach": {
            "instance_uuid": world.ids["victim_server"], "mountpoint": "/dev/vdb"}}, VM)
        assert r.status_code == 202, r.text
    else:
        r = world.call("mallory", "POST", f"{v3}/attachments", {"attachment": {
            "volume_uuid": vid, "instance_uuid": world.ids["victim_server"],
            "connector": {"host": "m"}}}, VM)
        assert r.status_code == 200 and r.json()["attachment"]["instance"] is None, r.text
    world.deps.reconciler.pass_once()  # whatever the converger would do, it did
    shown = world.call("mallory", "GET", f"{v3}/volumes/{vid}", headers=VM).json()["volume"]
    assert all(a["server_id"] is None for a in shown["attachments"])
    assert _victim_volumes(world) == before


# Cinder's groups: the victim's group (holding a volume) and group snapshot, named from
# mallory's project; mallory has a group of the same types
def _groups(w: World) -> None:
    v3 = "/volume/v3/{}"
    h = VM
    token = w.tokens["admin"]
    admin = w.call("admin", "GET", "/identity/v3/auth/tokens", headers={
        "X-Subject-Token": token}).json()["token"]["project"]["id"]
    vt = w.call("admin", "POST", v3.format(admin) + "/types", {"volume_type": {
        "name": "tenancy-vt"}}, h).json()["volume_type"]["id"]
    gt = w.call("admin", "POST", v3.format(admin) + "/group_types", {"group_type": {
        "name": "tenancy-gt"}}, h).json()["group_type"]["id"]
    for who in ("victim", "mallory"):
        base = v3.format(w.ids[f"{who}_volume_project"])
        r = w.call(who, "POST", base + "/groups", {"group": {
            "group_type": gt, "volume_types": [vt]}}, h)
        assert r.status_code == 202, r.text
        w.ids[f"{who}_vgroup"] = r.json()["group"]["id"]
        r = w.call(who, "POST", base + "/volumes", {"volume": {
            "size": 1, "volume_type": vt, "group_id": w.ids[f"{who}_vgroup"]}}, h)
        assert r.status_code == 202, r.text
        w.ids[f"{who}_grouped_volume"] = r.json()["volume"]["id"]
    r = w.call("victim", "POST", v3.format(w.ids["victim_volume_project"]) +
               "/group_snapshots", {"group_snapshot": {"group_id": w.ids["victim_vgroup"]}}, h)
    assert r.status_code == 202, r.text
    w.ids["victim_group_snapshot"] = r.json()["group_snapshot"]["id"]
    w.ids["tenancy_vt"] = vt


CASES_GROUP: list[tuple[str, str, str, Any, int]] = [
    ("group show", "GET", MV3 + "/groups/{victim_vgroup}", None, 404),
    ("group update", "PUT", MV3 + "/groups/{victim_vgroup}", {"group": {"name": "x"}}, 404),
    ("group delete", "POST", MV3 + "/groups/{victim_vgroup}/action",
     {"delete": {"delete-volumes": True}}, 404),
    ("group from source_group_id", "POST", MV3 + "/groups/action",
     {"create-from-src": {"source_group_id": "{victim_vgroup}"}}, 404),
    ("group from group_snapshot_id", "POST", MV3 + "/groups/action",
     {"create-from-src": {"group_snapshot_id": "{victim_group_snapshot}"}}, 404),
    ("group snapshot of another's group", "POST", MV3 + "/group_snapshots",
     {"group_snapshot": {"group_id": "{victim_vgroup}"}}, 404),
    ("group snapshot show", "GET", MV3 + "/group_snapshots/{victim_group_snapshot}", None,
     404),
    ("group snapshot delete", "DELETE", MV3 + "/group_snapshots/{victim_group_snapshot}",
     None, 404),
    ("volume create group_id", "POST", MV3 + "/volumes",
     {"volume": {"size": 1, "volume_type": "{tenancy_vt}", "group_id": "{victim_vgroup}"}},
     404),
    # Cinder's InvalidVolume ("... because volume cannot be found."): a 400
    ("group update add_volumes", "PUT", MV3 + "/groups/{mallory_vgroup}",
     {"group": {"add_volumes": "{victim_volume_free}"}}, 400),
    ("group update remove_volumes", "PUT", MV3 + "/groups/{mallory_vgroup}",
     {"group": {"remove_volumes": "{victim_grouped_volume}"}}, 400),
]


def _victim_groups(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    return {k: w.call("victim", "GET", f"{v3}/{k}", headers=VM).json()
            for k in ("groups/detail", "group_snapshots/detail", "volumes/detail",
                      "snapshots/detail")}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_GROUP,
                         ids=[c[0] for c in CASES_GROUP])
def test_a_foreign_group_or_group_snapshot_is_refused(world: World, field: str, method: str,
                                                      path: str, body: Any,
                                                      status: int) -> None:
    before = _victim_groups(world)
    r = world.call("mallory", method, _fill(path, world.ids), _fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    if status == 400:
        assert "cannot be found" in r.text or "not in the group" in r.text, r.text
    assert _victim_groups(world) == before
# Cinder's backups: the victim's backup, named from mallory's project; mallory's own
# volume as a restore target
def _backups(w: World) -> None:
    v3 = "/volume/v3/{}"
    for who in ("victim", "mallory"):
        base = v3.format(w.ids[f"{who}_volume_project"])
        r = w.call(who, "POST", base + "/volumes", {"volume": {"size": 1}}, VM)
        assert r.status_code == 202, r.text
        w.ids[f"{who}_backed_volume"] = r.json()["volume"]["id"]
    # mallory tries to restore into the victim's volume with mallory's own backup
    r = w.call("mallory", "POST", v3.format(w.ids["mallory_volume_project"]) + "/backups",
               {"backup": {"volume_id": w.ids["mallory_backed_volume"]}}, VM)
    assert r.status_code == 202, r.text
    w.ids["mallory_backup"] = r.json()["backup"]["id"]
    r = w.call("victim", "POST", v3.format(w.ids["victim_volume_project"]) + "/backups",
               {"backup": {"volume_id": w.ids["victim_backed_volume"]}}, VM)
    assert r.status_code == 202, r.text
    w.ids["victim_backup"] = r.json()["backup"]["id"]


CASES_BACKUP: list[tuple[str, str, str, Any, int]] = [
    ("backup of another's volume", "POST", MV3 + "/backups",
     {"backup": {"volume_id": "{victim_backed_volume}"}}, 404),
    ("backup show", "GET", MV3 + "/backups/{victim_backup}", None, 404),
    ("backup update", "PUT", MV3 + "/backups/{victim_backup}", {"backup": {"name": "x"}},
     404),
    ("backup delete", "DELETE", MV3 + "/backups/{victim_backup}", None, 404),
    ("backup restore into one's volume", "POST", MV3 + "/backups/{victim_backup}/restore",
     {"restore": {"volume_id": "{mallory_backed_volume}"}}, 404),
    ("backup restore to a new volume", "POST", MV3 + "/backups/{victim_backup}/restore",
     {"restore": {}}, 404),
    ("restore into another's volume", "POST", MV3 + "/backups/{mallory_backup}/restore",
     {"restore": {"volume_id": "{victim_backed_volume}"}}, 404),
    ("volume create backup_id", "POST", MV3 + "/volumes",
     {"volume": {"size": 1, "backup_id": "{victim_backup}"}}, 404),
]


def _victim_backups(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    return {k: w.call("victim", "GET", f"{v3}/{k}", headers=VM).json()
            for k in ("backups/detail", "volumes/detail")}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_BACKUP,
                         ids=[c[0] for c in CASES_BACKUP])
def test_a_foreign_backup_is_refused(world: World, field: str, method: str, path: str,
                                     body: Any, status: int) -> None:
    before = _victim_backups(world)
    r = world.call("mallory", method, _fill(path, world.ids), _fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_backups(world) == before


def test_mallorys_listing_shows_no_foreign_backup(world: World) -> None:
    r = world.call("mallory", "GET", _fill(MV3 + "/backups/detail?all_tenants=1",
                                           world.ids), headers=VM)
    assert world.ids["victim_backup"] not in r.text


# Cinder's transfers and image metadata: another project's volume is a 404 at transfer
# create and to the image metadata actions; its transfer is the offering project's to
# list, show and delete (the accepter reaches it only at accept, with the key)
CASES_TRANSFER: list[tuple[str, str, str, Any, int]] = [
    *[(f"transfer create volume_id ({p})", "POST", MV3 + f"/{p}",
       {"transfer": {"volume_id": "{victim_volume_free}"}}, 404)
      for p in ("os-volume-transfer", "volume-transfers")],
    *[(f"transfer show ({p})", "GET", MV3 + f"/{p}/{{victim_transfer}}", None, 404)
      for p in ("os-volume-transfer", "volume-transfers")],
    *[(f"transfer delete ({p})", "DELETE", MV3 + f"/{p}/{{victim_transfer}}", None, 404)
      for p in ("os-volume-transfer", "volume-transfers")],
    ("transfer accept with a wrong key", "POST",
     MV3 + "/os-volume-transfer/{victim_transfer}/accept",
     {"accept": {"auth_key": "0123456789abcdef"}}, 400),
    ("os-set_image_metadata on another's volume", "POST",
     MV3 + "/volumes/{victim_volume_free}/action",
     {"os-set_image_metadata": {"metadata": {"k": "v"}}}, 404),
    ("os-unset_image_metadata on another's volume", "POST",
     MV3 + "/volumes/{victim_volume_free}/action",
     {"os-unset_image_metadata": {"key": "k"}}, 404),
    ("os-show_image_metadata on another's volume", "POST",
     MV3 + "/volumes/{victim_volume_free}/action", {"os-show_image_metadata": None}, 404),
]


@pytest.fixture(scope="module")
def victim_transfer(world: World) -> str:
    v3 = f"/volume/v3/{world.ids['victim_volume_project']}"
    r = world.call("victim", "POST", f"{v3}/volumes", {"volume": {"size": 1}}, VM)
    assert r.status_code == 202, r.text
    r = world.call("victim", "POST", f"{v3}/os-volume-transfer", {"transfer": {
        "volume_id": r.json()["volume"]["id"]}}, VM)
    assert r.status_code == 202, r.text
    world.ids["victim_transfer"] = tid = str(r.json()["transfer"]["id"])
    return tid


def _victim_transfers(w: World) -> dict:
    v3 = f"/volume/v3/{w.ids['victim_volume_project']}"
    return {**_victim_volumes(w), "transfers": w.call(
        "victim", "GET", f"{v3}/os-volume-transfer/detail", headers=VM).json()}


@pytest.mark.parametrize(("field", "method", "path", "body", "status"), CASES_TRANSFER,
                         ids=[c[0] for c in CASES_TRANSFER])
def test_a_foreign_volume_or_transfer_is_refused(world: World, victim_transfer: str,
                                                 field: str, method: str, path: str,
                                                 body: Any, status: int) -> None:
    before = _victim_transfers(world)
    assert [t["id"] for t in before["transfers"]["transfers"]] == [victim_transfer]
    r = world.call("mallory", method, _fill(path, world.ids), _fill(body, world.ids), VM)
    assert r.status_code == status, (field, r.status_code, r.text)
    assert _victim_transfers(world) == before


def test_another_projects_transfers_are_not_listed(world: World,
                                                   victim_transfer: str) -> None:
    v3 = _fill(MV3, world.ids)
    for path in ("os-volume-transfer", "volume-transfers/detail"):
        r = world.call("mallory", "GET", f"{v3}/{path}?all_tenants=1", headers=VM)
        assert r.status_code == 200 and r.json()["transfers"] == [], r.text
