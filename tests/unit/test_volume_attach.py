"""Cinder's attach API over the fake engine and block store, the volume converger run by
hand: the volume actions of the old flow (os-reserve ... os-force_detach) and the
attachments API (3.27+), as the API shows them and as the host's mounts have them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cheptel.backends.fake_blocks import FakeBlockStore
from tests.unit.reconcile import Cloud

LATEST = {"OpenStack-API-Version": "volume 3.71"}
UNKNOWN = "5b0e6a55-0f6e-4d7c-9e43-2d4c1a6f0e11"


class Cinder:
    def __init__(self, cloud: Cloud, token: str | None = None):
        self.cloud, self.token = cloud, token or cloud.token
        r = cloud.api.client.get("/identity/v3/auth/tokens", headers={
            "X-Auth-Token": self.token, "X-Subject-Token": self.token})
        self.project = r.json()["token"]["project"]["id"]

    def __call__(self, method: str, path: str, body: Any = None,
                 version: str = "3.71") -> httpx.Response:
        return self.cloud.api.client.request(
            method, f"/volume/v3/{self.project}{path}", json=body, headers={
                "X-Auth-Token": self.token, "OpenStack-API-Version": f"volume {version}"})

    def volume(self, **fields: Any) -> str:
        r = self("POST", "/volumes", {"volume": {"size": 1, **fields}})
        assert r.status_code == 202, r.text
        return str(r.json()["volume"]["id"])

    def act(self, vid: str, body: Any, status: int = 202) -> httpx.Response:
        r = self("POST", f"/volumes/{vid}/action", body)
        assert r.status_code == status, r.text
        return r

    def show(self, vid: str) -> dict:
        r = self("GET", f"/volumes/{vid}")
        assert r.status_code == 200, r.text
        return r.json()["volume"]  # type: ignore[no-any-return]

    def status(self, vid: str) -> str:
        return str(self.show(vid)["status"])

    def error(self, r: httpx.Response) -> str:
        (fault,) = r.json().values()
        return str(fault["message"])


@pytest.fixture
def cinder(rcloud: Cloud) -> Cinder:
    return Cinder(rcloud)


@pytest.fixture
def admin(rcloud: Cloud) -> Cinder:
    return Cinder(rcloud, rcloud.api.admin())


def mounted(cloud: Cloud) -> dict[tuple[str, str], tuple[str, bool]]:
    blocks = cloud.deps.blocks
    assert isinstance(blocks, FakeBlockStore)
    return blocks.mounted


# --- the volume actions ----------------------------------------------------------------

def test_os_attach_to_a_server_mounts_it_and_os_detach_unmounts(rcloud: Cloud,
                                                                 cinder: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}})
    assert cinder.status(vid) == "attaching" and cinder.show(vid)["attachments"] == []
    rcloud.settle()
    v = cinder.show(vid)
    assert v["status"] == "in-use"
    (att,) = v["attachments"]
    assert (att["server_id"], att["device"], att["id"], att["volume_id"]) == (
        sid, "/dev/vdb", vid, vid)
    assert att["attached_at"] and att["host_name"] is None
    assert mounted(rcloud) == {(sid, "vdb"): (vid, False)}
    cinder.act(vid, {"os-detach": {}})
    assert cinder.status(vid) == "detaching"
    rcloud.settle()
    assert cinder.status(vid) == "available" and cinder.show(vid)["attachments"] == []
    assert mounted(rcloud) == {}


def test_a_second_attach_and_a_taken_device_are_refused(rcloud: Cloud,
                                                        cinder: Cinder) -> None:
    sid, vid, other = rcloud.active(), cinder.volume(), cinder.volume()
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}})
    rcloud.settle()
    r = cinder.act(vid, {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdc"}}, 400)
    assert cinder.error(r) == ("Error attaching volume - InvalidVolume: Invalid volume: "
                               "volume is already attached and multiple attachments are "
                               "not enabled")
    r = cinder.act(other, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}},
                   400)
    assert "(/dev/vdb) is in use" in cinder.error(r)
    r = cinder.act(other, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/../x"}},
                   400)
    assert "is not a device path" in cinder.error(r)
    # the same attachment again: Cinder answers with the one it has
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}})
    assert len(cinder.show(vid)["attachments"]) == 1


def test_reserve_and_unreserve(rcloud: Cloud, cinder: Cinder) -> None:
    vid = cinder.volume()
    cinder.act(vid, {"os-reserve": {}})
    assert cinder.status(vid) == "attaching"
    r = cinder.act(vid, {"os-reserve": {}}, 400)
    assert cinder.error(r) == ("Invalid volume: Volume status must be available to "
                               "reserve, but the status is attaching.")
    r = cinder("DELETE", f"/volumes/{vid}")
    assert r.status_code == 400 and "(status: attaching)" in cinder.error(r)
    cinder.act(vid, {"os-unreserve": {}})
    assert cinder.status(vid) == "available"
    cinder.act(vid, {"os-unreserve": {}})  # not reserved: nothing to do
    assert cinder.status(vid) == "available"


def test_a_reserved_volume_is_attached_then_detached(rcloud: Cloud, cinder: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    cinder.act(vid, {"os-reserve": {}})
    info = cinder.act(vid, {"os-initialize_connection": {"connector": {
        "host": "h", "enforce_multipath": True}}}, 200).json()["connection_info"]
    assert info["driver_volume_type"] == "local" and info["enforce_multipath"] is True
    assert info["data"]["volume_id"] == vid and info["data"]["access_mode"] == "rw"
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdc",
                                   "mode": "rw"}})
    rcloud.settle()
    assert cinder.status(vid) == "in-use" and mounted(rcloud) == {(sid, "vdc"): (vid, False)}
    cinder.act(vid, {"os-begin_detaching": {}})
    assert cinder.status(vid) == "detaching"
    cinder.act(vid, {"os-roll_detaching": {}})
    assert cinder.status(vid) == "in-use"
    cinder.act(vid, {"os-begin_detaching": {}})
    cinder.act(vid, {"os-terminate_connection": {"connector": {"host": "h"}}})
    att = cinder.show(vid)["attachments"][0]["attachment_id"]
    cinder.act(vid, {"os-detach": {"attachment_id": att}})
    rcloud.settle()
    assert cinder.status(vid) == "available" and mounted(rcloud) == {}


def test_begin_detaching_needs_an_attached_volume(cinder: Cinder) -> None:
    vid = cinder.volume()
    r = cinder.act(vid, {"os-begin_detaching": {}}, 400)
    assert cinder.error(r) == ("Invalid volume: Unable to detach volume. Volume status must "
                               "be 'in-use' and attach_status must be 'attached' to detach.")
    cinder.act(vid, {"os-roll_detaching": {}})  # not detaching: nothing to do
    assert cinder.status(vid) == "available"


def test_a_host_or_an_unknown_instance_is_recorded_not_mounted(rcloud: Cloud,
                                                               cinder: Cinder) -> None:
    by_host, by_instance = cinder.volume(), cinder.volume()
    cinder.act(by_host, {"os-attach": {"host_name": "backup-host", "mountpoint": "/mnt/x"}})
    cinder.act(by_instance, {"os-attach": {"instance_uuid": UNKNOWN,
                                           "mountpoint": "/dev/vdb"}})
    rcloud.settle()
    (a,) = cinder.show(by_host)["attachments"]
    assert (a["host_name"], a["server_id"], a["device"]) == ("backup-host", None, "/mnt/x")
    (b,) = cinder.show(by_instance)["attachments"]
    assert b["server_id"] is None and b["device"] == "/dev/vdb"
    assert cinder.status(by_host) == cinder.status(by_instance) == "in-use"
    assert mounted(rcloud) == {}
    for vid in (by_host, by_instance):
        cinder.act(vid, {"os-detach": {}})
        assert cinder.status(vid) == "available"  # nothing to unmount


def test_read_only(rcloud: Cloud, cinder: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    cinder.act(vid, {"os-update_readonly_flag": {"readonly": True}})
    r = cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}}, 400)
    assert cinder.error(r) == f"Invalid attaching mode 'rw' for volume {vid}."
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb",
                                   "mode": "ro"}})
    rcloud.settle()
    assert mounted(rcloud) == {(sid, "vdb"): (vid, True)}


def test_detach_names_an_attachment_of_this_volume(rcloud: Cloud, cinder: Cinder) -> None:
    vid, other = cinder.volume(), cinder.volume()
    cinder.act(vid, {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}})
    cinder.act(other, {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}})
    att = cinder.show(other)["attachments"][0]["attachment_id"]
    r = cinder.act(vid, {"os-detach": {"attachment_id": att}}, 400)
    assert cinder.error(r) == "Invalid input received: Mismatched volume and attachment"
    r = cinder.act(vid, {"os-detach": {"attachment_id": UNKNOWN}}, 409)
    assert cinder.error(r) == "Detach volume from instance  using the Compute API"
    assert cinder.status(vid) == "in-use"
    # nothing attached: Cinder says available
    free = cinder.volume()
    cinder.act(free, {"os-detach": None})
    assert cinder.status(free) == "available"


def test_force_detach_of_an_error_volume_ends_available(rcloud: Cloud, cinder: Cinder,
                                                        admin: Cinder) -> None:
    """Tempest's test_force_detach_volume, with the mount really gone."""
    sid, vid = rcloud.active(), cinder.volume()
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}})
    rcloud.settle()
    att = cinder.show(vid)["attachments"][0]["attachment_id"]
    admin.act(vid, {"os-reset_status": {"status": "error"}})
    r = cinder.act(vid, {"os-force_detach": {"attachment_id": att}}, 403)
    admin.act(vid, {"os-force_detach": {"connector": None, "attachment_id": att}})
    rcloud.settle()
    v = cinder.show(vid)
    assert v["status"] == "available" and v["attachments"] == [] and mounted(rcloud) == {}
    cinder.act(vid, {"os-detach": {}})  # Tempest's cleanup: nothing left to detach
    assert r.status_code == 403


def test_reset_status_detached_unmounts_and_in_use_needs_an_attachment(
        rcloud: Cloud, cinder: Cinder, admin: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    r = admin.act(vid, {"os-reset_status": {"status": "in-use"}}, 400)
    assert admin.error(r) == ("Cannot reset-state to in-use because volume does not have "
                              "any attachments.")
    admin.act(vid, {"os-reset_status": {"status": "deleting"}}, 400)
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}})
    rcloud.settle()
    admin.act(vid, {"os-reset_status": {"status": "error", "attach_status": "detached"}})
    rcloud.settle()
    assert cinder.status(vid) == "available" and mounted(rcloud) == {}


def test_force_delete_refuses_an_attached_volume_and_takes_a_reserved_one(
        rcloud: Cloud, cinder: Cinder, admin: Cinder) -> None:
    sid, vid, reserved = rcloud.active(), cinder.volume(), cinder.volume()
    cinder.act(vid, {"os-attach": {"instance_uuid": sid, "mountpoint": "/dev/vdb"}})
    rcloud.settle()
    r = admin.act(vid, {"os-force_delete": {}}, 400)
    assert admin.error(r) == (
        "Invalid volume: Volume  must not be migrating, attached, belong to a group, have "
        "snapshots, awaiting a transfer, or be disassociated from snapshots after volume "
        "transfer.")
    r = cinder("POST", "/attachments", {"attachment": {"volume_uuid": reserved,
                                                       "instance_uuid": sid}})
    assert r.status_code == 200 and cinder.status(reserved) == "reserved"
    assert cinder("DELETE", f"/volumes/{reserved}").status_code == 400
    admin.act(reserved, {"os-force_delete": {}})
    assert cinder("GET", f"/volumes/{reserved}").status_code == 404
    assert cinder("GET", "/attachments").json()["attachments"] == [
        {"id": cinder.show(vid)["attachments"][0]["attachment_id"], "status": "attached",
         "instance": sid, "volume_id": vid}]


# --- the attachments API ---------------------------------------------------------------

def test_attachment_create_update_complete_delete(rcloud: Cloud, cinder: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    r = cinder("POST", "/attachments", {"attachment": {"volume_uuid": vid,
                                                       "instance_uuid": sid}})
    assert r.status_code == 200, r.text
    att = r.json()["attachment"]
    assert att == {"id": att["id"], "status": "reserved", "instance": sid, "volume_id": vid,
                   "attached_at": "", "detached_at": "", "attach_mode": "rw",
                   "connection_info": {}}
    assert cinder.status(vid) == "reserved" and mounted(rcloud) == {}
    r = cinder("PUT", f"/attachments/{att['id']}", {"attachment": {"connector": {
        "host": "compute-1", "mountpoint": "/dev/vdd", "initiator": "iqn.x"}}})
    assert r.status_code == 200, r.text
    doc = r.json()["attachment"]
    assert doc["status"] == "attaching" and cinder.status(vid) == "attaching"
    info = doc["connection_info"]
    assert (info["driver_volume_type"], info["attachment_id"], info["access_mode"]) == (
        "local", att["id"], "rw")
    rcloud.settle()
    assert mounted(rcloud) == {(sid, "vdd"): (vid, False)}
    assert cinder("POST", f"/attachments/{att['id']}/action",
                  {"os-complete": None}).status_code == 204
    shown = cinder("GET", f"/attachments/{att['id']}").json()["attachment"]
    assert shown["status"] == "attached" and shown["attached_at"]
    v = cinder.show(vid)
    assert v["status"] == "in-use" and v["attachments"][0]["device"] == "/dev/vdd"
    assert v["attachments"][0]["host_name"] == "compute-1"
    r = cinder("DELETE", f"/attachments/{att['id']}")
    assert r.status_code == 200 and r.json() == {"attachments": []}
    assert cinder.status(vid) == "detaching"
    rcloud.settle()
    assert cinder.status(vid) == "available" and mounted(rcloud) == {}
    assert cinder("GET", f"/attachments/{att['id']}").status_code == 404


def test_attachment_with_a_connector_at_once_and_mode(rcloud: Cloud, cinder: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    r = cinder("POST", "/attachments", {"attachment": {
        "volume_uuid": vid, "instance_uuid": sid, "mode": "ro",
        "connector": {"host": "h", "mountpoint": "/dev/vdb"}}})
    assert r.status_code == 200, r.text
    assert r.json()["attachment"]["status"] == "attaching"
    assert r.json()["attachment"]["attach_mode"] == "ro"
    rcloud.settle()
    assert cinder.status(vid) == "in-use" and mounted(rcloud) == {(sid, "vdb"): (vid, True)}
    # mode is 3.54's
    other = cinder.volume()
    r = cinder("POST", "/attachments", {"attachment": {"volume_uuid": other, "mode": "ro"}},
               version="3.53")
    assert r.status_code == 400


def test_a_recorded_attachment_waits_for_complete(rcloud: Cloud, cinder: Cinder) -> None:
    vid = cinder.volume()
    att = cinder("POST", "/attachments", {"attachment": {
        "volume_uuid": vid, "instance_uuid": UNKNOWN, "connector": {"host": "h"}}}
    ).json()["attachment"]
    assert att["instance"] is None and att["status"] == "attaching"
    rcloud.settle()
    assert cinder.status(vid) == "attaching"
    cinder("POST", f"/attachments/{att['id']}/action", {"os-complete": {}})
    assert cinder.status(vid) == "in-use" and mounted(rcloud) == {}
    assert cinder("DELETE", f"/attachments/{att['id']}").status_code == 200
    assert cinder.status(vid) == "available"


def test_complete_of_a_reserved_attachment_mounts_it(rcloud: Cloud, cinder: Cinder) -> None:
    sid, vid = rcloud.active(), cinder.volume()
    att = cinder("POST", "/attachments", {"attachment": {
        "volume_uuid": vid, "instance_uuid": sid}}).json()["attachment"]
    cinder("POST", f"/attachments/{att['id']}/action", {"os-complete": None})
    rcloud.settle()
    assert cinder.status(vid) == "in-use" and mounted(rcloud) == {(sid, "vdb"): (vid, False)}


def test_attachment_refusals(rcloud: Cloud, cinder: Cinder, admin: Cinder) -> None:
    vid = cinder.volume()
    r = cinder("POST", "/attachments", {"attachment": {"volume_uuid": UNKNOWN}})
    assert r.status_code == 404 and cinder.error(r) == f"Volume {UNKNOWN} could not be found."
    att = cinder("POST", "/attachments", {"attachment": {"volume_uuid": vid}}).json()[
        "attachment"]
    r = cinder("POST", "/attachments", {"attachment": {"volume_uuid": vid}})
    assert r.status_code == 400 and cinder.error(r) == (
        f"Invalid volume: Volume {vid} status must be available or downloading to reserve, "
        f"but the current status is reserved.")
    admin.act(vid, {"os-reset_status": {"status": "error"}})
    r = cinder("PUT", f"/attachments/{att['id']}", {"attachment": {"connector": {"a": 1}}})
    assert r.status_code == 409 and "in an error state" in cinder.error(r)
    r = cinder("PUT", f"/attachments/{att['id']}", {"attachment": {"connector": {}}})
    assert r.status_code == 400
    assert cinder("GET", f"/attachments/{UNKNOWN}").status_code == 404
    r = cinder("POST", f"/attachments/{att['id']}/action", {"os-nothing": None})
    assert r.status_code == 400
    # microversions: the API is 3.27's, os-complete 3.44's
    assert cinder("GET", "/attachments", version="3.26").status_code == 404
    assert cinder("GET", f"/attachments/{att['id']}", version="3.27").status_code == 200
    assert cinder("POST", f"/attachments/{att['id']}/action", {"os-complete": None},
                  version="3.43").status_code == 404
    # deleting a reserved attachment needs no host: the volume says what remains
    assert cinder("DELETE", f"/attachments/{att['id']}").status_code == 200
    assert cinder.status(vid) == "available"


def test_attachment_listing_filters_sorts_pages(rcloud: Cloud, cinder: Cinder,
                                                admin: Cinder) -> None:
    sid = rcloud.active()
    vols = [cinder.volume() for _ in range(3)]
    ids = []
    for vid in vols:
        ids.append(cinder("POST", "/attachments", {"attachment": {
            "volume_uuid": vid, "instance_uuid": sid}}).json()["attachment"]["id"])
        rcloud.api.clock.advance(1)
    listed = cinder("GET", "/attachments").json()["attachments"]
    assert [a["id"] for a in listed] == ids[::-1]  # created_at desc
    assert set(listed[0]) == {"id", "status", "instance", "volume_id"}
    detail = cinder("GET", "/attachments/detail?sort=created_at:asc").json()["attachments"]
    assert [a["id"] for a in detail] == ids and "connection_info" in detail[0]
    page = cinder("GET", f"/attachments?limit=1&marker={ids[2]}").json()["attachments"]
    assert [a["id"] for a in page] == [ids[1]]
    only = cinder("GET", f"/attachments?volume_id={vols[0]}").json()["attachments"]
    assert [a["id"] for a in only] == [ids[0]]
    assert len(cinder("GET", f"/attachments?instance_id={sid}").json()["attachments"]) == 3
    assert cinder("GET", "/attachments?attach_status=attached").json()["attachments"] == []
    r = cinder("GET", "/attachments?bogus=1")
    assert r.status_code == 400 and cinder.error(r) == \
        "Invalid filters bogus are found in query options."
    assert cinder("GET", "/attachments?bogus=1", version="3.30").status_code == 200
    assert cinder("GET", f"/attachments?marker={UNKNOWN}").status_code == 404
    # the admin sees another project's with all_tenants only
    assert admin("GET", "/attachments").json()["attachments"] == []
    assert len(admin("GET", "/attachments?all_tenants=1").json()["attachments"]) == 3
