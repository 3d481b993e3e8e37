"""Generic volume groups through the unmodified `openstack` CLI (its volume group
commands are openstacksdk's) against a real `cheptel serve`, over real files: a group
type, a group of two volumes, a group snapshot (a file per volume), a group made from
it and one cloned from the group, and the deletes."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from tests.integration.cloud import Cloud

V = ("--os-volume-api-version", "3.14")


def _wait(cloud: Cloud, kind: tuple[str, ...], name: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        shown: dict[str, Any] = cloud.cli(*V, *kind, "show", name)
        if str(shown.get("status", shown.get("Status"))) == status or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def _gone(path: Path) -> bool:
    deadline = time.monotonic() + 30
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return not path.exists()


def _fsck_clean(path: Path) -> bool:
    return subprocess.run(["e2fsck", "-fn", str(path)], capture_output=True).returncode == 0


def test_group_type_group_and_group_snapshot(volume_cloud: Cloud) -> None:
    c = volume_cloud
    tag = uuid.uuid4().hex[:8]
    gt = c.cli(*V, "volume", "group", "type", "create", "--description", "d", f"gt-{tag}")
    assert gt["Name"] == f"gt-{tag}" and gt["Is Public"] is True
    c.cli(*V, "volume", "group", "type", "set", "--property", "k=v", f"gt-{tag}")
    assert c.cli(*V, "volume", "group", "type", "show", f"gt-{tag}")["Properties"] == {
        "k": "v"}
    assert f"gt-{tag}" in {t["Name"] for t in c.cli(*V, "volume", "group", "type", "list")}
    vt = c.cli("volume", "type", "create", f"vt-{tag}")
    group = c.cli(*V, "volume", "group", "create", "--volume-group-type", f"gt-{tag}",
                  "--volume-type", f"vt-{tag}", "--name", f"g-{tag}")
    shown = _wait(c, ("volume", "group"), group["ID"], "available")
    assert shown["Volume Types"] == [vt["id"]] and shown["Group Type"] == gt["ID"]

    vols = [c.cli("volume", "create", "--size", "1", "--type", f"vt-{tag}", f"{n}-{tag}")
            for n in ("a", "b")]
    for v in vols:
        _wait(c, ("volume",), v["id"], "available")
    c.cli(*V, "volume", "group", "add", "volume", f"g-{tag}", *[v["id"] for v in vols],
          as_json=False)
    assert {c.cli(*V, "volume", "show", v["id"])["group_id"] for v in vols} == {group["ID"]}
    c.cli(*V, "volume", "group", "set", "--description", "nd", f"g-{tag}")
    assert c.cli(*V, "volume", "group", "show", f"g-{tag}")["Description"] == "nd"
    refused = c.cli("volume", "delete", vols[0]["id"], check=False, as_json=False)
    assert refused.returncode != 0 and "belong to a group" in refused.stderr

    gs = c.cli(*V, "volume", "group", "snapshot", "create", "--name", f"gs-{tag}",
               f"g-{tag}")
    _wait(c, ("volume", "group", "snapshot"), gs["ID"], "available")
    snaps = [s for s in c.cli("volume", "snapshot", "list", "--long")
             if s["Volume"] in {v["id"] for v in vols} or s["Name"] == f"gs-{tag}"]
    assert len(snaps) == 2 and {s["Status"] for s in snaps} == {"available"}
    for s in snaps:
        path = c.data_dir / "snapshots" / f"{s['ID']}.img"
        assert path.exists() and _fsck_clean(path)
    assert f"gs-{tag}" in {s["Name"] for s in c.cli(*V, "volume", "group", "snapshot",
                                                     "list")}

    # openstacksdk 4.22's create_group_from_source sends the absent source as null,
    # which Cinder's schema (a uuid string, one of the two) refuses: so does cheptel
    refused = c.cli(*V, "volume", "group", "create", "--group-snapshot", f"gs-{tag}",
                    "--name", f"fs-{tag}", check=False, as_json=False)
    assert refused.returncode != 0 and "400" in refused.stderr
    # the same request as Cinder's API reference writes it, through the SDK's session
    bs = c.sdk().block_storage
    made_groups = []
    for source in ({"group_snapshot_id": gs["ID"]}, {"source_group_id": group["ID"]}):
        r = bs.post("/groups/action", json={"create-from-src": {
            **source, "name": f"from-{tag}"}}, microversion="3.14")
        assert r.status_code == 202, r.text
        made_groups.append({"ID": r.json()["group"]["id"]})
    from_snap, clone = made_groups
    for made in (from_snap, clone):
        assert _wait(c, ("volume", "group"), made["ID"], "available")["Status"] == \
            "available"
    members = [v for v in c.cli(*V, "volume", "list", "--long")
               if v["Name"] is None or v["Name"] == ""]
    made_vols = [c.cli(*V, "volume", "show", v["ID"]) for v in members]
    made_vols = [v for v in made_vols if v["group_id"] in (from_snap["ID"], clone["ID"])]
    assert len(made_vols) == 4 and {v["status"] for v in made_vols} == {"available"}
    for v in made_vols:
        assert _fsck_clean(c.data_dir / "volumes" / f"{v['id']}.img")

    # the group snapshot first (the group waits for it), then the groups with volumes
    c.cli(*V, "volume", "group", "snapshot", "delete", f"gs-{tag}", as_json=False)
    for s in snaps:
        assert _gone(c.data_dir / "snapshots" / f"{s['ID']}.img")
    for g in (from_snap["ID"], clone["ID"], group["ID"]):
        c.cli(*V, "volume", "group", "delete", "--force", g, as_json=False)
    for v in [*vols, *made_vols]:
        assert _gone(c.data_dir / "volumes" / f"{v['id']}.img")
    assert c.cli(*V, "volume", "group", "list") == []
    c.cli(*V, "volume", "group", "type", "delete", f"gt-{tag}", as_json=False)
