"""os-volume_attachments, the servers' volumes_attached and the os-volumes proxy checked
against Tempest's own response schemas, sent by Tempest's servers and volumes clients
(tempest.lib) at the microversions where Nova changes these bodies.

In process (the unit tests' app over the fake engine and the fake volume storage, its
reconciler run by hand), but here rather than in tests/unit: there, tests/unit/
test_support_matrix.py puts scripts/ first on sys.path, and its scripts/tempest.py then
shadows the tempest package in the same worker."""

from __future__ import annotations

import pytest
from tempest.lib import exceptions
from tempest.lib.services.compute import snapshots_client, volumes_client

from tests.integration.compute.tempest_harness import Clients, Credentials, microversion
from tests.unit.conftest import ADMIN_PASSWORD
from tests.unit.reconcile import Cloud

VERSIONS = ["2.1", "2.3", "2.48", "2.49", "2.70", "2.79", "2.85", "2.89", "2.90"]


def _clients(cloud: Cloud, token: str) -> Clients:
    r = cloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": token, "X-Subject-Token": token})
    body = r.json()["token"]
    return Clients(cloud.deps.settings.base_url + "/compute/v2.1", token,
                   Credentials(body["user"]["id"], body["project"]["id"]), cloud.api.client)


def _volume(cloud: Cloud, project: str) -> str:
    r = cloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {"size": 1}},
                              headers={"X-Auth-Token": cloud.token})
    assert r.status_code == 202, r.text
    return str(r.json()["volume"]["id"])


def _status(cloud: Cloud, project: str, vid: str) -> str:
    r = cloud.api.client.get(f"/volume/v3/{project}/volumes/{vid}",
                             headers={"X-Auth-Token": cloud.token})
    return str(r.json()["volume"]["status"])


def _since(version: str, since: str) -> bool:
    return tuple(map(int, version.split("."))) >= tuple(map(int, since.split(".")))


@pytest.mark.parametrize("version", VERSIONS)
def test_volume_attachments_match_tempest(rcloud: Cloud, version: str) -> None:
    demo = _clients(rcloud, rcloud.token)
    admin = _clients(rcloud, rcloud.api.token("admin", ADMIN_PASSWORD, "admin"))
    project = demo.servers.auth_provider.credentials.project_id
    sid = rcloud.active()
    vid, other = _volume(rcloud, project), _volume(rcloud, project)
    extra: dict[str, object] = {}
    if _since(version, "2.49"):
        extra["tag"] = "schema"
    if _since(version, "2.79"):
        extra["delete_on_termination"] = True
    with microversion(version):
        att = demo.servers.attach_volume(sid, volumeId=vid, **extra)["volumeAttachment"]
        assert att["volumeId"] == vid and att["device"] == "/dev/vdb"
        # listed and shown while attaching, as Nova does from the reservation
        demo.servers.list_volume_attachments(sid)
        rcloud.settle()
        assert _status(rcloud, project, vid) == "in-use"
        rcloud.api.clock.advance(1)  # listed in the order they were made
        demo.servers.attach_volume(sid, volumeId=other, device="/dev/vdd")
        rcloud.settle()
        listed = demo.servers.list_volume_attachments(sid)["volumeAttachments"]
        assert [a["volumeId"] for a in listed] == [vid, other]
        shown = demo.servers.show_volume_attachment(sid, vid)["volumeAttachment"]
        assert ("attachment_id" in shown) == _since(version, "2.89")
        assert shown.get("tag", "schema") == "schema"
        server = demo.servers.show_server(sid)["server"]
        assert [v["id"] for v in server["os-extended-volumes:volumes_attached"]] == [
            vid, other]
        demo.servers.list_servers(detail=True)
        admin.servers.show_server(sid)
        if _since(version, "2.85"):
            demo.servers.update_attached_volume(sid, vid, volumeId=vid,
                                                delete_on_termination=False)
        demo.servers.detach_volume(sid, vid)
        demo.servers.detach_volume(sid, other)
    rcloud.settle()
    assert _status(rcloud, project, vid) == _status(rcloud, project, other) == "available"


@pytest.mark.parametrize("version", ["2.1", "2.35"])
def test_os_volumes_proxy_matches_tempest(rcloud: Cloud, version: str) -> None:
    demo = _clients(rcloud, rcloud.token)
    client = volumes_client.VolumesClient(demo.servers.auth_provider, "compute", "RegionOne")
    client.http_obj = demo.servers.http_obj
    sid = rcloud.active()
    with microversion(version):
        made = client.create_volume(size=1, display_name="schema",
                                    metadata={"k": "v"})["volume"]
        client.show_volume(made["id"])
        demo.servers.attach_volume(sid, volumeId=made["id"])
        rcloud.settle()
        shown = client.show_volume(made["id"])["volume"]
        assert shown["attachments"][0]["serverId"] == sid
        client.list_volumes()
        client.list_volumes(detail=True, params={"limit": 1})
        demo.servers.detach_volume(sid, made["id"])
        rcloud.settle()
        client.delete_volume(made["id"])


@pytest.mark.parametrize("version", ["2.1", "2.35"])
def test_os_snapshots_proxy_matches_tempest(rcloud: Cloud, version: str) -> None:
    demo = _clients(rcloud, rcloud.token)
    client = snapshots_client.SnapshotsClient(demo.servers.auth_provider, "compute",
                                              "RegionOne")
    client.http_obj = demo.servers.http_obj
    project = demo.servers.auth_provider.credentials.project_id
    vid = _volume(rcloud, project)
    sid = rcloud.active()
    with microversion(version):
        made = client.create_snapshot(vid, display_name="schema",
                                      display_description="d")["snapshot"]
        assert (made["volumeId"], made["displayName"], made["size"]) == (vid, "schema", 1)
        rcloud.settle()
        assert client.show_snapshot(made["id"])["snapshot"]["status"] == "available"
        assert [s["id"] for s in client.list_snapshots()["snapshots"]] == [made["id"]]
        client.list_snapshots(detail=True, params={"limit": 1})
        demo.servers.attach_volume(sid, volumeId=vid)
        rcloud.settle()
        with pytest.raises(exceptions.BadRequest):  # in-use: only with force
            client.create_snapshot(vid, display_name="in-use")
        forced = client.create_snapshot(vid, force=True)["snapshot"]
        rcloud.settle()
        client.delete_snapshot(made["id"])
        client.delete_snapshot(forced["id"])
        rcloud.settle()
        with pytest.raises(exceptions.NotFound):
            client.show_snapshot(made["id"])
    with microversion("2.36"), pytest.raises(exceptions.NotFound):
        client.list_snapshots()
