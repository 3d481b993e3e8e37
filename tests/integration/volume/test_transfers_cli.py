"""Volume transfers through the unmodified `openstack volume transfer request` CLI
against a real `cheptel serve`: demo offers its volume (with a snapshot), the admin's
project accepts it with the key; an offer deleted gives the volume back."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.integration.cloud import Cloud

DEMO = "cheptel-demo"
V355 = ("--os-volume-api-version", "3.55")


def _wait(cloud: Cloud, kind: tuple[str, ...], name: str, status: str,
          who: str = DEMO) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        shown: dict[str, Any] = cloud.cli(*kind, "show", name, cloud=who)
        if shown["status"] == status or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def test_transfer_request_create_list_show_accept(volume_cloud: Cloud) -> None:
    c, tag = volume_cloud, uuid.uuid4().hex[:8]
    vol = c.cli("volume", "create", "--size", "1", f"gift-{tag}", cloud=DEMO)
    _wait(c, ("volume",), vol["id"], "available")
    snap = c.cli("volume", "snapshot", "create", "--volume", vol["id"], f"gift-snap-{tag}",
                 cloud=DEMO)
    _wait(c, ("volume", "snapshot"), snap["id"], "available")

    t = c.cli("volume", "transfer", "request", "create", "--name", f"t-{tag}", vol["id"],
              cloud=DEMO)
    assert t["volume_id"] == vol["id"] and t["name"] == f"t-{tag}" and t["auth_key"]
    assert c.cli("volume", "show", vol["id"], cloud=DEMO)["status"] == "awaiting-transfer"
    listed = {x["ID"]: x for x in c.cli("volume", "transfer", "request", "list", cloud=DEMO)}
    assert listed[t["id"]]["Volume"] == vol["id"]
    shown = c.cli("volume", "transfer", "request", "show", t["id"], cloud=DEMO)
    assert shown["volume_id"] == vol["id"] and "auth_key" not in shown
    # the admin's project does not see it listed, and a wrong key is refused
    assert t["id"] not in {x["ID"] for x in c.cli("volume", "transfer", "request", "list")}
    bad = c.cli("volume", "transfer", "request", "accept", "--auth-key", "0" * 16, t["id"],
                check=False, as_json=False)
    assert bad.returncode != 0 and "Invalid auth key" in bad.stderr

    accepted = c.cli("volume", "transfer", "request", "accept", "--auth-key", t["auth_key"],
                     t["id"])
    assert accepted["volume_id"] == vol["id"]
    mine = _wait(c, ("volume",), vol["id"], "available", who="cheptel")
    assert mine["os-vol-tenant-attr:tenant_id"] == c.cli("token", "issue")["project_id"]
    assert c.cli("volume", "show", vol["id"], cloud=DEMO, check=False,
                 as_json=False).returncode != 0
    assert c.cli("volume", "snapshot", "show", snap["id"])["volume_id"] == vol["id"]
    gone = c.cli("volume", "transfer", "request", "show", t["id"], cloud=DEMO, check=False,
                 as_json=False)
    assert gone.returncode != 0
    c.cli("volume", "snapshot", "delete", snap["id"], as_json=False)
    deadline = time.monotonic() + 30
    while c.cli("volume", "snapshot", "show", snap["id"], check=False,
                as_json=False).returncode == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    c.cli("volume", "delete", vol["id"], as_json=False)


def test_transfer_request_delete_gives_the_volume_back(volume_cloud: Cloud) -> None:
    c, tag = volume_cloud, uuid.uuid4().hex[:8]
    vol = c.cli("volume", "create", "--size", "1", f"kept-{tag}", cloud=DEMO)
    _wait(c, ("volume",), vol["id"], "available")
    t = c.cli(*V355, "volume", "transfer", "request", "create", "--no-snapshots", vol["id"],
              cloud=DEMO)
    # (the CLI prints no no_snapshots: read it at 3.55)
    raw = c.sdk(cloud=DEMO).block_storage.get(f"/volume-transfers/{t['id']}",
                                              microversion="3.55")
    assert raw.status_code == 200 and raw.json()["transfer"]["no_snapshots"] is True
    c.cli("volume", "transfer", "request", "delete", t["id"], cloud=DEMO, as_json=False)
    assert c.cli("volume", "show", vol["id"], cloud=DEMO)["status"] == "available"
    assert t["id"] not in {x["ID"] for x in c.cli("volume", "transfer", "request", "list",
                                                  cloud=DEMO)}
    c.cli("volume", "delete", vol["id"], cloud=DEMO, as_json=False)
