"""os-volume_upload_image over the fake engine and storage, the volume converger run by
hand: the volume `uploading`, then its files as a bare/raw image (a tar), the volume
back; refusals as Cinder's; a failure or a crash leaves no half-made image."""

from __future__ import annotations

import tarfile
from typing import Any

import httpx
import jsonschema

from cheptel.backends.fake_blocks import FakeBlockStore
from cheptel.image import store
from cheptel.image.service.bootstrap import BUSYBOX_ID
from tests.unit.conftest import MakeApi
from tests.unit.reconcile import Cloud

LATEST = {"OpenStack-API-Version": "volume 3.71"}
# tempest/lib/api_schema/response/volume/volumes.py volume_upload_image (commented out
# there; Tempest checks only the 202), format checks aside
VTYPE = {"type": ["object", "null"], "properties": {
    "created_at": {"type": "string"}, "deleted": {"type": "boolean"},
    "deleted_at": {"type": ["string", "null"]}, "description": {"type": ["string", "null"]},
    "extra_specs": {"type": "object", "patternProperties": {"^.+$": {"type": "string"}}},
    "id": {"type": "string"}, "is_public": {"type": "boolean"},
    "name": {"type": ["string", "null"]}, "qos_specs_id": {"type": ["string", "null"]},
    "updated_at": {"type": ["string", "null"]}}}
UPLOAD = {"type": "object", "properties": {"os-volume_upload_image": {
    "type": "object", "properties": {
        "status": {"type": "string"}, "image_name": {"type": "string"},
        "disk_format": {"type": "string"}, "container_format": {"type": "string"},
        "is_public": {"type": "boolean"}, "visibility": {"type": "string"},
        "protected": {"type": "boolean"}, "updated_at": {"type": ["string", "null"]},
        "image_id": {"type": "string"}, "display_description": {"type": ["string", "null"]},
        "id": {"type": "string"}, "size": {"type": "integer"}, "volume_type": VTYPE},
    "additionalProperties": False,
    "required": ["status", "image_name", "updated_at", "image_id", "display_description",
                 "id", "size", "volume_type", "disk_format", "container_format"]}},
    "additionalProperties": False, "required": ["os-volume_upload_image"]}


def _project(cloud: Cloud, token: str) -> str:
    return str(cloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": token, "X-Subject-Token": token}).json()["token"]["project"]["id"])


def _cinder(cloud: Cloud, method: str, path: str, body: Any = None,
            token: str | None = None, **headers: str) -> httpx.Response:
    token = token or cloud.token
    return cloud.api.client.request(
        method, f"/volume/v3/{_project(cloud, token)}{path}", json=body,
        headers={"X-Auth-Token": token, **LATEST, **headers})


def _from_image(cloud: Cloud) -> str:
    r = _cinder(cloud, "POST", "/volumes", {"volume": {"size": 1, "imageRef": BUSYBOX_ID}})
    assert r.status_code == 202, r.text
    cloud.settle()
    vid = str(r.json()["volume"]["id"])
    assert _volume(cloud, vid)["status"] == "available"
    return vid


def _volume(cloud: Cloud, vid: str) -> dict[str, Any]:
    return dict(_cinder(cloud, "GET", f"/volumes/{vid}").json()["volume"])


def _upload(cloud: Cloud, vid: str, **fields: Any) -> httpx.Response:
    return _cinder(cloud, "POST", f"/volumes/{vid}/action", {
        "os-volume_upload_image": {"image_name": "up", **fields}})


def _image(cloud: Cloud, image_id: str) -> httpx.Response:
    return cloud.api.client.get(f"/image/v2/images/{image_id}",
                                headers={"X-Auth-Token": cloud.token})


def _blocks(cloud: Cloud) -> FakeBlockStore:
    assert isinstance(cloud.deps.blocks, FakeBlockStore)
    return cloud.deps.blocks


def test_upload_makes_an_active_bare_raw_image_of_the_volumes_files(rcloud: Cloud) -> None:
    vid = _from_image(rcloud)
    r = _upload(rcloud, vid)
    assert r.status_code == 202, r.text
    jsonschema.validate(r.json(), UPLOAD)
    body = r.json()["os-volume_upload_image"]
    assert (body["id"], body["status"], body["image_name"], body["container_format"],
            body["disk_format"], body["visibility"], body["protected"]) == (
        vid, "uploading", "up", "bare", "raw", "private", False)
    assert body["volume_type"]["name"] == "__DEFAULT__"
    assert _volume(rcloud, vid)["status"] == "uploading"
    assert _image(rcloud, body["image_id"]).json()["status"] == "queued"
    rcloud.settle()
    assert _volume(rcloud, vid)["status"] == "available"
    image = _image(rcloud, body["image_id"]).json()
    assert (image["status"], image["container_format"], image["disk_format"],
            image["visibility"]) == ("active", "bare", "raw", "private")
    assert image["size"] > 0 and image["checksum"]
    with tarfile.open(store.path(rcloud.deps.settings.data_dir, body["image_id"])) as tar:
        assert "./etc/image" in tar.getnames()  # what the fake engine exported
    # and it is an image a volume can be made from (and a server booted from)
    r = _cinder(rcloud, "POST", "/volumes", {"volume": {"size": 1,
                                                        "imageRef": body["image_id"]}})
    assert r.status_code == 202, r.text


def test_upload_refusals_as_cinders(rcloud: Cloud) -> None:
    vid = _from_image(rcloud)
    for fields, code, text in (
            ({"disk_format": "qcow2"}, 400, "bare, disk_format raw"),
            ({"container_format": "ovf"}, 400, "bare, disk_format raw"),
            ({"disk_format": "iso"}, 400, ""),  # not in Cinder's enum
            ({"force": "maybe"}, 400, ""),
            ({"visibility": "public"}, 403, ""),  # upload_public: the admin's
            ({"protected": "x"}, 400, "")):
        r = _upload(rcloud, vid, **fields)
        assert r.status_code == code, (fields, r.text)
        assert text in r.text
    assert _cinder(rcloud, "POST", f"/volumes/{vid}/action", {
        "os-volume_upload_image": {}}).status_code == 400
    # visibility and protected only from 3.1
    r = _upload(rcloud, vid, visibility="shared", **{"OpenStack-API-Version": "volume 3.0"})
    assert r.status_code == 400
    assert _volume(rcloud, vid)["status"] == "available"
    # another project's volume: 404
    admin = rcloud.api.admin()
    theirs = _cinder(rcloud, "POST", "/volumes", {"volume": {"size": 1}}, token=admin
                     ).json()["volume"]["id"]
    rcloud.settle()
    r = _upload(rcloud, theirs)
    assert r.status_code == 404, r.text
    # in-use, even with force (Cinder's enable_force_upload is off by default)
    sid = rcloud.active()
    assert rcloud.nova("POST", f"/servers/{sid}/os-volume_attachments", {
        "volumeAttachment": {"volumeId": vid}}).status_code == 200
    rcloud.settle()
    assert _volume(rcloud, vid)["status"] == "in-use"
    r = _upload(rcloud, vid, force=True)
    assert r.status_code == 400
    assert f"Invalid volume: Volume {vid} status must be available" in r.text


def test_a_failed_upload_deletes_the_image_and_leaves_a_message(rcloud: Cloud) -> None:
    vid = _from_image(rcloud)
    image_id = _upload(rcloud, vid).json()["os-volume_upload_image"]["image_id"]
    _blocks(rcloud).fail["read"] = "the disk is on fire"
    rcloud.settle()
    assert _volume(rcloud, vid)["status"] == "available"
    assert _image(rcloud, image_id).status_code == 404
    (msg,) = _cinder(rcloud, "GET", "/messages").json()["messages"]
    assert (msg["resource_uuid"], msg["event_id"]) == (vid, "VOLUME_VOLUME_003_004")
    assert msg["user_message"] == ("copy volume to image:Failed to upload volume to image "
                                   "at backend.")


def test_an_image_deleted_during_the_upload_gives_the_volume_back(rcloud: Cloud) -> None:
    vid = _from_image(rcloud)
    image_id = _upload(rcloud, vid).json()["os-volume_upload_image"]["image_id"]
    assert rcloud.api.client.delete(f"/image/v2/images/{image_id}", headers={
        "X-Auth-Token": rcloud.token}).status_code == 204
    rcloud.settle()
    assert _volume(rcloud, vid)["status"] == "available"


def test_a_crash_mid_upload_is_undone_at_start(rcloud: Cloud, make_api: MakeApi) -> None:
    vid = _from_image(rcloud)
    image_id = _upload(rcloud, vid).json()["os-volume_upload_image"]["image_id"]
    assert _volume(rcloud, vid)["status"] == "uploading"
    rcloud.crash(make_api)  # the converge never ran
    assert _volume(rcloud, vid)["status"] == "available"
    assert _image(rcloud, image_id).status_code == 404
    # and the volume uploads again
    assert _upload(rcloud, vid).status_code == 202
    rcloud.settle()
    assert _volume(rcloud, vid)["status"] == "available"
