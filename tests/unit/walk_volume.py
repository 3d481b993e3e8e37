"""The volume part of the walk's world (tests/unit/walk_world.py): one of each block
storage resource, made through the API."""

from __future__ import annotations

import base64
import json
import time

from tests.unit.walk import World

K, C, V = "/identity", "/compute", "/volume"


def populate_volume(w: World) -> None:
    """A volume with metadata, a type with an extra spec; the URL's project is the
    admin's (whose token the walk sends)."""
    ids = w.ids
    project = ids[f"{K} admin_project"]
    ids[f"{V} project_id"] = project
    ids[f"{V} quota_project_id"] = project
    p = f"/v3/{project}"
    vt = w.ok(V, "POST", f"{p}/types", {"volume_type": {
        "name": "walk-type", "description": "d", "os-volume-type-access:is_public": True,
        "extra_specs": {"walk:key": "1"}}}, template="/v3/{project_id}/types")["volume_type"]
    # (a scoped key: the scheduler ignores it, so the walk's volume of this type is made)
    ids[f"{V} type_id"] = vt["id"]
    ids[f"{V} extra_specs key"] = "walk:key"
    w.ok(V, "POST", f"{p}/types/{vt['id']}/extra_specs", {"extra_specs": {"walk:key": "1"}},
         template="/v3/{project_id}/types/{type_id}/extra_specs")
    w.templates[f"{V} PUT /v3/{{project_id}}/types/{{type_id}}/extra_specs/{{key}}"] = {
        "walk:key": "2"}
    w.templates[f"{V} PUT /v3/{{project_id}}/types/{{type_id}}"] = {"volume_type": {
        "name": "walk-type", "description": "d2", "is_public": True}}
    vol = w.ok(V, "POST", f"{p}/volumes", {"volume": {
        "size": 1, "name": "walk-vol", "description": "d", "volume_type": "walk-type",
        "availability_zone": "nova", "metadata": {"walk-key": "v"}}},
        template="/v3/{project_id}/volumes")["volume"]
    ids[f"{V} volume_id"] = vol["id"]
    ids[f"{V} metadata key"] = "walk-key"
    w.templates[f"{V} PUT /v3/{{project_id}}/volumes/{{volume_id}}"] = {"volume": {
        "name": "walk-vol", "description": "d", "metadata": {"walk-key": "v"}}}
    for method in ("POST", "PUT"):
        w.templates[f"{V} {method} /v3/{{project_id}}/volumes/{{volume_id}}/metadata"] = {
            "metadata": {"walk-key": "v"}}
    w.templates[f"{V} PUT /v3/{{project_id}}/volumes/{{volume_id}}/metadata/{{key}}"] = {
        "meta": {"walk-key": "v"}}
    w.templates[f"{V} POST /v3/{{project_id}}/volumes/{{volume_id}}/action"] = {
        "os-set_bootable": {"bootable": True}}
    w.templates[f"{V} PUT /v3/{{project_id}}/os-quota-sets/{{quota_project_id}}"] = {
        "quota_set": {"volumes": 20, "gigabytes": 1000}}
    ids[f"{V} class_name"] = "default"
    ids[f"{V} host"] = "cheptel@file"
    ids[f"{V} action"] = "enable"
    w.templates[f"{V} PUT /v3/{{project_id}}/os-quota-class-sets/{{class_name}}"] = {
        "quota_class_set": {"volumes": 20}}
    w.templates[f"{V} PUT /v3/{{project_id}}/os-services/{{action}}"] = {
        "host": "cheptel@file", "binary": "cinder-volume"}
    w.templates[f"{V} POST /v3/{{project_id}}/types/{{type_id}}/action"] = {
        "removeProjectAccess": {"project": "walk-nobody"}}
    # a snapshot of the walked volume, with the same metadata key
    snap = w.ok(V, "POST", f"{p}/snapshots", {"snapshot": {
        "volume_id": vol["id"], "name": "walk-snap", "description": "d", "force": True,
        "metadata": {"walk-key": "v"}}}, template="/v3/{project_id}/snapshots")["snapshot"]
    ids[f"{V} snapshot_id"] = snap["id"]
    w.templates[f"{V} PUT /v3/{{project_id}}/snapshots/{{snapshot_id}}"] = {"snapshot": {
        "name": "walk-snap", "description": "d"}}
    for method in ("POST", "PUT"):
        w.templates[f"{V} {method} /v3/{{project_id}}/snapshots/{{snapshot_id}}/metadata"] = {
            "metadata": {"walk-key": "v"}}
    w.templates[f"{V} PUT /v3/{{project_id}}/snapshots/{{snapshot_id}}/metadata/{{key}}"] = {
        "meta": {"walk-key": "v"}}
    # not os-force_delete, whose valid bodies ({} and null) would delete the snapshot
    w.templates[f"{V} POST /v3/{{project_id}}/snapshots/{{snapshot_id}}/action"] = {
        "os-reset_status": {"status": "available"}}
    # an attachment (reserved) of a second volume to the walk's server
    other = w.ok(V, "POST", f"{p}/volumes", {"volume": {"size": 1, "name": "walk-att-vol"}}
                 )["volume"]
    att = w.ok(V, "POST", f"{p}/attachments", {"attachment": {
        "volume_uuid": other["id"], "instance_uuid": ids[f"{C} server_id"], "mode": "rw",
        "connector": None}}, template="/v3/{project_id}/attachments")["attachment"]
    ids[f"{V} attachment_id"] = att["id"]
    w.templates[f"{V} PUT /v3/{{project_id}}/attachments/{{attachment_id}}"] = {
        "attachment": {"connector": {"host": "walk-host", "mountpoint": "/dev/vdc"}}}
    w.templates[f"{V} POST /v3/{{project_id}}/attachments/{{attachment_id}}/action"] = {
        "os-complete": None}
    _transfer(w, p)
    _attached(w, p)
    _groups(w, p)
    _backups(w, p)
    _qos(w, p)


def _qos(w: World, p: str) -> None:
    """QoS specs holding a key, associated with nothing (the walk may delete them)."""
    q = w.ok(V, "POST", f"{p}/qos-specs", {"qos_specs": {
        "name": "walk-qos", "consumer": "front-end", "read_iops_sec": "100"}},
        template="/v3/{project_id}/qos-specs")["qos_specs"]
    w.ids[f"{V} qos_id"] = q["id"]
    w.templates[f"{V} PUT /v3/{{project_id}}/qos-specs/{{qos_id}}"] = {"qos_specs": {
        "read_iops_sec": "200"}}
    w.templates[f"{V} PUT /v3/{{project_id}}/qos-specs/{{qos_id}}/delete_keys"] = {
        "keys": ["read_iops_sec"]}


def _backups(w: World, p: str) -> None:
    """A backup of a volume of its own, and a second volume to restore it into (the
    restore template names it: a new volume per valid body would run out of quota); the
    import template is the backup's exported record under a new id."""
    ids = w.ids
    vol = w.ok(V, "POST", f"{p}/volumes", {"volume": {"size": 1, "name": "walk-backed"}}
               )["volume"]
    target = w.ok(V, "POST", f"{p}/volumes", {"volume": {
        "size": 1, "name": "walk-restore-target"}})["volume"]
    b = w.ok(V, "POST", f"{p}/backups", {"backup": {
        "volume_id": vol["id"], "name": "walk-backup", "description": "d",
        "container": "walk", "incremental": False, "force": True}},
        template="/v3/{project_id}/backups")["backup"]
    ids[f"{V} backup_id"] = b["id"]
    _until(w, V, f"{p}/backups/{b['id']}", "backup", "status", "available")
    w.templates[f"{V} PUT /v3/{{project_id}}/backups/{{backup_id}}"] = {"backup": {
        "name": "walk-backup", "description": "d"}}
    w.templates[f"{V} POST /v3/{{project_id}}/backups/{{backup_id}}/restore"] = {
        "restore": {"volume_id": target["id"], "name": "walk-restored"}}
    # not os-force_delete, whose valid bodies ({} and null) would delete the backup
    w.templates[f"{V} POST /v3/{{project_id}}/backups/{{backup_id}}/action"] = {
        "os-reset_status": {"status": "available"}}
    record = w.ok(V, "GET", f"{p}/backups/{b['id']}/export_record")["backup-record"]
    url = json.loads(base64.b64decode(record["backup_url"]))
    url["id"] = "00000000-0000-4000-8000-00000000ba00"
    w.templates[f"{V} POST /v3/{{project_id}}/backups/import_record"] = {"backup-record": {
        "backup_service": record["backup_service"],
        "backup_url": base64.b64encode(json.dumps(url).encode()).decode()}}


def _groups(w: World, p: str) -> None:
    """A group type with a spec, a group of the walked type holding a volume, and a
    group snapshot of it."""
    ids = w.ids
    gt = w.ok(V, "POST", f"{p}/group_types", {"group_type": {
        "name": "walk-group-type", "description": "d", "is_public": True,
        "group_specs": {"walk-key": "1"}}}, template="/v3/{project_id}/group_types")[
        "group_type"]
    ids[f"{V} group_type_id"] = gt["id"]
    ids[f"{V} group_specs key"] = "walk-key"
    w.ok(V, "POST", f"{p}/group_types/{gt['id']}/group_specs", {"group_specs": {
        "walk-key": "1"}}, template="/v3/{project_id}/group_types/{group_type_id}/group_specs")
    w.templates[f"{V} PUT /v3/{{project_id}}/group_types/{{group_type_id}}/group_specs/"
                f"{{key}}"] = {"walk-key": "2"}
    w.templates[f"{V} PUT /v3/{{project_id}}/group_types/{{group_type_id}}"] = {
        "group_type": {"name": "walk-group-type", "description": "d2", "is_public": True}}
    g = w.ok(V, "POST", f"{p}/groups", {"group": {
        "group_type": gt["id"], "volume_types": ["walk-type"], "name": "walk-group",
        "description": "d", "availability_zone": "nova"}},
        template="/v3/{project_id}/groups")["group"]
    ids[f"{V} group_id"] = g["id"]
    w.ok(V, "POST", f"{p}/volumes", {"volume": {
        "size": 1, "name": "walk-grouped", "volume_type": "walk-type", "group_id": g["id"]}})
    w.templates[f"{V} PUT /v3/{{project_id}}/groups/{{group_id}}"] = {"group": {
        "name": "walk-group", "description": "d2", "add_volumes": "", "remove_volumes": ""}}
    # not delete, whose valid bodies would delete the group
    w.templates[f"{V} POST /v3/{{project_id}}/groups/{{group_id}}/action"] = {
        "reset_status": {"status": "available"}}
    gs = w.ok(V, "POST", f"{p}/group_snapshots", {"group_snapshot": {
        "group_id": g["id"], "name": "walk-gsnap", "description": "d"}},
        template="/v3/{project_id}/group_snapshots")["group_snapshot"]
    ids[f"{V} group_snapshot_id"] = gs["id"]
    w.templates[f"{V} POST /v3/{{project_id}}/group_snapshots/{{group_snapshot_id}}/"
                f"action"] = {"reset_status": {"status": "available"}}
    w.templates[f"{V} POST /v3/{{project_id}}/groups/action"] = {"create-from-src": {
        "group_snapshot_id": gs["id"], "name": "walk-from", "description": "d"}}
    _messages(w, p)


def _messages(w: World, p: str) -> None:
    """A user message: a volume of a type no backend matches (no valid backend); and an
    upload to an image, the volume action's template stays os-set_bootable (an upload
    would leave the walked volume `uploading`)."""
    w.ok(V, "POST", f"{p}/types", {"volume_type": {
        "name": "walk-nowhere", "extra_specs": {"storage_protocol": "walk"}}})
    vol = w.ok(V, "POST", f"{p}/volumes", {"volume": {
        "size": 1, "name": "walk-nowhere", "volume_type": "walk-nowhere"}})["volume"]
    _until(w, V, f"{p}/volumes/{vol['id']}", "volume", "status", "error")
    found = [m for m in w.ok(V, "GET", f"{p}/messages")["messages"]
             if m.get("resource_uuid") == vol["id"]]
    assert found, "no user message for the walk's unschedulable volume"
    w.ids[f"{V} message_id"] = found[0]["id"]


def _transfer(w: World, p: str) -> None:
    """A transfer of a volume of its own, waiting. Its create template names that volume
    (already offered: a valid body is then a 400, so no walked body makes another); the
    accept template's key is wrong, so no walked body accepts it."""
    ids = w.ids
    vol = w.ok(V, "POST", f"{p}/volumes", {"volume": {"size": 1, "name": "walk-gift"}}
               )["volume"]
    t = w.ok(V, "POST", f"{p}/os-volume-transfer", {"transfer": {"volume_id": vol["id"]}}
             )["transfer"]
    ids[f"{V} transfer_id"] = t["id"]
    for path in ("os-volume-transfer", "volume-transfers"):
        w.templates[f"{V} POST /v3/{{project_id}}/{path}"] = {"transfer": {
            "volume_id": vol["id"], "name": "walk-transfer"}}
        w.templates[f"{V} POST /v3/{{project_id}}/{path}/{{transfer_id}}/accept"] = {
            "accept": {"auth_key": "0123456789abcdef"}}


def _until(w: World, prefix: str, path: str, key: str, field: str, value: str) -> None:
    """Until the setup's reconciler (its own threads) has made the object reach `value`."""
    deadline = time.monotonic() + 30
    while w.ok(prefix, "GET", path)[key][field] != value:
        assert time.monotonic() < deadline, f"{path}: never {value}"
        time.sleep(0.02)


def _attached(w: World, p: str) -> None:
    """A volume attached to the walked server (os-volume_attachments/{volume_id}), and one
    left available for the attach template."""
    ids = w.ids
    server = ids[f"{C} server_id"]
    _until(w, C, f"/v2.1/servers/{server}", "server", "status", "ACTIVE")
    attached, free = (w.ok(V, "POST", f"{p}/volumes", {"volume": {
        "size": 1, "name": name}})["volume"]["id"] for name in ("walk-attached", "walk-free"))
    w.ok(C, "POST", f"/v2.1/servers/{server}/os-volume_attachments", {"volumeAttachment": {
        "volumeId": attached, "tag": "walk-tag", "delete_on_termination": False}})
    _until(w, V, f"{p}/volumes/{attached}", "volume", "status", "in-use")
    ids[f"{C} volume_id"] = attached
    w.templates[f"{C} POST /v2.1/servers/{{server_id}}/os-volume_attachments"] = {
        "volumeAttachment": {"volumeId": free, "device": "/dev/vdc", "tag": "t",
                             "delete_on_termination": False}}
    w.templates[f"{C} PUT /v2.1/servers/{{server_id}}/os-volume_attachments/{{volume_id}}"] = {
        "volumeAttachment": {"volumeId": attached, "delete_on_termination": False}}
    # os-snapshots: a snapshot of the free volume (os-snapshots/{snapshot_id})
    snap = w.ok(V, "POST", f"{p}/snapshots", {"snapshot": {
        "volume_id": free, "name": "walk-proxied-snap"}},
        template="/v3/{project_id}/snapshots")["snapshot"]
    ids[f"{C} snapshot_id"] = snap["id"]
    w.templates[f"{C} POST /v2.1/os-snapshots"] = {"snapshot": {
        "volume_id": free, "force": False, "display_name": "n", "display_description": "d"}}
    w.templates[f"{C} POST /v2.1/os-volumes"] = {"volume": {  # (os-volumes/{volume_id}:
        "size": 1, "display_name": "walk-proxied", "display_description": "d",  # attached)
        "metadata": {"k": "v"}, "volume_type": "walk-type", "availability_zone": "nova"}}
