"""Cinder answers checked against Tempest's own response schemas (tempest.lib), at the
microversions where Tempest's volumes client switches schema module (3.0, 3.61, 3.63,
3.64, 3.65, 3.69), as the admin (who sees the most fields) and as a member.

In process (the unit tests' app over the fake storage), but here rather than in
tests/unit: there, tests/unit/test_support_matrix.py puts scripts/ first on sys.path,
and its scripts/tempest.py then shadows the tempest package in the same worker."""

from __future__ import annotations

import base64
import importlib
import json
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx
import pytest
from tempest.lib.api_schema.response.volume import (
    group_snapshots,
    group_types,
    groups,
    limits,
    quotas,
    snapshots,
    versions,
    volume_types,
)
from tempest.lib.common.rest_client import RestClient

from tests.unit.conftest import DEMO_PASSWORD, Api

SCHEMAS = {"3.0": "volumes", "3.61": "v3_61.volumes", "3.63": "v3_63.volumes",
           "3.64": "v3_64.volumes", "3.65": "v3_65.volumes", "3.69": "v3_69.volumes",
           "3.71": "v3_69.volumes"}


def _module(version: str) -> ModuleType:
    return importlib.import_module(
        f"tempest.lib.api_schema.response.volume.{SCHEMAS[version]}")


def _check(schema: dict, r: httpx.Response) -> None:
    body = r.json() if r.content else None
    RestClient.validate_response(schema, SimpleNamespace(status=r.status_code), body)


def _project(api: Api, token: str) -> str:
    r = api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": token, "X-Subject-Token": token})
    return str(r.json()["token"]["project"]["id"])


@pytest.mark.parametrize("who", ["admin", "demo"])
@pytest.mark.parametrize("version", sorted(SCHEMAS))
def test_volume_documents_match_tempest(api: Api, version: str, who: str) -> None:
    token = api.admin() if who == "admin" else api.token("demo", DEMO_PASSWORD, "demo")
    base = f"/volume/v3/{_project(api, token)}"
    h = {"X-Auth-Token": token, "OpenStack-API-Version": f"volume {version}"}

    def call(method: str, path: str, body: Any = None) -> httpx.Response:
        return api.client.request(method, base + path, json=body, headers=h)

    s = _module(version)
    r = call("POST", "/volumes", {"volume": {"size": 1, "name": "t", "metadata": {"a": "b"}}})
    _check(s.create_volume, r)
    vid = r.json()["volume"]["id"]
    _check(s.show_volume, call("GET", f"/volumes/{vid}"))
    _check(s.list_volumes_no_detail, call("GET", "/volumes?limit=1"))
    _check(s.list_volumes_with_detail, call("GET", "/volumes/detail"))
    _check(s.update_volume, call("PUT", f"/volumes/{vid}", {"volume": {"name": "u"}}))
    _check(s.set_bootable_volume, call("POST", f"/volumes/{vid}/action",
                                       {"os-set_bootable": {"bootable": True}}))
    # attached (to a host by name: recorded), as show and detail list it; then detached
    _check(s.attach_volume, call("POST", f"/volumes/{vid}/action", {"os-attach": {
        "host_name": "tempest-host", "mountpoint": "/dev/vdb", "mode": "rw"}}))
    r = call("GET", f"/volumes/{vid}")
    _check(s.show_volume, r)
    assert r.json()["volume"]["attachments"][0]["host_name"] == "tempest-host"
    _check(s.list_volumes_with_detail, call("GET", "/volumes/detail"))
    _check(s.detach_volume, call("POST", f"/volumes/{vid}/action", {"os-detach": {}}))
    _check(s.reserve_volume, call("POST", f"/volumes/{vid}/action", {"os-reserve": {}}))
    _check(s.unreserve_volume, call("POST", f"/volumes/{vid}/action", {"os-unreserve": {}}))
    # Tempest checks this one against its 3.0 schema at every version
    _check(_module("3.0").terminate_connection, call("POST", f"/volumes/{vid}/action", {
        "os-terminate_connection": {"connector": {"host": "tempest-host"}}}))
    if who == "admin":
        _check(s.force_detach_volume, call("POST", f"/volumes/{vid}/action", {
            "os-force_detach": {"connector": None}}))
    _check(s.update_volume_readonly, call("POST", f"/volumes/{vid}/action",
                                          {"os-update_readonly_flag": {"readonly": True}}))
    _check(s.extend_volume, call("POST", f"/volumes/{vid}/action",
                                 {"os-extend": {"new_size": 2}}))
    if who == "admin":
        _check(s.reset_volume_status, call("POST", f"/volumes/{vid}/action",
                                           {"os-reset_status": {"status": "available"}}))
    _check(s.delete_volume, call("DELETE", f"/volumes/{vid}"))


def test_types_quotas_limits_versions_match_tempest(api: Api) -> None:
    token = api.admin()
    project = _project(api, token)
    base = f"/volume/v3/{project}"
    h = {"X-Auth-Token": token}

    def call(method: str, path: str, body: Any = None) -> httpx.Response:
        return api.client.request(method, base + path, json=body, headers=h)

    _check(versions.list_versions, api.client.get("/volume/"))
    r = call("POST", "/types", {"volume_type": {"name": "t", "extra_specs": {"k": "v"}}})
    _check(volume_types.create_volume_type, r)
    tid = r.json()["volume_type"]["id"]
    _check(volume_types.show_volume_type, call("GET", f"/types/{tid}"))
    _check(volume_types.list_volume_types, call("GET", "/types"))
    _check(volume_types.update_volume_types, call("PUT", f"/types/{tid}", {
        "volume_type": {"description": "d"}}))
    _check(volume_types.create_volume_types_extra_specs, call(
        "POST", f"/types/{tid}/extra_specs", {"extra_specs": {"x": "y"}}))
    _check(volume_types.list_volume_types_extra_specs, call("GET", f"/types/{tid}/extra_specs"))
    _check(volume_types.show_volume_types_extra_specs, call("GET",
                                                            f"/types/{tid}/extra_specs/x"))
    _check(volume_types.update_volume_type_extra_specs, call(
        "PUT", f"/types/{tid}/extra_specs/x", {"x": "z"}))
    _check(volume_types.delete_volume_types_extra_specs, call(
        "DELETE", f"/types/{tid}/extra_specs/x"))
    _check(volume_types.delete_volume_type, call("DELETE", f"/types/{tid}"))
    _check(quotas.show_quota_set, call("GET", f"/os-quota-sets/{project}"))
    _check(quotas.show_quota_set, call("GET", f"/os-quota-sets/{project}/defaults"))
    _check(quotas.show_quota_set_usage, call("GET", f"/os-quota-sets/{project}?usage=True"))
    _check(quotas.update_quota_set, call("PUT", f"/os-quota-sets/{project}", {
        "quota_set": {"volumes": 11}}))
    _check(quotas.delete_quota_set, call("DELETE", f"/os-quota-sets/{project}"))
    _check(limits.show_limits, call("GET", "/limits"))


@pytest.mark.parametrize("who", ["admin", "demo"])
def test_snapshot_documents_match_tempest(api: Api, who: str) -> None:
    """Tempest's snapshots client sends no microversion: Cinder's 3.0 documents."""
    token = api.admin() if who == "admin" else api.token("demo", DEMO_PASSWORD, "demo")
    base = f"/volume/v3/{_project(api, token)}"
    h = {"X-Auth-Token": token}

    def call(method: str, path: str, body: Any = None) -> httpx.Response:
        return api.client.request(method, base + path, json=body, headers=h)

    vid = call("POST", "/volumes", {"volume": {"size": 1}}).json()["volume"]["id"]
    r = call("POST", "/snapshots", {"snapshot": {"volume_id": vid, "name": "s",
                                                 "metadata": {"a": "b"}}})
    _check(snapshots.create_snapshot, r)
    sid = r.json()["snapshot"]["id"]
    _check(snapshots.show_snapshot, call("GET", f"/snapshots/{sid}"))
    _check(snapshots.list_snapshots_no_detail, call("GET", "/snapshots?limit=1"))
    _check(snapshots.list_snapshots_with_detail, call("GET", "/snapshots/detail?limit=1"))
    _check(snapshots.update_snapshot, call("PUT", f"/snapshots/{sid}", {
        "snapshot": {"name": "t", "description": "d"}}))
    _check(snapshots.create_snapshot_metadata, call("POST", f"/snapshots/{sid}/metadata", {
        "metadata": {"c": "d"}}))
    _check(snapshots.show_snapshot_metadata, call("GET", f"/snapshots/{sid}/metadata"))
    _check(snapshots.update_snapshot_metadata, call("PUT", f"/snapshots/{sid}/metadata", {
        "metadata": {"e": "f"}}))
    _check(snapshots.update_snapshot_metadata_item, call(
        "PUT", f"/snapshots/{sid}/metadata/e", {"meta": {"e": "g"}}))
    _check(snapshots.show_snapshot_metadata_item, call("GET", f"/snapshots/{sid}/metadata/e"))
    _check(snapshots.delete_snapshot_metadata_item, call(
        "DELETE", f"/snapshots/{sid}/metadata/e"))
    # volumes made from it and from its volume, as the volumes client sees them
    s = _module("3.0")
    r = call("POST", "/volumes", {"volume": {"snapshot_id": sid}})
    _check(s.create_volume, r)
    _check(s.show_volume, call("GET", f"/volumes/{r.json()['volume']['id']}"))
    r = call("POST", "/volumes", {"volume": {"source_volid": vid, "size": 2}})
    _check(s.create_volume, r)
    _check(s.show_volume, call("GET", f"/volumes/{r.json()['volume']['id']}"))
    if who == "admin":
        _check(snapshots.reset_snapshot_status, call("POST", f"/snapshots/{sid}/action", {
            "os-reset_status": {"status": "creating"}}))
        _check(snapshots.update_snapshot_status, call("POST", f"/snapshots/{sid}/action", {
            "os-update_snapshot_status": {"status": "available"}}))
        _check(snapshots.force_delete_snapshot, call("POST", f"/snapshots/{sid}/action", {
            "os-force_delete": {}}))
    else:
        _check(snapshots.delete_snapshot, call("DELETE", f"/snapshots/{sid}"))
    _check(limits.show_limits, call("GET", "/limits"))


def test_messages_and_upload_match_tempest(api: Api) -> None:
    """A volume no backend takes (Tempest's test_user_messages: a type whose
    storage_protocol and vendor_name match nothing), its message listed, shown and
    deleted; and os-volume_upload_image's 202 (its schema is commented out in Tempest)."""
    from tempest.lib.api_schema.response.volume import messages

    token = api.admin()
    base = f"/volume/v3/{_project(api, token)}"
    h = {"X-Auth-Token": token, "OpenStack-API-Version": "volume 3.3"}

    def call(method: str, path: str, body: Any = None) -> httpx.Response:
        return api.client.request(method, base + path, json=body, headers=h)

    vt = call("POST", "/types", {"volume_type": {"name": "bogus", "extra_specs": {
        "storage_protocol": "tempest-x", "vendor_name": "tempest-y"}}}).json()["volume_type"]
    vid = call("POST", "/volumes", {"volume": {"size": 1, "volume_type": vt["id"]}}
               ).json()["volume"]["id"]
    assert call("GET", f"/volumes/{vid}").json()["volume"]["status"] == "error"
    r = call("GET", "/messages")
    _check(messages.list_messages, r)
    (mid,) = [m["id"] for m in r.json()["messages"] if m.get("resource_uuid") == vid]
    _check(messages.show_message, call("GET", f"/messages/{mid}"))
    _check(messages.delete_message, call("DELETE", f"/messages/{mid}"))
    ok = call("POST", "/volumes", {"volume": {"size": 1}}).json()["volume"]["id"]
    r = call("POST", f"/volumes/{ok}/action", {"os-volume_upload_image": {
        "image_name": "up", "disk_format": "raw"}})
    assert r.status_code == 202, r.text
TRANSFER_SCHEMAS = {"3.0": "transfers", "3.55": "v3_55.transfers", "3.57": "v3_57.transfers",
                    "3.71": "v3_57.transfers"}


@pytest.mark.parametrize("path", ["os-volume-transfer", "volume-transfers"])
@pytest.mark.parametrize("version", sorted(TRANSFER_SCHEMAS))
def test_transfer_documents_match_tempest(api: Api, version: str, path: str) -> None:
    """Created by demo, accepted by the admin's project; Tempest's transfers clients
    switch schema module at 3.55 and 3.57."""
    s = importlib.import_module(
        f"tempest.lib.api_schema.response.volume.{TRANSFER_SCHEMAS[version]}")
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    admin = api.admin()

    def call(token: str, method: str, sub: str, body: Any = None) -> httpx.Response:
        return api.client.request(method, f"/volume/v3/{_project(api, token)}{sub}",
                                  json=body, headers={
                                      "X-Auth-Token": token,
                                      "OpenStack-API-Version": f"volume {version}"})

    for accepted in (False, True):
        vid = call(demo, "POST", "/volumes", {"volume": {"size": 1}}).json()["volume"]["id"]
        r = call(demo, "POST", f"/{path}", {"transfer": {"volume_id": vid, "name": "t"}})
        _check(s.create_volume_transfer, r)
        tid, key = r.json()["transfer"]["id"], r.json()["transfer"]["auth_key"]
        _check(s.show_volume_transfer, call(demo, "GET", f"/{path}/{tid}"))
        _check(s.list_volume_transfers_no_detail, call(demo, "GET", f"/{path}"))
        _check(s.list_volume_transfers_with_detail, call(demo, "GET", f"/{path}/detail"))
        if accepted:
            _check(s.accept_volume_transfer, call(admin, "POST", f"/{path}/{tid}/accept",
                                                  {"accept": {"auth_key": key}}))
            call(admin, "DELETE", f"/volumes/{vid}")
        else:
            _check(s.delete_volume_transfer, call(demo, "DELETE", f"/{path}/{tid}"))
            call(demo, "DELETE", f"/volumes/{vid}")


def test_image_metadata_documents_match_tempest(api: Api) -> None:
    token = api.token("demo", DEMO_PASSWORD, "demo")
    base = f"/volume/v3/{_project(api, token)}"
    h = {"X-Auth-Token": token}

    def action(vid: str, body: Any) -> httpx.Response:
        return api.client.post(f"{base}/volumes/{vid}/action", json=body, headers=h)

    s = _module("3.0")
    vid = api.client.post(f"{base}/volumes", json={"volume": {"size": 1}}, headers=h
                          ).json()["volume"]["id"]
    _check(s.update_volume_image_metadata, action(vid, {"os-set_image_metadata": {
        "metadata": {"image_id": "i", "ramdisk_id": "r"}}}))
    _check(s.show_volume, api.client.get(f"{base}/volumes/{vid}", headers=h))
    _check(s.delete_volume_image_metadata, action(vid, {"os-unset_image_metadata": {
        "key": "ramdisk_id"}}))
    _check(s.show_volume_image_metadata, action(vid, {"os-show_image_metadata": None}))


@pytest.mark.parametrize("version", ["3.14", "3.20"])
def test_group_documents_match_tempest(api: Api, version: str) -> None:
    """Tempest's group clients send the test class's microversion (3.13 to 3.20); the
    admin writes the types, a member makes the groups and group snapshots."""
    admin = api.admin()
    demo = api.token("demo", DEMO_PASSWORD, "demo")

    def call(method: str, path: str, body: Any = None, token: str = demo) -> httpx.Response:
        return api.client.request(method, f"/volume/v3/{_project(api, token)}{path}",
                                  json=body, headers={
                                      "X-Auth-Token": token,
                                      "OpenStack-API-Version": f"volume {version}"})

    r = call("POST", "/group_types", {"group_type": {
        "name": f"gt-{version}", "description": "d", "is_public": True,
        "group_specs": {"consistent_group_snapshot_enabled": "<is> False"}}}, admin)
    _check(group_types.create_group_type, r)
    gt = r.json()["group_type"]["id"]
    _check(group_types.show_group_type, call("GET", f"/group_types/{gt}", token=admin))
    _check(group_types.show_group_type, call("GET", f"/group_types/{gt}"))
    _check(group_types.list_group_types, call("GET", "/group_types?sort=name:asc",
                                              token=admin))
    _check(group_types.list_group_types, call("GET", "/group_types"))
    _check(group_types.update_group_type, call("PUT", f"/group_types/{gt}", {
        "group_type": {"name": f"gt2-{version}", "description": "d2"}}, admin))
    specs = f"/group_types/{gt}/group_specs"
    _check(group_types.create_or_update_group_type_specs, call(
        "POST", specs, {"group_specs": {"k1": "v1", "k2": "v2"}}, admin))
    _check(group_types.list_group_type_specs, call("GET", specs, token=admin))
    _check(group_types.show_group_type_specs_item, call("GET", f"{specs}/k1", token=admin))
    _check(group_types.update_group_type_specs_item, call(
        "PUT", f"{specs}/k1", {"k1": "v3"}, admin))
    _check(group_types.delete_group_type_specs_item, call("DELETE", f"{specs}/k1",
                                                          token=admin))
    vt = call("POST", "/types", {"volume_type": {"name": f"vt-{version}"}}, admin).json()[
        "volume_type"]["id"]
    r = call("POST", "/groups", {"group": {"group_type": gt, "volume_types": [vt],
                                           "name": "g"}})
    _check(groups.create_group, r)
    gid = r.json()["group"]["id"]
    _check(groups.show_group, call("GET", f"/groups/{gid}"))
    _check(groups.show_group, call("GET", f"/groups/{gid}", token=admin))
    _check(groups.list_groups_no_detail, call("GET", "/groups"))
    _check(groups.list_groups_with_detail, call("GET", "/groups/detail"))
    vid = call("POST", "/volumes", {"volume": {"size": 1, "volume_type": vt,
                                               "group_id": gid}}).json()["volume"]["id"]
    _check(_module("3.0").show_volume, call("GET", f"/volumes/{vid}"))
    _check(groups.update_group, call("PUT", f"/groups/{gid}", {"group": {
        "name": "g2", "description": "d", "remove_volumes": vid}}))
    _check(groups.update_group, call("PUT", f"/groups/{gid}", {"group": {
        "add_volumes": vid}}))
    r = call("POST", "/group_snapshots", {"group_snapshot": {"group_id": gid, "name": "gs"}})
    _check(group_snapshots.create_group_snapshot, r)
    gsid = r.json()["group_snapshot"]["id"]
    _check(group_snapshots.show_group_snapshot, call("GET", f"/group_snapshots/{gsid}"))
    _check(group_snapshots.show_group_snapshot, call("GET", f"/group_snapshots/{gsid}",
                                                     token=admin))
    _check(group_snapshots.list_group_snapshots_no_detail, call("GET", "/group_snapshots"))
    _check(group_snapshots.list_group_snapshots_with_detail,
           call("GET", "/group_snapshots/detail"))
    r = call("POST", "/groups/action", {"create-from-src": {"group_snapshot_id": gsid,
                                                            "name": "from-snap"}})
    _check(groups.create_group_from_source, r)
    from_snap = r.json()["group"]["id"]
    r = call("POST", "/groups/action", {"create-from-src": {"source_group_id": gid,
                                                            "name": "from-group"}})
    _check(groups.create_group_from_source, r)
    from_group = r.json()["group"]["id"]
    if version == "3.20":
        _check(groups.reset_group_status, call("POST", f"/groups/{gid}/action", {
            "reset_status": {"status": "available"}}, admin))
        _check(group_snapshots.reset_group_snapshot_status, call(
            "POST", f"/group_snapshots/{gsid}/action", {"reset_status": {
                "status": "available"}}, admin))
    for made in (from_snap, from_group):
        _check(groups.delete_group, call("POST", f"/groups/{made}/action", {
            "delete": {"delete-volumes": True}}))
    _check(group_snapshots.delete_group_snapshot, call("DELETE", f"/group_snapshots/{gsid}"))
    _check(groups.delete_group, call("POST", f"/groups/{gid}/action", {
        "delete": {"delete-volumes": True}}))
    _check(group_types.delete_group_type, call("DELETE", f"/group_types/{gt}", token=admin))


@pytest.mark.parametrize("who", ["admin", "demo"])
def test_backup_documents_match_tempest(api: Api, who: str) -> None:
    """Tempest's backups client: the 3.0 documents (and 3.9's update)."""
    from tempest.lib.api_schema.response.volume import backups

    token = api.admin() if who == "admin" else api.token("demo", DEMO_PASSWORD, "demo")
    base = f"/volume/v3/{_project(api, token)}"
    h = {"X-Auth-Token": token}

    def call(method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return api.client.request(method, base + path, json=body, headers={**h, **headers})

    vid = call("POST", "/volumes", {"volume": {"size": 1, "name": "v"}}).json()["volume"][
        "id"]
    r = call("POST", "/backups", {"backup": {"volume_id": vid, "name": "b"}})
    _check(backups.create_backup, r)
    bid = r.json()["backup"]["id"]
    _check(backups.show_backup, call("GET", f"/backups/{bid}"))
    _check(backups.list_backups_no_detail, call("GET", "/backups"))
    _check(backups.list_backups_with_detail, call("GET", "/backups/detail"))
    _check(backups.update_backup, call("PUT", f"/backups/{bid}", {"backup": {"name": "c"}},
                                       **{"OpenStack-API-Version": "volume 3.9"}))
    _check(backups.restore_backup, call("POST", f"/backups/{bid}/restore", {
        "restore": {"volume_id": vid}}))
    if who == "admin":
        r = call("GET", f"/backups/{bid}/export_record")
        _check(backups.export_backup, r)
        record = r.json()["backup-record"]
        url = json.loads(base64.b64decode(record["backup_url"]))
        url["id"] = "00000000-0000-4000-8000-00000000beef"
        record["backup_url"] = base64.b64encode(json.dumps(url).encode()).decode()
        _check(backups.import_backup, call("POST", "/backups/import_record", {
            "backup-record": record}))
        _check(backups.reset_backup_status, call("POST", f"/backups/{bid}/action", {
            "os-reset_status": {"status": "error"}}))
        _check(backups.delete_backup, call("DELETE", f"/backups/{url['id']}"))
    _check(backups.delete_backup, call("DELETE", f"/backups/{bid}"))
