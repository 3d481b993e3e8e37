"""The block storage persona matrix, in process: what each persona gets from each route,
written from Cinder's defaults (cinder/policies/: project reader reads, member writes,
admin manages types, quotas and statuses). Every route of the service is listed."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from cheptel.volume.spec import SERVICE
from tests.unit.conftest import DEMO_PASSWORD, Api

ADMIN, MEMBER, READER, ANON = "admin", "member", "reader", "anonymous"
R, W, A = "read", "write", "admin"
# (method, path) -> kind: R = any reader of the project, W = its members, A = the admin
KINDS = {
    ("GET", "/"): "anyone", ("GET", "/v3/"): "anyone",
    ("GET", "/v3/{project_id}/volumes"): R, ("GET", "/v3/{project_id}/volumes/detail"): R,
    ("POST", "/v3/{project_id}/volumes"): W,
    ("GET", "/v3/{project_id}/volumes/summary"): R,
    ("GET", "/v3/{project_id}/volumes/"): R, ("PUT", "/v3/{project_id}/volumes/"): W,
    ("DELETE", "/v3/{project_id}/volumes/"): W,
    ("GET", "/v3/{project_id}/volumes/{volume_id}"): R,
    ("PUT", "/v3/{project_id}/volumes/{volume_id}"): W,
    ("DELETE", "/v3/{project_id}/volumes/{volume_id}"): W,
    ("GET", "/v3/{project_id}/volumes/{volume_id}/metadata"): R,
    ("POST", "/v3/{project_id}/volumes/{volume_id}/metadata"): W,
    ("PUT", "/v3/{project_id}/volumes/{volume_id}/metadata"): W,
    ("GET", "/v3/{project_id}/volumes/{volume_id}/metadata/{key}"): R,
    ("PUT", "/v3/{project_id}/volumes/{volume_id}/metadata/{key}"): W,
    ("DELETE", "/v3/{project_id}/volumes/{volume_id}/metadata/{key}"): W,
    ("POST", "/v3/{project_id}/volumes/{volume_id}/action"): W,
    ("GET", "/v3/{project_id}/types"): R, ("POST", "/v3/{project_id}/types"): A,
    ("GET", "/v3/{project_id}/types/default"): R,
    ("GET", "/v3/{project_id}/types/{type_id}"): R,
    ("PUT", "/v3/{project_id}/types/{type_id}"): A,
    ("DELETE", "/v3/{project_id}/types/{type_id}"): A,
    ("GET", "/v3/{project_id}/types/{type_id}/extra_specs"): R,
    ("POST", "/v3/{project_id}/types/{type_id}/extra_specs"): A,
    ("GET", "/v3/{project_id}/types/{type_id}/extra_specs/{key}"): R,
    ("PUT", "/v3/{project_id}/types/{type_id}/extra_specs/{key}"): A,
    ("DELETE", "/v3/{project_id}/types/{type_id}/extra_specs/{key}"): A,
    # cinder/policies/volume_type.py: encryption is the admin's to read
    ("GET", "/v3/{project_id}/types/{type_id}/encryption"): A,
    ("POST", "/v3/{project_id}/types/{type_id}/encryption"): A,
    ("GET", "/v3/{project_id}/os-quota-sets/{quota_project_id}"): R,
    ("GET", "/v3/{project_id}/os-quota-sets/{quota_project_id}/defaults"): R,
    ("PUT", "/v3/{project_id}/os-quota-sets/{quota_project_id}"): A,
    ("DELETE", "/v3/{project_id}/os-quota-sets/{quota_project_id}"): A,
    ("GET", "/v3/{project_id}/types/{type_id}/os-volume-type-access"): A,
    ("POST", "/v3/{project_id}/types/{type_id}/action"): A,
    ("GET", "/v3/{project_id}/os-quota-class-sets/{class_name}"): A,
    ("PUT", "/v3/{project_id}/os-quota-class-sets/{class_name}"): A,
    ("GET", "/v3/{project_id}/extensions"): R,
    ("GET", "/v3/{project_id}/os-services"): A,
    ("PUT", "/v3/{project_id}/os-services/{action}"): A,
    ("GET", "/v3/{project_id}/os-hosts"): A,
    ("GET", "/v3/{project_id}/os-hosts/{host}"): A,
    ("GET", "/v3/{project_id}/scheduler-stats/get_pools"): A,
    ("GET", "/v3/{project_id}/capabilities/{host}"): A,
    ("GET", "/v3/{project_id}/limits"): R,
    ("GET", "/v3/{project_id}/os-availability-zone"): R,
    ("GET", "/v3/{project_id}/snapshots"): R, ("GET", "/v3/{project_id}/snapshots/detail"): R,
    ("POST", "/v3/{project_id}/snapshots"): W,
    ("GET", "/v3/{project_id}/snapshots/{snapshot_id}"): R,
    ("PUT", "/v3/{project_id}/snapshots/{snapshot_id}"): W,
    ("DELETE", "/v3/{project_id}/snapshots/{snapshot_id}"): W,
    ("POST", "/v3/{project_id}/snapshots/{snapshot_id}/action"): W,
    ("GET", "/v3/{project_id}/snapshots/{snapshot_id}/metadata"): R,
    ("POST", "/v3/{project_id}/snapshots/{snapshot_id}/metadata"): W,
    ("PUT", "/v3/{project_id}/snapshots/{snapshot_id}/metadata"): W,
    ("GET", "/v3/{project_id}/snapshots/{snapshot_id}/metadata/{key}"): R,
    ("PUT", "/v3/{project_id}/snapshots/{snapshot_id}/metadata/{key}"): W,
    ("DELETE", "/v3/{project_id}/snapshots/{snapshot_id}/metadata/{key}"): W,
    ("GET", "/v3/{project_id}/attachments"): R,
    ("GET", "/v3/{project_id}/attachments/detail"): R,
    ("POST", "/v3/{project_id}/attachments"): W,
    ("GET", "/v3/{project_id}/attachments/{attachment_id}"): R,
    ("PUT", "/v3/{project_id}/attachments/{attachment_id}"): W,
    ("DELETE", "/v3/{project_id}/attachments/{attachment_id}"): W,
    ("POST", "/v3/{project_id}/attachments/{attachment_id}/action"): W,
    # generic volume groups: types readable by any token, their specs the admin's
    ("GET", "/v3/{project_id}/group_types"): R, ("POST", "/v3/{project_id}/group_types"): A,
    ("GET", "/v3/{project_id}/group_types/{group_type_id}"): R,
    ("PUT", "/v3/{project_id}/group_types/{group_type_id}"): A,
    ("DELETE", "/v3/{project_id}/group_types/{group_type_id}"): A,
    ("GET", "/v3/{project_id}/group_types/{group_type_id}/group_specs"): A,
    ("POST", "/v3/{project_id}/group_types/{group_type_id}/group_specs"): A,
    ("GET", "/v3/{project_id}/group_types/{group_type_id}/group_specs/{key}"): A,
    ("PUT", "/v3/{project_id}/group_types/{group_type_id}/group_specs/{key}"): A,
    ("DELETE", "/v3/{project_id}/group_types/{group_type_id}/group_specs/{key}"): A,
    ("GET", "/v3/{project_id}/groups"): R, ("GET", "/v3/{project_id}/groups/detail"): R,
    ("POST", "/v3/{project_id}/groups"): W, ("POST", "/v3/{project_id}/groups/action"): W,
    ("GET", "/v3/{project_id}/groups/{group_id}"): R,
    ("PUT", "/v3/{project_id}/groups/{group_id}"): W,
    ("POST", "/v3/{project_id}/groups/{group_id}/action"): W,
    ("GET", "/v3/{project_id}/group_snapshots"): R,
    ("GET", "/v3/{project_id}/group_snapshots/detail"): R,
    ("POST", "/v3/{project_id}/group_snapshots"): W,
    ("GET", "/v3/{project_id}/group_snapshots/{group_snapshot_id}"): R,
    ("DELETE", "/v3/{project_id}/group_snapshots/{group_snapshot_id}"): W,
    ("POST", "/v3/{project_id}/group_snapshots/{group_snapshot_id}/action"): A,
    ("GET", "/v3/{project_id}/messages"): R,
    ("GET", "/v3/{project_id}/messages/{message_id}"): R,
    ("DELETE", "/v3/{project_id}/messages/{message_id}"): W,
    # backups (cinder/policies/backups.py; the status actions and records the admin's)
    ("GET", "/v3/{project_id}/backups"): R, ("GET", "/v3/{project_id}/backups/detail"): R,
    ("POST", "/v3/{project_id}/backups"): W,
    ("GET", "/v3/{project_id}/backups/{backup_id}"): R,
    ("PUT", "/v3/{project_id}/backups/{backup_id}"): W,
    ("DELETE", "/v3/{project_id}/backups/{backup_id}"): W,
    ("POST", "/v3/{project_id}/backups/{backup_id}/restore"): W,
    ("POST", "/v3/{project_id}/backups/{backup_id}/action"): A,
    ("GET", "/v3/{project_id}/backups/{backup_id}/export_record"): A,
    ("POST", "/v3/{project_id}/backups/import_record"): A,
    # QoS specs (cinder/policies/qos_specs.py): the admin's, reads too
    ("GET", "/v3/{project_id}/qos-specs"): A, ("POST", "/v3/{project_id}/qos-specs"): A,
    **{(m, "/v3/{project_id}/qos-specs/{qos_id}" + tail): A for m, tail in (
        ("GET", ""), ("PUT", ""), ("DELETE", ""), ("PUT", "/delete_keys"),
        ("GET", "/associations"), ("GET", "/associate"), ("GET", "/disassociate"),
        ("GET", "/disassociate_all"))},
}
# transfers (cinder/policies/volume_transfer.py), on both paths
for _t in ("/v3/{project_id}/os-volume-transfer", "/v3/{project_id}/volume-transfers"):
    KINDS.update({("GET", _t): R, ("GET", _t + "/detail"): R, ("POST", _t): W,
                  ("GET", _t + "/{transfer_id}"): R, ("DELETE", _t + "/{transfer_id}"): W,
                  ("POST", _t + "/{transfer_id}/accept"): W})
# what cheptel does not do: a 501 to whoever may reach it (and 401/403 to the others)
NOT_IMPLEMENTED = {("POST", "/v3/{project_id}/types/{type_id}/encryption")}
# an empty volume id: Cinder's 404 to whoever may reach it (and 401/403 to the others)
EMPTY_ID = {"/v3/{project_id}/volumes/"}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v3/{project_id}/volumes"): {"volume": {"size": 1}},
    ("PUT", "/v3/{project_id}/volumes/{volume_id}"): {"volume": {"name": "n"}},
    ("POST", "/v3/{project_id}/volumes/{volume_id}/metadata"): {"metadata": {"k": "v"}},
    ("PUT", "/v3/{project_id}/volumes/{volume_id}/metadata"): {"metadata": {"k": "v"}},
    ("PUT", "/v3/{project_id}/volumes/{volume_id}/metadata/{key}"): {"meta": {"k": "v"}},
    ("POST", "/v3/{project_id}/volumes/{volume_id}/action"): {
        "os-set_bootable": {"bootable": True}},
    ("POST", "/v3/{project_id}/types"): {"volume_type": {"name": "t"}},
    ("PUT", "/v3/{project_id}/types/{type_id}"): {"volume_type": {"description": "d"}},
    ("POST", "/v3/{project_id}/types/{type_id}/extra_specs"): {"extra_specs": {"k": "v"}},
    ("PUT", "/v3/{project_id}/types/{type_id}/extra_specs/{key}"): {"k": "v"},
    ("PUT", "/v3/{project_id}/os-quota-sets/{quota_project_id}"): {
        "quota_set": {"volumes": -1}},
    ("POST", "/v3/{project_id}/types/{type_id}/action"): {
        "addProjectAccess": {"project": "p"}},
    ("PUT", "/v3/{project_id}/os-quota-class-sets/{class_name}"): {
        "quota_class_set": {"backups": 10}},
    ("PUT", "/v3/{project_id}/os-services/{action}"): {
        "host": "cheptel@file", "binary": "cinder-volume"},
    ("PUT", "/v3/{project_id}/snapshots/{snapshot_id}"): {"snapshot": {"name": "n"}},
    # a driver's report on a `creating` snapshot (the admin resets it so first, below)
    ("POST", "/v3/{project_id}/snapshots/{snapshot_id}/action"): {
        "os-update_snapshot_status": {"status": "available", "progress": "100%"}},
    ("POST", "/v3/{project_id}/snapshots/{snapshot_id}/metadata"): {"metadata": {"k": "v"}},
    ("PUT", "/v3/{project_id}/snapshots/{snapshot_id}/metadata"): {"metadata": {"k": "v"}},
    ("PUT", "/v3/{project_id}/snapshots/{snapshot_id}/metadata/{key}"): {
        "meta": {"k": "v"}},
    ("PUT", "/v3/{project_id}/attachments/{attachment_id}"): {
        "attachment": {"connector": {"host": "h", "mountpoint": "/dev/vdb"}}},
    ("POST", "/v3/{project_id}/attachments/{attachment_id}/action"): {"os-complete": None},
    ("PUT", "/v3/{project_id}/group_types/{group_type_id}"): {
        "group_type": {"description": "d"}},
    ("POST", "/v3/{project_id}/group_types/{group_type_id}/group_specs"): {
        "group_specs": {"k": "v"}},
    ("PUT", "/v3/{project_id}/group_types/{group_type_id}/group_specs/{key}"): {"k": "v"},
    ("PUT", "/v3/{project_id}/groups/{group_id}"): {"group": {"description": "d2"}},
    ("POST", "/v3/{project_id}/groups/{group_id}/action"): {"delete": {}},
    ("POST", "/v3/{project_id}/group_snapshots/{group_snapshot_id}/action"): {
        "reset_status": {"status": "available"}},
    ("PUT", "/v3/{project_id}/backups/{backup_id}"): {"backup": {"name": "n"}},
    ("POST", "/v3/{project_id}/backups/{backup_id}/action"): {
        "os-reset_status": {"status": "error"}},
    ("POST", "/v3/{project_id}/qos-specs"): {"qos_specs": {"name": "new"}},
    ("PUT", "/v3/{project_id}/qos-specs/{qos_id}"): {"qos_specs": {"k": "w"}},
    ("PUT", "/v3/{project_id}/qos-specs/{qos_id}/delete_keys"): {"keys": ["k"]},
}
# the routes of private types' access lists, tried on a private type
PRIVATE = {"/v3/{project_id}/types/{type_id}/os-volume-type-access",
           "/v3/{project_id}/types/{type_id}/action"}


def test_the_matrix_lists_every_route() -> None:
    assert {(r.method, r.path) for r in SERVICE.routes} == set(KINDS)


def _allowed(kind: str, persona: str) -> bool:
    return kind == "anyone" or persona == ADMIN or (
        persona == MEMBER and kind in (R, W)) or (persona == READER and kind == R)


@pytest.mark.parametrize("persona", [ADMIN, MEMBER, READER, ANON])
def test_each_persona_gets_what_cinder_gives(api: Api, persona: str) -> None:
    admin = api.admin()
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    # a reader of demo: a new user with only the reader role there
    h = {"X-Auth-Token": admin}
    demo_project = api.client.get("/identity/v3/projects?name=demo", headers=h).json()[
        "projects"][0]["id"]
    user = api.client.post("/identity/v3/users", headers=h, json={"user": {
        "name": "vol-reader", "password": "reader-secret-1"}}).json()["user"]["id"]
    reader_role = api.client.get("/identity/v3/roles?name=reader", headers=h).json()[
        "roles"][0]["id"]
    api.client.put(f"/identity/v3/projects/{demo_project}/users/{user}/roles/{reader_role}",
                   headers=h)
    tokens = {ADMIN: admin, MEMBER: demo, READER: api.token("vol-reader", "reader-secret-1",
                                                            "demo"), ANON: None}
    token = tokens[persona]
    project = demo_project if persona != ADMIN else api.client.get(
        "/identity/v3/auth/tokens", headers={"X-Auth-Token": admin, "X-Subject-Token": admin}
    ).json()["token"]["project"]["id"]
    ap = admin_project(api, admin)
    problems: list[str] = []
    for i, route in enumerate(SERVICE.routes):
        r = api.client.put(f"/volume/v3/{ap}/os-quota-sets/{project}", headers={
            "X-Auth-Token": admin}, json={"quota_set": {"volumes": -1, "gigabytes": -1,
                                                        "snapshots": -1, "groups": -1,
                                                        "backups": -1}})
        assert r.status_code == 200, r.text
        kind = KINDS[(route.method, route.path)]
        # fresh objects of the project for each route (a delete must not spoil the next)
        dh = {"X-Auth-Token": admin if persona == ADMIN else demo}
        vol = api.client.post(f"/volume/v3/{project}/volumes", headers=dh,
                              json={"volume": {"size": 1, "metadata": {"k": "v"}}}
                              ).json()["volume"]["id"]
        # a snapshot of another volume (a volume with snapshots cannot be deleted)
        of = api.client.post(f"/volume/v3/{project}/volumes", headers=dh,
                             json={"volume": {"size": 1}}).json()["volume"]["id"]
        snap = api.client.post(f"/volume/v3/{project}/snapshots", headers=dh, json={
            "snapshot": {"volume_id": of, "metadata": {"k": "v"}}}).json()["snapshot"]["id"]
        if route.path.endswith("/snapshots/{snapshot_id}/action"):
            api.client.post(f"/volume/v3/{ap}/snapshots/{snap}/action", headers={
                "X-Auth-Token": admin}, json={"os-reset_status": {"status": "creating"}})
        vt = api.client.post(f"/volume/v3/{ap}/types", headers={"X-Auth-Token": admin},
                             json={"volume_type": {
                                 "name": f"t-{i}", "extra_specs": {"k": "v"},
                                 "os-volume-type-access:is_public": route.path not in PRIVATE}}
                             ).json()["volume_type"]["id"]
        gt = api.client.post(f"/volume/v3/{ap}/group_types", headers={
            "X-Auth-Token": admin, "OpenStack-API-Version": "volume 3.71"}, json={
                "group_type": {"name": f"gt-{i}", "group_specs": {"k": "v"}}}
        ).json()["group_type"]["id"]
        grp = gsnap = ""
        if "/group" in route.path and "group_types" not in route.path:
            grp, gsnap = _group_of(api, project, dh, vt, gt)
        att = ""
        if "{attachment_id}" in route.path:  # a reserved attachment of the fresh volume
            att = api.client.post(f"/volume/v3/{project}/attachments", headers={
                **dh, "OpenStack-API-Version": "volume 3.71"}, json={"attachment": {
                    "volume_uuid": vol}}).json()["attachment"]["id"]
        msg = ""
        if "{message_id}" in route.path:  # a volume of a type no backend matches
            api.client.post(f"/volume/v3/{project}/volumes", headers=dh, json={
                "volume": {"size": 1, "volume_type": vt}})
            msg = api.client.get(f"/volume/v3/{project}/messages", headers={
                **dh, "OpenStack-API-Version": "volume 3.71"}).json()["messages"][0]["id"]
        transfer: dict[str, Any] = {"id": "", "auth_key": ""}
        if "{transfer_id}" in route.path:  # a transfer of another fresh volume
            tv = api.client.post(f"/volume/v3/{project}/volumes", headers=dh,
                                 json={"volume": {"size": 1}}).json()["volume"]["id"]
            transfer = api.client.post(f"/volume/v3/{project}/os-volume-transfer",
                                       headers=dh, json={"transfer": {"volume_id": tv}}
                                       ).json()["transfer"]
        backup, record = "", None
        if "/backups/" in route.path:  # a backup of the volume with a snapshot
            backup = api.client.post(f"/volume/v3/{project}/backups", headers=dh, json={
                "backup": {"volume_id": of}}).json()["backup"]["id"]
            record = api.client.get(f"/volume/v3/{ap}/backups/{backup}/export_record",
                                    headers={"X-Auth-Token": admin}).json()["backup-record"]
            url = json.loads(base64.b64decode(record["backup_url"]))
            url["id"] = str(uuid.uuid4())
            record["backup_url"] = base64.b64encode(json.dumps(url).encode()).decode()
        qos = ""
        if "{qos_id}" in route.path:  # fresh specs, holding the key `k`
            qos = api.client.post(f"/volume/v3/{ap}/qos-specs", headers={
                "X-Auth-Token": admin}, json={"qos_specs": {"name": f"q-{i}", "k": "v"}}
            ).json()["qos_specs"]["id"]
        path = route.path.format(project_id=project, volume_id=vol, key="k", type_id=vt,
                                 backup_id=backup, qos_id=qos,
                                 transfer_id=transfer["id"], message_id=msg,
                                 quota_project_id=project, class_name="default",
                                 snapshot_id=snap, group_type_id=gt, group_id=grp,
                                 group_snapshot_id=gsnap,
                                 action="enable", host="cheptel@file", attachment_id=att)
        if route.path.endswith(("/associate", "/disassociate")):
            path += f"?vol_type_id={vt}"
        headers = {"OpenStack-API-Version": "volume 3.71"}
        if token:
            headers["X-Auth-Token"] = token
        body = BODIES.get((route.method, route.path))
        if body and route.path.endswith("/types"):
            body = {"volume_type": {"name": f"new-{persona}"}}
        if route.method == "POST" and route.path.endswith("/snapshots"):
            body = {"snapshot": {"volume_id": of}}
        if (route.method, route.path) == ("POST", "/v3/{project_id}/group_types"):
            body = {"group_type": {"name": f"new-{persona}"}}
        if (route.method, route.path) == ("POST", "/v3/{project_id}/groups"):
            body = {"group": {"group_type": gt, "volume_types": [vt]}}
        if (route.method, route.path) == ("POST", "/v3/{project_id}/groups/action"):
            body = {"create-from-src": {"group_snapshot_id": gsnap}}
        if (route.method, route.path) == ("POST", "/v3/{project_id}/group_snapshots"):
            body = {"group_snapshot": {"group_id": grp}}
        if (route.method, route.path) == ("POST", "/v3/{project_id}/attachments"):
            body = {"attachment": {"volume_uuid": vol}}
        if route.method == "POST" and route.path.endswith(("/os-volume-transfer",
                                                           "/volume-transfers")):
            body = {"transfer": {"volume_id": vol}}
        if route.path.endswith("/accept"):
            body = {"accept": {"auth_key": transfer["auth_key"]}}
        if (route.method, route.path) == ("POST", "/v3/{project_id}/backups"):
            body = {"backup": {"volume_id": vol}}
        if route.path.endswith("/restore"):
            body = {"restore": {"volume_id": vol}}
        if route.path.endswith("/import_record"):
            body = {"backup-record": record}
        r = api.client.request(route.method, "/volume" + path, json=body, headers=headers)
        want_ok = _allowed(kind, persona) if token or kind == "anyone" else False
        ok = (r.status_code == 404 if route.path in EMPTY_ID
              else r.status_code == 501 if (route.method, route.path) in NOT_IMPLEMENTED
              else r.status_code < 400)
        if ok != want_ok or (not ok and r.status_code not in (401, 403)):
            problems.append(f"{route.method} {route.path}: {r.status_code} {r.text[:120]}")
    assert not problems, "\n".join(problems)


def _group_of(api: Api, project: str, dh: dict[str, str], vt: str, gt: str
              ) -> tuple[str, str]:
    """A group of the project holding one volume, and a group snapshot of it (of a
    second group: the first must stay deletable)."""
    h = {**dh, "OpenStack-API-Version": "volume 3.71"}
    base = f"/volume/v3/{project}"
    grp = api.client.post(f"{base}/groups", headers=h, json={"group": {
        "group_type": gt, "volume_types": [vt]}}).json()["group"]["id"]
    # (the default type: `vt`'s extra spec may match no backend's capabilities)
    other = api.client.post(f"{base}/groups", headers=h, json={"group": {
        "group_type": gt, "volume_types": [vt, "__DEFAULT__"]}}).json()["group"]["id"]
    api.client.post(f"{base}/volumes", headers=h, json={"volume": {
        "size": 1, "volume_type": "__DEFAULT__", "group_id": other}})
    r = api.client.post(f"{base}/group_snapshots", headers=h, json={"group_snapshot": {
        "group_id": other}})
    assert r.status_code == 202, r.text
    gsnap = r.json()["group_snapshot"]["id"]
    return grp, gsnap


def admin_project(api: Api, admin: str) -> str:
    return str(api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": admin, "X-Subject-Token": admin}).json()["token"]["project"]["id"])


# the attach actions of POST /volumes/{id}/action, each with its own policy (Cinder's
# volume_extension:volume_actions:* a member's, os-force_detach the admin's): the body,
# and who may send it
ACTIONS = [({"os-reserve": {}}, W), ({"os-unreserve": {}}, W),
           ({"os-begin_detaching": {}}, W), ({"os-roll_detaching": {}}, W),
           ({"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}}, W),
           ({"os-detach": {}}, W),
           ({"os-initialize_connection": {"connector": {"host": "h"}}}, W),
           ({"os-terminate_connection": {"connector": {"host": "h"}}}, W),
           ({"os-force_detach": {}}, A),
           ({"os-volume_upload_image": {"image_name": "up"}}, W),
           # the image metadata actions (a reader's show too: the route is a member's)
           ({"os-set_image_metadata": {"metadata": {"k": "v"}}}, W),
           ({"os-show_image_metadata": None}, W)]


@pytest.mark.parametrize("persona", [MEMBER, READER])
def test_each_attach_action_has_cinders_policy(api: Api, persona: str) -> None:
    admin = api.admin()
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    h = {"X-Auth-Token": admin}
    project = api.client.get("/identity/v3/projects?name=demo", headers=h).json()[
        "projects"][0]["id"]
    token = demo
    if persona == READER:
        user = api.client.post("/identity/v3/users", headers=h, json={"user": {
            "name": "att-reader", "password": "reader-secret-1"}}).json()["user"]["id"]
        role = api.client.get("/identity/v3/roles?name=reader", headers=h).json()[
            "roles"][0]["id"]
        api.client.put(f"/identity/v3/projects/{project}/users/{user}/roles/{role}",
                       headers=h)
        token = api.token("att-reader", "reader-secret-1", "demo")
    api.client.put(f"/volume/v3/{admin_project(api, admin)}/os-quota-sets/{project}",
                   headers=h, json={"quota_set": {"volumes": -1, "gigabytes": -1}})
    for body, kind in ACTIONS:
        vol = api.client.post(f"/volume/v3/{project}/volumes", headers={
            "X-Auth-Token": demo}, json={"volume": {"size": 1}}).json()["volume"]["id"]
        if "os-begin_detaching" in body:  # an attached volume
            api.client.post(f"/volume/v3/{project}/volumes/{vol}/action", json={
                "os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}},
                headers={"X-Auth-Token": demo})
        r = api.client.post(f"/volume/v3/{project}/volumes/{vol}/action", json=body,
                            headers={"X-Auth-Token": token})
        want_ok = _allowed(kind, persona)
        assert (r.status_code < 300) == want_ok, (body, r.status_code, r.text)
        if not want_ok:
            assert r.status_code == 403, (body, r.text)
