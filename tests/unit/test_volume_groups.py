"""Cinder v3 generic volume groups in process, over the fake storage: group types and
their specs, groups (volumes in and out, made from a group or a group snapshot), group
snapshots (a snapshot of each volume), with Cinder's fields, statuses and messages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cheptel.volume.models import GroupType, Volume, VolumeGroup
from cheptel.volume.service import group_types, groups
from tests.unit.conftest import Api
from tests.unit.test_volume_api import Cinder, admin, blocks, demo

__all__ = ["admin", "demo"]  # the fixtures, shared with test_volume_api

V313 = {"OpenStack-API-Version": "volume 3.13"}
V314 = {"OpenStack-API-Version": "volume 3.14"}
BASE = {"id", "status", "availability_zone", "created_at", "name", "description",
        "group_type", "volume_types"}


def msg(r: Any) -> str:
    return str(r.json()["badRequest" if r.status_code == 400 else "itemNotFound"]
               ["message"])


def gtype(admin: Cinder, name: str = "gt", **fields: Any) -> dict[str, Any]:
    r = admin("POST", "/group_types", {"group_type": {"name": name, **fields}})
    assert r.status_code == 202, r.text
    return dict(r.json()["group_type"])


def vtype(admin: Cinder, name: str = "vt") -> dict[str, Any]:
    r = admin("POST", "/types", {"volume_type": {"name": name}})
    assert r.status_code == 200, r.text
    return dict(r.json()["volume_type"])


def group(c: Cinder, gt: str, vts: list[str], **fields: Any) -> dict[str, Any]:
    r = c("POST", "/groups", {"group": {"group_type": gt, "volume_types": vts, **fields}})
    assert r.status_code == 202, r.text
    g = r.json()["group"]
    assert set(g) == {"id", "name"}
    return dict(g)


@pytest.fixture
def world(admin: Cinder, demo: Cinder) -> dict[str, Any]:
    gt, vt = gtype(admin), vtype(admin)
    g = group(demo, gt["id"], [vt["id"]], name="g1")
    return {"gt": gt, "vt": vt, "g": g}


def show(c: Cinder, gid: str, **headers: str) -> dict[str, Any]:
    r = c("GET", f"/groups/{gid}", **headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["group"])


# --- group types -----------------------------------------------------------------------

def test_cinders_migration_type_is_there_and_no_default(admin: Cinder, demo: Cinder) -> None:
    names = {t["name"]: t for t in admin("GET", "/group_types").json()["group_types"]}
    assert names["default_cgsnapshot_type"]["group_specs"] == {
        "consistent_group_snapshot_enabled": "<is> True"}
    r = demo("GET", "/group_types/default")
    assert r.status_code == 404 and msg(r) == "Default group type can not be found."
    r = demo("POST", "/groups", {"group": {"group_type": "default_cgsnapshot_type",
                                           "volume_types": ["__DEFAULT__"]}})
    assert r.status_code == 400 and "is reserved for migrating CGs to groups" in msg(r)


def test_group_type_crud_is_the_admins(admin: Cinder, demo: Cinder) -> None:
    t = gtype(admin, "gold", description="d", is_public=True,
              group_specs={"consistent_group_snapshot_enabled": "<is> False"})
    assert t == {"id": t["id"], "name": "gold", "description": "d", "is_public": True,
                 "group_specs": {"consistent_group_snapshot_enabled": "<is> False"}}
    # a member sees the type without its specs, and may not write it
    shown = demo("GET", f"/group_types/{t['id']}").json()["group_type"]
    assert "group_specs" not in shown and shown["name"] == "gold"
    assert demo("POST", "/group_types", {"group_type": {"name": "x"}}).status_code == 403
    r = admin("POST", "/group_types", {"group_type": {"name": "gold"}})
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == (
        "Group Type gold already exists.")
    r = admin("PUT", f"/group_types/{t['id']}", {"group_type": {"name": " "}})
    assert r.status_code == 400 and msg(r) == "Group type name can not be empty."
    r = admin("PUT", f"/group_types/{t['id']}", {"group_type": {}})
    assert r.status_code == 400 and msg(r) == (
        "Specify group type name, description or a combination thereof.")
    r = admin("PUT", f"/group_types/{t['id']}", {"group_type": {"name": "silver",
                                                                "is_public": False}})
    assert r.status_code == 200 and r.json()["group_type"]["name"] == "silver"
    # private now: the member no longer sees it
    r = demo("GET", f"/group_types/{t['id']}")
    assert r.status_code == 404 and msg(r) == f"Group type {t['id']} could not be found."
    assert admin("DELETE", f"/group_types/{t['id']}").status_code == 202
    assert admin("GET", f"/group_types/{t['id']}").status_code == 404


def test_group_type_listing_sorts_and_filters_is_public(admin: Cinder, demo: Cinder) -> None:
    gtype(admin, "a_type", is_public=True)
    gtype(admin, "b_type", is_public=False)

    def names(c: Cinder, q: str) -> list[str]:
        return [t["name"] for t in c("GET", f"/group_types{q}").json()["group_types"]]

    asc = names(admin, "?sort=name:asc&is_public=None")
    assert asc.index("a_type") < asc.index("b_type")
    desc = names(admin, "?sort=name:desc&is_public=None")
    assert desc.index("b_type") < desc.index("a_type")
    assert "a_type" not in names(admin, "?is_public=False")
    assert "b_type" in names(admin, "?is_public=False")
    assert "b_type" not in names(admin, "")  # the admin's default: public ones
    assert "b_type" not in names(demo, "?is_public=None")  # never a member's


def test_group_types_need_3_11(admin: Cinder) -> None:
    r = admin("GET", "/group_types", **{"OpenStack-API-Version": "volume 3.10"})
    assert r.status_code == 404


def test_group_specs(admin: Cinder, demo: Cinder) -> None:
    t = gtype(admin)
    base = f"/group_types/{t['id']}/group_specs"
    r = admin("POST", base, {"group_specs": {"key1": "value1", "key2": "value2"}})
    assert r.status_code == 202 and r.json() == {"group_specs": {"key1": "value1",
                                                                 "key2": "value2"}}
    r = admin("POST", base, {"group_specs": {"key2": "new", "key3": "value3"}})
    assert r.json() == {"group_specs": {"key2": "new", "key3": "value3"}}
    assert admin("GET", f"{base}/key2").json() == {"key2": "new"}
    r = admin("PUT", f"{base}/key3", {"key3": "v3"})
    assert r.status_code == 200 and r.json() == {"key3": "v3"}
    r = admin("PUT", f"{base}/key3", {"key1": "v3"})
    assert r.status_code == 400 and msg(r) == "Request body and URI mismatch"
    assert admin("GET", base).json() == {"group_specs": {"key1": "value1", "key2": "new",
                                                         "key3": "v3"}}
    assert admin("DELETE", f"{base}/key1").status_code == 202
    r = admin("GET", f"{base}/key1")
    assert r.status_code == 404 and msg(r) == (
        f"Group Type {t['id']} has no extra spec with key key1.")
    r = admin("DELETE", f"{base}/key1")
    assert r.status_code == 404 and msg(r) == (
        f"Group Type {t['id']} has no specs with key key1.")
    assert demo("GET", base).status_code == 403  # specs are the admin's, reads too


def test_a_type_in_use_is_not_deleted(admin: Cinder, world: dict[str, Any]) -> None:
    r = admin("DELETE", f"/group_types/{world['gt']['id']}")
    assert r.status_code == 400 and msg(r) == "Target group type is still in use."


# --- groups ------------------------------------------------------------------------------

def test_create_then_available_with_cinders_fields(admin: Cinder, demo: Cinder,
                                                   world: dict[str, Any]) -> None:
    gid, gt, vt = world["g"]["id"], world["gt"]["id"], world["vt"]["id"]
    g = show(demo, gid, **V313)
    assert set(g) == BASE
    assert g["status"] == "available" and g["group_type"] == gt and g["volume_types"] == [vt]
    assert g["availability_zone"] == "nova" and g["name"] == "g1"
    assert set(show(demo, gid, **V314)) == BASE | {"group_snapshot_id", "source_group_id"}
    latest = show(demo, gid, **{"OpenStack-API-Version": "volume 3.71"})
    assert set(latest) == BASE | {"group_snapshot_id", "source_group_id",
                                  "replication_status"}
    assert "project_id" in show(admin, gid)  # 3.58: the admin's
    assert show(demo, f"{gid}?list_volume=true")["volumes"] == []
    assert demo("GET", "/groups").json() == {"groups": [{"id": gid, "name": "g1"}]}
    (d,) = demo("GET", "/groups/detail", **V314).json()["groups"]
    assert d["id"] == gid and d["volume_types"] == [vt]
    assert demo("GET", "/groups", **{"OpenStack-API-Version": "volume 3.12"}
                ).status_code == 404


def test_create_looks_every_reference_up(admin: Cinder, demo: Cinder,
                                         world: dict[str, Any]) -> None:
    gt, vt = world["gt"], world["vt"]
    g = group(demo, gt["name"], [vt["name"]])  # by names too
    assert show(demo, g["id"])["group_type"] == gt["id"]
    r = demo("POST", "/groups", {"group": {"group_type": "nope", "volume_types": ["vt"]}})
    assert r.status_code == 404 and msg(r) == "Group type with name nope could not be found."
    r = demo("POST", "/groups", {"group": {"group_type": gt["id"], "volume_types": ["no"]}})
    assert r.status_code == 404 and msg(r) == "Volume type with name no could not be found."
    r = demo("POST", "/groups", {"group": {"group_type": gt["id"], "volume_types": []}})
    assert r.status_code == 400
    r = demo("POST", "/groups", {"group": {"group_type": gt["id"],
                                           "volume_types": [vt["id"]],
                                           "availability_zone": "elsewhere"}})
    assert r.status_code == 400 and "Availability zone 'elsewhere' is invalid" in msg(r)


def test_the_groups_quota_counts_rows(admin: Cinder, demo: Cinder,
                                      world: dict[str, Any]) -> None:
    r = admin("PUT", f"/os-quota-sets/{demo.project}", {"quota_set": {"groups": 1}})
    assert r.status_code == 200
    usage = demo("GET", f"/os-quota-sets/{demo.project}?usage=True").json()["quota_set"]
    assert usage["groups"]["in_use"] == 1
    r = demo("POST", "/groups", {"group": {"group_type": world["gt"]["id"],
                                           "volume_types": [world["vt"]["id"]]}})
    assert r.status_code == 413 and "Maximum number of groups allowed (1) exceeded" in r.text


def test_volumes_made_in_a_group(demo: Cinder, world: dict[str, Any]) -> None:
    gid, vt = world["g"]["id"], world["vt"]
    v = demo.create(name="in", volume_type=vt["id"], group_id=gid)
    assert v["group_id"] == gid
    assert demo("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "available"
    listed = demo("GET", f"/volumes/detail?group_id={gid}").json()["volumes"]
    assert [x["id"] for x in listed] == [v["id"]]
    assert show(demo, f"{gid}?list_volume=True")["volumes"] == [v["id"]]
    # another type than the group's
    r = demo("POST", "/volumes", {"volume": {"size": 1, "group_id": gid}})
    assert r.status_code == 400 and msg(r) == (
        "Invalid input received: Invalid volume_type provided: __DEFAULT__ (requested "
        "type must be supported by this group).")
    r = demo("POST", "/volumes", {"volume": {"size": 1, "volume_type": vt["id"],
                                             "group_id": "0" * 36}})
    assert r.status_code == 404 and msg(r) == f"Group {'0' * 36} could not be found."
    # before 3.13 the field is ignored
    old = demo("POST", "/volumes", {"volume": {"size": 1, "group_id": gid}},
               **{"OpenStack-API-Version": "volume 3.12"})
    assert old.status_code == 202
    assert demo("GET", f"/volumes/{old.json()['volume']['id']}").json()["volume"][
        "group_id"] is None
    # a volume of a group is deleted with its group only
    r = demo("DELETE", f"/volumes/{v['id']}")
    assert r.status_code == 400 and "belong to a group" in msg(r)


def test_update_moves_volumes_in_and_out(admin: Cinder, demo: Cinder,
                                         world: dict[str, Any]) -> None:
    gid, vt = world["g"]["id"], world["vt"]["id"]
    v1 = demo.create(volume_type=vt, group_id=gid)
    v2 = demo.create(volume_type=vt, group_id=gid)
    r = demo("PUT", f"/groups/{gid}", {"group": {"name": "new_group", "description": "nd",
                                                 "remove_volumes": v2["id"]}})
    assert r.status_code == 202 and r.content == b""
    g = show(demo, f"{gid}?list_volume=true")
    assert (g["name"], g["description"], g["status"], g["volumes"]) == (
        "new_group", "nd", "available", [v1["id"]])
    assert demo("PUT", f"/groups/{gid}", {"group": {"add_volumes": v2["id"]}}
                ).status_code == 202
    assert sorted(show(demo, f"{gid}?list_volume=true")["volumes"]) == sorted(
        [v1["id"], v2["id"]])
    cases = [
        ({"add_volumes": v1["id"], "remove_volumes": v1["id"]},
         f"Invalid volume: UUIDs ['{v1['id']}'] are in both add and remove volume list."),
        ({"name": "new_group"},
         f"Invalid group: Cannot update group {gid} because no valid name, description, "
         f"add_volumes, or remove_volumes were provided."),
        ({"add_volumes": "0" * 36},
         f"Invalid volume: Cannot add volume {'0' * 36} to group {gid} because volume "
         f"cannot be found."),
        ({"remove_volumes": "0" * 36},
         f"Invalid volume: Cannot remove volume {'0' * 36} from group {gid} because it is "
         f"not in the group."),
    ]
    plain = demo.create()
    cases.append(({"add_volumes": plain["id"]},
                  f"Invalid volume: Cannot add volume {plain['id']} to group {gid} because "
                  f"volume type {plain['volume_type_id']} is not supported by the group."))
    theirs = admin.create(volume_type=vt)  # the admin project's: not the demo's to name
    cases.append(({"add_volumes": theirs["id"]},
                  f"Invalid volume: Cannot add volume {theirs['id']} to group {gid} "
                  f"because volume cannot be found."))
    for body, message in cases:
        r = demo("PUT", f"/groups/{gid}", {"group": body})
        assert r.status_code == 400 and msg(r) == message, body
    other = group(demo, world["gt"]["id"], [vt])
    r = demo("PUT", f"/groups/{other['id']}", {"group": {"add_volumes": v1["id"]}})
    assert r.status_code == 400 and msg(r) == (
        f"Invalid volume: Cannot add volume {v1['id']} to group {other['id']} because it "
        f"is already in group {gid}.")


def test_delete_needs_the_flag_for_its_volumes(api: Api, demo: Cinder,
                                               world: dict[str, Any]) -> None:
    gid, vt = world["g"]["id"], world["vt"]["id"]
    v = demo.create(volume_type=vt, group_id=gid)
    r = demo("POST", f"/groups/{gid}/action", {"delete": {"delete-volumes": False}})
    assert r.status_code == 400 and msg(r) == (
        f"Invalid group: Group {gid} still contains volumes. The delete-volumes flag is "
        f"required to delete it.")
    assert v["id"] in blocks(api).volumes
    r = demo("POST", f"/groups/{gid}/action", {"delete": {"delete-volumes": True}})
    assert r.status_code == 202
    assert demo("GET", f"/groups/{gid}").status_code == 404
    assert demo("GET", f"/volumes/{v['id']}").status_code == 404
    assert v["id"] not in blocks(api).volumes
    empty = group(demo, world["gt"]["id"], [vt])
    assert demo("POST", f"/groups/{empty['id']}/action", {"delete": {}}).status_code == 202
    assert demo("GET", "/groups").json() == {"groups": []}
    assert demo("POST", f"/groups/{gid}/action", {"delete": {}}).status_code == 404


def test_reset_status_is_the_admins_from_3_20(admin: Cinder, demo: Cinder,
                                              world: dict[str, Any]) -> None:
    gid = world["g"]["id"]
    body = {"reset_status": {"status": "error"}}
    assert demo("POST", f"/groups/{gid}/action", body).status_code == 403
    assert admin("POST", f"/groups/{gid}/action", body,
                 **{"OpenStack-API-Version": "volume 3.19"}).status_code == 404
    for status in ("creating", "available", "error"):
        r = admin("POST", f"/groups/{gid}/action", {"reset_status": {"status": status}})
        assert r.status_code == 202
        assert show(demo, gid)["status"] == status
    r = admin("POST", f"/groups/{gid}/action", {"reset_status": {"status": "bogus"}})
    assert r.status_code == 400 and "Group status: bogus is invalid" in msg(r)
    r = admin("POST", f"/groups/{gid}/action", {"nope": {}})
    assert r.status_code == 400 and msg(r) == "There is no such action: nope"


# --- group snapshots -------------------------------------------------------------------

def gsnap(c: Cinder, gid: str, **fields: Any) -> dict[str, Any]:
    r = c("POST", "/group_snapshots", {"group_snapshot": {"group_id": gid, **fields}})
    assert r.status_code == 202, r.text
    return dict(r.json()["group_snapshot"])


def test_a_group_snapshot_snapshots_every_volume(api: Api, demo: Cinder,
                                                 world: dict[str, Any]) -> None:
    gid, vt, gt = world["g"]["id"], world["vt"]["id"], world["gt"]["id"]
    v1 = demo.create(2, volume_type=vt, group_id=gid)
    v2 = demo.create(volume_type=vt, group_id=gid)
    gs = gsnap(demo, gid, name="gs", description="d")
    assert gs == {"id": gs["id"], "name": "gs", "group_type_id": gt}
    shown = demo("GET", f"/group_snapshots/{gs['id']}").json()["group_snapshot"]
    assert set(shown) == {"id", "group_id", "group_type_id", "status", "created_at",
                          "name", "description"}
    assert shown["status"] == "available" and shown["group_id"] == gid
    snaps = demo("GET", "/snapshots/detail").json()["snapshots"]
    assert {s["volume_id"]: s["size"] for s in snaps} == {v1["id"]: 2, v2["id"]: 1}
    assert {s["group_snapshot_id"] for s in snaps} == {gs["id"]}
    assert {s["status"] for s in snaps} == {"available"}
    assert set(blocks(api).snapshots) == {s["id"] for s in snaps}
    assert demo("GET", "/group_snapshots").json() == {
        "group_snapshots": [{"id": gs["id"], "name": "gs"}]}
    (d,) = demo("GET", "/group_snapshots/detail").json()["group_snapshots"]
    assert d == shown
    # a member snapshot goes with its group snapshot only; the group waits for both
    r = demo("DELETE", f"/snapshots/{snaps[0]['id']}")
    assert r.status_code == 400 and "must not be part of a group" in msg(r)
    r = demo("POST", f"/groups/{gid}/action", {"delete": {"delete-volumes": True}})
    assert r.status_code == 400 and msg(r) == "Invalid group: Group has existing snapshots."
    assert demo("DELETE", f"/group_snapshots/{gs['id']}").status_code == 202
    assert demo("GET", f"/group_snapshots/{gs['id']}").status_code == 404
    assert demo("GET", "/snapshots").json()["snapshots"] == []
    assert blocks(api).snapshots == {}
    r = demo("GET", f"/group_snapshots/{gs['id']}")
    assert msg(r) == f"GroupSnapshot {gs['id']} could not be found."


def test_an_attached_volume_is_frozen_for_its_snapshot(api: Api, demo: Cinder,
                                                       world: dict[str, Any]) -> None:
    """Recorded attachments (to a host) are not mounted: nothing to freeze, but the
    in-use volume is taken, as Cinder's group snapshots take it."""
    gid, vt = world["g"]["id"], world["vt"]["id"]
    v = demo.create(volume_type=vt, group_id=gid)
    assert demo("POST", f"/volumes/{v['id']}/action", {
        "os-attach": {"host_name": "h", "mountpoint": "/dev/vdb"}}).status_code == 202
    gs = gsnap(demo, gid)
    assert demo("GET", f"/group_snapshots/{gs['id']}").json()["group_snapshot"][
        "status"] == "available"


def test_group_snapshot_reset_status_and_errors(admin: Cinder, demo: Cinder,
                                                world: dict[str, Any]) -> None:
    gid = world["g"]["id"]
    gs = gsnap(demo, gid)
    path = f"/group_snapshots/{gs['id']}"
    body = {"reset_status": {"status": "error"}}
    assert demo("POST", f"{path}/action", body).status_code == 403
    assert admin("POST", f"{path}/action", body,
                 **{"OpenStack-API-Version": "volume 3.18"}).status_code == 404
    for status in ("creating", "available", "error"):
        assert admin("POST", f"{path}/action", {"reset_status": {"status": status}}
                     ).status_code == 202
        assert demo("GET", path).json()["group_snapshot"]["status"] == status
    admin("POST", f"{path}/action", {"reset_status": {"status": "creating"}})
    r = demo("DELETE", path)
    assert r.status_code == 400 and msg(r) == (
        "Invalid group snapshot: GroupSnapshot status must be available or error, and no "
        "Group can be currently using it as source for its creation.")
    nobody = "00000000-0000-4000-8000-000000000000"
    r = demo("POST", "/group_snapshots", {"group_snapshot": {"group_id": nobody}})
    assert r.status_code == 404 and msg(r) == f"Group {nobody} could not be found."
    assert demo("GET", "/group_snapshots", **V313).status_code == 404


def test_groups_made_from_a_group_snapshot_and_from_a_group(
        api: Api, demo: Cinder, world: dict[str, Any]) -> None:
    gid, vt = world["g"]["id"], world["vt"]["id"]
    v = demo.create(2, volume_type=vt, group_id=gid)
    gs = gsnap(demo, gid)
    (snap,) = demo("GET", "/snapshots").json()["snapshots"]
    r = demo("POST", "/groups/action", {"create-from-src": {
        "group_snapshot_id": gs["id"], "name": "from-snap"}})
    assert r.status_code == 202, r.text
    g2 = r.json()["group"]
    assert g2["name"] == "from-snap"
    shown = show(demo, f"{g2['id']}?list_volume=true")
    assert shown["status"] == "available" and shown["group_snapshot_id"] == gs["id"]
    assert shown["volume_types"] == [vt] and shown["group_type"] == world["gt"]["id"]
    (nv,) = shown["volumes"]
    made = demo("GET", f"/volumes/{nv}").json()["volume"]
    assert (made["status"], made["size"], made["snapshot_id"], made["group_id"]) == (
        "available", 2, snap["id"], g2["id"])
    assert blocks(api).volumes[nv] == 2
    # while it is the source of a group being made, the group snapshot stays
    r = demo("POST", "/groups/action", {"create-from-src": {"source_group_id": gid}})
    g3 = r.json()["group"]
    shown = show(demo, f"{g3['id']}?list_volume=true")
    assert shown["source_group_id"] == gid and shown["status"] == "available"
    (clone,) = shown["volumes"]
    assert demo("GET", f"/volumes/{clone}").json()["volume"]["source_volid"] == v["id"]
    empty = group(demo, world["gt"]["id"], [vt])
    r = demo("POST", "/groups/action", {"create-from-src": {"source_group_id": empty["id"]}})
    assert r.status_code == 400 and msg(r) == (
        "Invalid group: Source Group is empty. No group will be created.")
    r = demo("POST", "/groups/action", {"create-from-src": {
        "source_group_id": gid, "group_snapshot_id": gs["id"]}})
    assert r.status_code == 400
    r = demo("POST", "/groups/action", {"create-from-src": {"source_group_id": gid}},
             **V313)
    assert r.status_code == 404


def test_a_crash_midway_is_settled_at_start(api: Api, demo: Cinder,
                                            world: dict[str, Any]) -> None:
    gid = world["g"]["id"]
    with api.deps.sessions() as db, db.begin():
        db.get(VolumeGroup, gid).status = "creating"  # type: ignore[union-attr]
        notes = groups.recover(db, 0.0)
        assert db.get(VolumeGroup, gid).status == "available"  # type: ignore[union-attr]
        assert notes == [f"volume group {gid}: finished after a restart"]
        group_types.ensure_default(db, 0.0)  # idempotent
        assert len(list(db.scalars(select(GroupType).where(
            GroupType.name == group_types.CGSNAPSHOT_TYPE)))) == 1
        assert db.scalars(select(Volume)).all() == []
