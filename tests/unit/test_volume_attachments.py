"""Nova's os-volume_attachments over the fake engine and the fake volume storage, the
reconciler run by hand (tests/unit/reconcile.py): what the API answers, per microversion
and error, and what the volume converger then makes of it (the volume's status, Cinder's
attachments[], the fake host's mounts)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cheptel.backends.fake_blocks import FakeBlockStore
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.volume.models import VolumeAttachment
from tests.unit.conftest import ADMIN_PASSWORD
from tests.unit.reconcile import NOVA, Cloud


def nova(cloud: Cloud, method: str, path: str, body: Any = None, version: str = "2.90",
         token: str | None = None) -> httpx.Response:
    return cloud.api.client.request(method, NOVA + path, json=body, headers={
        "X-Auth-Token": token or cloud.token, "OpenStack-API-Version": f"compute {version}"})


def cinder(cloud: Cloud, method: str, path: str, body: Any = None,
           token: str | None = None) -> httpx.Response:
    token = token or cloud.token
    r = cloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": token, "X-Subject-Token": token})
    project = r.json()["token"]["project"]["id"]
    return cloud.api.client.request(method, f"/volume/v3/{project}{path}", json=body,
                                    headers={"X-Auth-Token": token,
                                             "OpenStack-API-Version": "volume 3.71"})


def make_volume(cloud: Cloud, token: str | None = None) -> str:
    r = cinder(cloud, "POST", "/volumes", {"volume": {"size": 1}}, token)
    assert r.status_code == 202, r.text
    vid = str(r.json()["volume"]["id"])
    assert volume(cloud, vid, token)["status"] == "available"
    return vid


def volume(cloud: Cloud, vid: str, token: str | None = None) -> dict:
    r = cinder(cloud, "GET", f"/volumes/{vid}", token=token)
    assert r.status_code == 200, r.text
    return r.json()["volume"]  # type: ignore[no-any-return]


def blocks(cloud: Cloud) -> FakeBlockStore:
    assert isinstance(cloud.deps.blocks, FakeBlockStore)
    return cloud.deps.blocks


def attach(cloud: Cloud, sid: str, vid: str, version: str = "2.90", **extra: Any) -> dict:
    r = nova(cloud, "POST", f"/servers/{sid}/os-volume_attachments",
             {"volumeAttachment": {"volumeId": vid, **extra}}, version)
    assert r.status_code == 200, r.text
    return r.json()["volumeAttachment"]  # type: ignore[no-any-return]


def fault(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    (inner,) = r.json().values()
    assert inner["code"] == status
    return str(inner["message"])


@pytest.fixture
def admin(rcloud: Cloud) -> str:
    return rcloud.api.token("admin", ADMIN_PASSWORD, "admin")


def test_attach_goes_attaching_then_in_use_and_detach_available(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), make_volume(rcloud)
    att = attach(rcloud, sid, vid)
    assert att == {"id": vid, "serverId": sid, "volumeId": vid, "device": "/dev/vdb",
                   "tag": None, "delete_on_termination": False}
    v = volume(rcloud, vid)
    assert v["status"] == "attaching" and v["attachments"] == []  # nothing mounted yet
    assert blocks(rcloud).mounted == {}
    # Nova lists the mapping from the moment it is reserved
    assert rcloud.show(sid)["os-extended-volumes:volumes_attached"] == [
        {"id": vid, "delete_on_termination": False}]

    rcloud.settle()
    v = volume(rcloud, vid)
    assert v["status"] == "in-use"
    (entry,) = v["attachments"]
    assert (entry["server_id"], entry["volume_id"], entry["device"]) == (sid, vid, "/dev/vdb")
    assert entry["attached_at"]
    assert blocks(rcloud).mounted == {(sid, "vdb"): (vid, False)}
    listed = nova(rcloud, "GET", f"/servers/{sid}/os-volume_attachments").json()
    (shown,) = listed["volumeAttachments"]
    assert shown["attachment_id"] == entry["attachment_id"] and "id" not in shown
    assert nova(rcloud, "GET", f"/servers/{sid}/os-volume_attachments/{vid}").json()[
        "volumeAttachment"] == shown

    r = nova(rcloud, "DELETE", f"/servers/{sid}/os-volume_attachments/{vid}")
    assert r.status_code == 202 and not r.content
    assert volume(rcloud, vid)["status"] == "detaching"
    rcloud.settle()
    v = volume(rcloud, vid)
    assert v["status"] == "available" and v["attachments"] == []
    assert blocks(rcloud).mounted == {}
    assert nova(rcloud, "GET", f"/servers/{sid}/os-volume_attachments").json() == {
        "volumeAttachments": []}
    assert rcloud.show(sid)["os-extended-volumes:volumes_attached"] == []
    actions = [a["action"] for a in nova(rcloud, "GET", f"/servers/{sid}/os-instance-actions"
                                         ).json()["instanceActions"]]
    assert actions[:2] == ["detach_volume", "attach_volume"]


def test_a_detached_volume_goes_to_another_server(rcloud: Cloud) -> None:
    first, second, vid = rcloud.active("a"), rcloud.active("b"), make_volume(rcloud)
    attach(rcloud, first, vid, device="/dev/vdc")
    rcloud.settle()
    assert blocks(rcloud).mounted == {(first, "vdc"): (vid, False)}
    nova(rcloud, "DELETE", f"/servers/{first}/os-volume_attachments/{vid}")
    rcloud.settle()
    assert attach(rcloud, second, vid)["device"] == "/dev/vdb"
    rcloud.settle()
    assert blocks(rcloud).mounted == {(second, "vdb"): (vid, False)}
    assert volume(rcloud, vid)["attachments"][0]["server_id"] == second


def test_fields_by_microversion(rcloud: Cloud) -> None:
    sid, vid = rcloud.active(), make_volume(rcloud)
    r = nova(rcloud, "POST", f"/servers/{sid}/os-volume_attachments",
             {"volumeAttachment": {"volumeId": vid, "tag": "data"}}, "2.48")
    assert "tag" in fault(r, 400)  # tags are accepted from 2.49
    assert attach(rcloud, sid, vid, "2.49", tag="data") == {
        "id": vid, "serverId": sid, "volumeId": vid, "device": "/dev/vdb"}
    rcloud.settle()
    path = f"/servers/{sid}/os-volume_attachments/{vid}"
    base = {"volumeId": vid, "serverId": sid, "device": "/dev/vdb"}
    assert nova(rcloud, "GET", path, version="2.1").json()["volumeAttachment"] == {
        "id": vid, **base}
    assert nova(rcloud, "GET", path, version="2.70").json()["volumeAttachment"] == {
        "id": vid, **base, "tag": "data"}
    assert nova(rcloud, "GET", path, version="2.79").json()["volumeAttachment"] == {
        "id": vid, **base, "tag": "data", "delete_on_termination": False}
    with rcloud.deps.sessions() as db:
        row = db.query(VolumeAttachment).one()
        ids = {"attachment_id": row.id, "bdm_uuid": row.bdm_uuid}
    assert nova(rcloud, "GET", path, version="2.89").json()["volumeAttachment"] == {
        **base, "tag": "data", "delete_on_termination": False, **ids}
    show = f"/servers/{sid}"
    assert nova(rcloud, "GET", show, version="2.1").json()["server"][
        "os-extended-volumes:volumes_attached"] == [{"id": vid}]
    assert nova(rcloud, "GET", show, version="2.3").json()["server"][
        "os-extended-volumes:volumes_attached"] == [{"id": vid, "delete_on_termination": False}]


def test_delete_on_termination_from_2_79_and_changed_by_put_from_2_85(rcloud: Cloud,
                                                                      admin: str) -> None:
    sid, vid = rcloud.active(), make_volume(rcloud)
    r = nova(rcloud, "POST", f"/servers/{sid}/os-volume_attachments",
             {"volumeAttachment": {"volumeId": vid, "delete_on_termination": True}}, "2.78")
    fault(r, 400)
    assert attach(rcloud, sid, vid, "2.79", delete_on_termination="yes")[
        "delete_on_termination"] is True
    rcloud.settle()
    path = f"/servers/{sid}/os-volume_attachments/{vid}"
    r = nova(rcloud, "PUT", path, {"volumeAttachment": {
        "volumeId": vid, "delete_on_termination": False, "device": "/dev/vdb",
        "serverId": sid, "id": vid}}, "2.85")
    assert r.status_code == 202 and not r.content, r.text
    assert nova(rcloud, "GET", path).json()["volumeAttachment"][
        "delete_on_termination"] is False
    for key, value in (("device", "/dev/vdc"), ("tag", "t"), ("serverId", vid), ("id", sid)):
        r = nova(rcloud, "PUT", path, {"volumeAttachment": {"volumeId": vid, key: value}},
                 "2.85")
        assert fault(r, 400) == f"The {key} property is not mutable"
    # a PUT naming another volume is a swap: the service's or an admin's, then Nova's 409
    other = make_volume(rcloud)
    swap = {"volumeAttachment": {"volumeId": other}}
    fault(nova(rcloud, "PUT", path, swap, "2.85"), 403)
    fault(nova(rcloud, "PUT", path, swap, "2.84"), 403)  # before 2.85 every PUT swaps
    assert fault(nova(rcloud, "PUT", path, swap, "2.84", admin), 409) == (
        f"volume {vid} is not migrating; this API should only be called by Cinder")
    assert fault(nova(rcloud, "PUT", path, swap, "2.85", admin), 409)
    assert "could not be found" in fault(nova(
        rcloud, "PUT", f"/servers/{sid}/os-volume_attachments/{other[:-4]}beef",
        swap, "2.84", admin), 404)
    r = nova(rcloud, "PUT", f"/servers/{sid}/os-volume_attachments/{other}",
             {"volumeAttachment": {"volumeId": other}}, "2.85")
    assert fault(r, 404) == f"No volume Block Device Mapping with id {other}."
    fault(nova(rcloud, "PUT", path, {"volumeAttachment": {
        "volumeId": vid, "delete_on_termination": False}}, "2.84"), 400)  # not in 2.84's


def test_server_delete_detaches_and_deletes_the_volumes_that_say_so(rcloud: Cloud) -> None:
    sid, kept, doomed = rcloud.active(), make_volume(rcloud), make_volume(rcloud)
    attach(rcloud, sid, kept)
    rcloud.api.clock.advance(1)
    attach(rcloud, sid, doomed, delete_on_termination=True)
    rcloud.settle()
    assert rcloud.show(sid)["os-extended-volumes:volumes_attached"] == [
        {"id": kept, "delete_on_termination": False},
        {"id": doomed, "delete_on_termination": True}]
    assert nova(rcloud, "DELETE", f"/servers/{sid}").status_code == 204
    rcloud.settle()
    assert rcloud.gone(sid)
    assert volume(rcloud, kept)["status"] == "available"
    assert cinder(rcloud, "GET", f"/volumes/{doomed}").status_code == 404
    assert blocks(rcloud).mounted == {} and doomed not in blocks(rcloud).volumes


def test_index_is_limited_as_nova_pages_the_mappings(rcloud: Cloud) -> None:
    """Nova pages the whole BDM list, the image root disk's mapping first."""
    sid = rcloud.active()
    first, second = make_volume(rcloud), make_volume(rcloud)
    attach(rcloud, sid, first)
    rcloud.api.clock.advance(1)
    attach(rcloud, sid, second)
    path = f"/servers/{sid}/os-volume_attachments"

    def listed(query: str, version: str = "2.90") -> list[str]:
        r = nova(rcloud, "GET", f"{path}?{query}", version=version)
        assert r.status_code == 200, r.text
        return [a["volumeId"] for a in r.json()["volumeAttachments"]]

    assert listed("") == [first, second]
    assert listed("limit=1") == [] and listed("limit=2") == [first]
    assert listed("offset=1") == [first, second] and listed("offset=2") == [second]
    assert listed("offset=1&limit=1") == [first] and listed("limit=0") == [first, second]
    assert listed("foo=1", "2.74") == [first, second]
    assert "foo" in fault(nova(rcloud, "GET", f"{path}?foo=1"), 400)
    fault(nova(rcloud, "GET", f"{path}?limit=-1"), 400)
    fault(nova(rcloud, "GET", f"{path}?offset=x"), 400)


def test_the_detail_listing_shows_every_servers_volumes(rcloud: Cloud) -> None:
    a, b, c = rcloud.active("a"), rcloud.active("b"), rcloud.active("c")
    va, vb = make_volume(rcloud), make_volume(rcloud)
    attach(rcloud, a, va)
    attach(rcloud, b, vb, delete_on_termination=True)
    rcloud.settle()
    servers = {s["id"]: s for s in nova(rcloud, "GET", "/servers/detail").json()["servers"]}
    assert servers[a]["os-extended-volumes:volumes_attached"] == [
        {"id": va, "delete_on_termination": False}]
    assert servers[b]["os-extended-volumes:volumes_attached"] == [
        {"id": vb, "delete_on_termination": True}]
    assert servers[c]["os-extended-volumes:volumes_attached"] == []
    for sid in (a, b, c):  # as show has them (which adds server_groups from 2.71)
        assert {**servers[sid], "server_groups": []} == rcloud.show(sid)


def test_attach_errors_as_nova(rcloud: Cloud, admin: str) -> None:
    sid, vid = rcloud.active(), make_volume(rcloud)
    path = f"/servers/{sid}/os-volume_attachments"

    def post(body: dict, version: str = "2.90", token: str | None = None) -> httpx.Response:
        return nova(rcloud, "POST", path, {"volumeAttachment": body}, version, token)

    missing = "c0ffee00-0000-4000-8000-000000000000"
    assert fault(nova(rcloud, "POST", f"/servers/{missing}/os-volume_attachments",
                      {"volumeAttachment": {"volumeId": vid}}), 404) == (
        f"Instance {missing} could not be found.")
    assert fault(post({"volumeId": missing}), 404) == f"Volume {missing} could not be found."
    foreign = make_volume(rcloud, admin)  # the admin project's: not the demo project's
    assert fault(post({"volumeId": foreign}), 404) == f"Volume {foreign} could not be found."
    fault(post({"volumeId": "not-a-uuid"}), 400)
    for device in ("vdb", "/dev/1", "/dev/vd-b", ""):
        fault(post({"volumeId": vid, "device": device}), 400)
    fault(post({"volumeId": vid, "tag": "a/b"}), 400)
    fault(post({"volumeId": vid, "delete_on_termination": "maybe"}), 400)
    fault(post({"volumeId": vid, "bogus": 1}), 400)

    attach(rcloud, sid, vid, device="/dev/vdb")
    other = make_volume(rcloud)
    assert fault(post({"volumeId": other, "device": "/dev/vdb"}), 409) == (
        "The supplied device path (/dev/vdb) is in use.")
    assert fault(post({"volumeId": vid}), 400) == (
        f"Invalid volume: volume {vid} is already attached to instances: {sid}")
    second = rcloud.active("second")
    assert fault(nova(rcloud, "POST", f"/servers/{second}/os-volume_attachments",
                      {"volumeAttachment": {"volumeId": vid}}), 400) == (
        f"Invalid volume: volume {vid} is already attached to instances: {sid}")
    # a volume not available: Cinder's 400, relayed by Nova as invalid input
    errored = make_volume(rcloud)
    r = cinder(rcloud, "POST", f"/volumes/{errored}/action",
               {"os-reset_status": {"status": "error"}}, admin)
    assert r.status_code == 202, r.text
    message = fault(post({"volumeId": errored}), 400)
    assert message.startswith("Invalid input received: Invalid volume: Volume attachments "
                              "can not be created if the volume is in an error state.")
    assert "(HTTP 400) (Request-ID: req-" in message


def test_attach_and_detach_want_an_unlocked_server_in_a_state_nova_allows(
        rcloud: Cloud, admin: str) -> None:
    sid, vid, other = rcloud.active(), make_volume(rcloud), make_volume(rcloud)
    attach(rcloud, sid, vid)
    rcloud.settle()
    rcloud.act(sid, "lock")
    path = f"/servers/{sid}/os-volume_attachments"
    assert fault(nova(rcloud, "POST", path, {"volumeAttachment": {"volumeId": other}}),
                 409) == f"Instance {sid} is locked"
    assert fault(nova(rcloud, "DELETE", f"{path}/{vid}"), 409) == f"Instance {sid} is locked"
    # the admin passes a lock, as in Nova
    r = nova(rcloud, "POST", path, {"volumeAttachment": {"volumeId": other}}, token=admin)
    assert r.status_code == 200, r.text
    rcloud.act(sid, "unlock")
    rcloud.settle()

    rcloud.act(sid, "suspend")  # not one of attach_volume's states
    rcloud.settle()
    third = make_volume(rcloud)
    assert fault(nova(rcloud, "POST", path, {"volumeAttachment": {"volumeId": third}}),
                 409) == (f"Cannot 'attach_volume' instance {sid} while it is in vm_state "
                          "suspended")
    assert fault(nova(rcloud, "DELETE", f"{path}/{vid}"), 409) == (
        f"Cannot 'detach_volume' instance {sid} while it is in vm_state suspended")
    rcloud.act(sid, "resume")
    rcloud.settle()
    rcloud.act(sid, "os-stop")  # a stopped server takes volumes
    rcloud.settle()
    attach(rcloud, sid, third)
    rcloud.act(sid, "os-start")  # a task in progress: 409
    r = nova(rcloud, "DELETE", f"{path}/{third}")
    assert fault(r, 409) == (f"Cannot 'detach_volume' instance {sid} while it is in "
                             "task_state powering-on")
    rcloud.settle()

    building = rcloud.boot("building")
    assert fault(nova(rcloud, "POST", f"/servers/{building}/os-volume_attachments",
                      {"volumeAttachment": {"volumeId": make_volume(rcloud)}}), 409) == (
        f"Cannot 'attach_volume' instance {building} while it is in vm_state building")
    rcloud.settle()


def test_detach_errors_as_nova(rcloud: Cloud) -> None:
    sid, vid, loose = rcloud.active(), make_volume(rcloud), make_volume(rcloud)
    path = f"/servers/{sid}/os-volume_attachments"
    missing = "c0ffee00-0000-4000-8000-000000000000"
    assert fault(nova(rcloud, "DELETE", f"{path}/{missing}"), 404) == (
        f"Volume {missing} could not be found.")
    assert fault(nova(rcloud, "DELETE", f"{path}/{loose}"), 404) == (
        f"Instance {sid} is not attached to volume {loose}")
    assert fault(nova(rcloud, "GET", f"{path}/{loose}"), 404) == (
        f"Instance {sid} is not attached to volume {loose}")
    attach(rcloud, sid, vid)
    # still attaching: Cinder's begin_detaching refuses, Nova says the volume is invalid
    message = fault(nova(rcloud, "DELETE", f"{path}/{vid}"), 400)
    assert message.startswith("Invalid volume: Invalid input received: Invalid volume: "
                              "Unable to detach volume. Volume status must be 'in-use'")
    rcloud.settle()
    other = rcloud.active("other")
    assert fault(nova(rcloud, "DELETE", f"/servers/{other}/os-volume_attachments/{vid}"),
                 404) == f"Instance {other} is not attached to volume {vid}"
    with rcloud.deps.sessions() as db, db.begin():  # a root disk (boot from volume)
        db.query(VolumeAttachment).filter_by(volume_id=vid).one().boot_index = 0
    assert fault(nova(rcloud, "DELETE", f"{path}/{vid}"), 400) == (
        "Cannot detach a root device volume")
    with rcloud.deps.sessions() as db, db.begin():
        db.query(VolumeAttachment).filter_by(volume_id=vid).one().boot_index = None
    assert nova(rcloud, "DELETE", f"{path}/{vid}").status_code == 202
    message = fault(nova(rcloud, "DELETE", f"{path}/{vid}"), 400)  # detaching already
    assert "Unable to detach volume" in message
    rcloud.settle()
    assert volume(rcloud, vid)["status"] == "available"


def test_a_reader_reads_and_cannot_write(rcloud: Cloud, admin: str) -> None:
    sid, vid = rcloud.active(), make_volume(rcloud)
    attach(rcloud, sid, vid)
    rcloud.settle()
    users = "/identity/v3/users"
    h = {"X-Auth-Token": admin}
    user = rcloud.api.client.post(users, headers=h, json={"user": {
        "name": "va-reader", "password": "va-reader-secret"}}).json()["user"]["id"]
    demo = rcloud.api.client.get("/identity/v3/projects?name=demo", headers=h).json()[
        "projects"][0]["id"]
    reader = rcloud.api.client.get("/identity/v3/roles?name=reader", headers=h).json()[
        "roles"][0]["id"]
    rcloud.api.client.put(f"/identity/v3/projects/{demo}/users/{user}/roles/{reader}",
                          headers=h)
    token = rcloud.api.token("va-reader", "va-reader-secret", "demo")
    path = f"/servers/{sid}/os-volume_attachments"
    assert nova(rcloud, "GET", path, token=token).status_code == 200
    assert nova(rcloud, "GET", f"{path}/{vid}", token=token).status_code == 200
    fault(nova(rcloud, "DELETE", f"{path}/{vid}", token=token), 403)
    fault(nova(rcloud, "POST", path, {"volumeAttachment": {"volumeId": vid}}, token=token),
          403)
    fault(nova(rcloud, "PUT", f"{path}/{vid}", {"volumeAttachment": {
        "volumeId": vid, "delete_on_termination": True}}, token=token), 403)


def test_a_server_booted_from_a_volume_lists_its_root_first_and_keeps_it(
        rcloud: Cloud) -> None:
    sid = rcloud.boot(imageRef="", block_device_mapping_v2=[
        {"boot_index": 0, "uuid": BUSYBOX_ID, "source_type": "image",
         "destination_type": "volume", "volume_size": 1, "delete_on_termination": True},
        {"boot_index": 1, "source_type": "blank", "destination_type": "volume",
         "volume_size": 1}])
    rcloud.settle()
    assert rcloud.status(sid) == "ACTIVE"
    path = f"/servers/{sid}/os-volume_attachments"
    listed = nova(rcloud, "GET", path).json()["volumeAttachments"]
    assert [a["device"] for a in listed] == ["/dev/vda", "/dev/vdb"]
    root, blank = (a["volumeId"] for a in listed)
    assert rcloud.show(sid)["os-extended-volumes:volumes_attached"] == [
        {"id": root, "delete_on_termination": True},
        {"id": blank, "delete_on_termination": False}]
    # no image disk's mapping comes first: the root volume's is
    limited = nova(rcloud, "GET", f"{path}?limit=1").json()["volumeAttachments"]
    assert [a["volumeId"] for a in limited] == [root]
    assert fault(nova(rcloud, "DELETE", f"{path}/{root}"), 400) == (
        "Cannot detach a root device volume")
    vid = make_volume(rcloud)
    assert attach(rcloud, sid, vid)["device"] == "/dev/vdc"  # vda and vdb are taken
    rcloud.settle()
    assert nova(rcloud, "DELETE", f"{path}/{blank}").status_code == 202
    rcloud.settle()
    assert volume(rcloud, blank)["status"] == "available"
    assert blocks(rcloud).mounted == {(sid, "vda"): (root, False), (sid, "vdc"): (vid, False)}


# -- os-volumes, Nova's proxy of Cinder's volumes (until 2.35) ------------------------------

def test_the_os_volumes_proxy_until_2_35(rcloud: Cloud, admin: str) -> None:
    r = nova(rcloud, "POST", "/os-volumes", {"volume": {
        "size": 1, "display_name": "proxied", "display_description": "d",
        "metadata": {"k": "v"}}}, "2.35")
    assert r.status_code == 200, r.text
    made = r.json()["volume"]
    vid = made["id"]
    assert r.headers["location"].endswith(f"/compute/v2.1/os-volumes/{vid}")
    assert made["attachments"] == [{}] and made["snapshotId"] is None
    assert (made["displayName"], made["displayDescription"], made["size"]) == (
        "proxied", "d", 1)
    assert made["volumeType"] == "__DEFAULT__" and made["metadata"] == {"k": "v"}
    shown = nova(rcloud, "GET", f"/os-volumes/{vid}", version="2.35").json()["volume"]
    assert shown["status"] == "available" and shown["createdAt"] == made["createdAt"]
    assert volume(rcloud, vid)["name"] == "proxied"  # Cinder's volume, Nova's words

    sid = rcloud.active()
    attach(rcloud, sid, vid)
    rcloud.settle()
    shown = nova(rcloud, "GET", f"/os-volumes/{vid}", version="2.1").json()["volume"]
    assert shown["status"] == "in-use" and shown["attachments"] == [
        {"id": vid, "volumeId": vid, "serverId": sid, "device": "/dev/vdb"}]
    message = fault(nova(rcloud, "DELETE", f"/os-volumes/{vid}", version="2.1"), 400)
    assert message.startswith("Invalid input received: Invalid volume: Volume status must")

    rcloud.api.clock.advance(1)
    newer = make_volume(rcloud)
    listed = nova(rcloud, "GET", "/os-volumes", version="2.1").json()["volumes"]
    assert [v["id"] for v in listed] == [newer, vid]  # Cinder's order: newest first
    detail = nova(rcloud, "GET", "/os-volumes/detail?limit=1&offset=1", version="2.1")
    assert [v["id"] for v in detail.json()["volumes"]] == [vid]
    foreign = make_volume(rcloud, admin)
    assert fault(nova(rcloud, "GET", f"/os-volumes/{foreign}", version="2.1"), 404) == (
        f"Volume {foreign} could not be found.")
    assert foreign not in {v["id"] for v in nova(rcloud, "GET", "/os-volumes/detail",
                                                   version="2.1").json()["volumes"]}

    r = nova(rcloud, "DELETE", f"/os-volumes/{newer}", version="2.1")
    assert r.status_code == 202 and not r.content
    assert cinder(rcloud, "GET", f"/volumes/{newer}").status_code == 404
    for path in ("/os-volumes", "/os-volumes/detail", f"/os-volumes/{vid}"):
        fault(nova(rcloud, "GET", path, version="2.36"), 404)
    for method in ("GET", "DELETE"):  # an empty id is routed nowhere
        fault(nova(rcloud, method, "/os-volumes/", version="2.1"), 404)


def test_the_os_volumes_proxy_refuses_as_nova_and_cinder(rcloud: Cloud) -> None:
    def create(body: dict) -> httpx.Response:
        return nova(rcloud, "POST", "/os-volumes", {"volume": body}, "2.1")

    for bad in ({}, {"size": 0}, {"size": "#$%"}, {"size": 1, "name": "x"}):
        fault(create(bad), 400)
    message = fault(create({"size": "0"}), 400)  # Nova's schema lets it by, Cinder refuses
    assert message.startswith("Invalid input received: ") and "(HTTP 400)" in message
    fault(create({"size": 1, "metadata": {"k": 1}}), 400)
    assert "could not be found" in fault(create({"size": 1, "volume_type": "nope"}), 404)
    assert "could not be found" in fault(create({"size": 1, "snapshot_id": "nope"}), 404)
    # over Cinder's quota: its 413, Nova's 403
    assert fault(create({"size": 100000}), 403).startswith("VolumeSizeExceedsAvailableQuota")
