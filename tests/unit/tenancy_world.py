"""The world of the tenancy-id tests (test_tenancy_ids, test_tenancy_ids_volume): the
hostile world (tests/unit/hostile.py) with both servers ACTIVE, the victim's volume
attached, each project's volume group and backup; and how a case's "{name}" templates
are filled with its ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.hostile import World, build_world

VM = {"OpenStack-API-Version": "volume 3.71"}


def build(where: Path) -> World:
    w = build_world(where)
    public = w.ok("mallory", "GET", "/network/v2.0/networks?name=public")["networks"]
    w.ids["public_net"] = public[0]["id"]
    _volumes(w)
    _groups(w)
    _backups(w)
    return w


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def _volumes(w: World) -> None:
    """Both servers ACTIVE (the world's reconciler is stopped: converged here), the victim's
    volume attached to the victim's server, and a volume of mallory's."""
    servers = w.deps.reconciler.convergers["compute"]
    for who in ("victim", "mallory"):
        sid = w.ids[f"{who}_server"]
        for _ in range(10):
            if not servers.converge(sid):
                break
        assert w.ok(who, "GET", f"/compute/v2.1/servers/{sid}")["server"]["status"] == "ACTIVE"
        project = w.ids["victim_project"] if who == "victim" else w.ids["mallory_project"]
        w.ids[f"{who}_volume"] = w.ok(who, "POST", f"/volume/v3/{project}/volumes", {
            "volume": {"size": 1, "name": f"{who}-volume"}})["volume"]["id"]
    w.ok("victim", "POST", f"/compute/v2.1/servers/{w.ids['victim_server']}/"
         "os-volume_attachments", {"volumeAttachment": {"volumeId": w.ids["victim_volume"]}})
    w.deps.reconciler.convergers["block-storage"].converge(w.ids["victim_volume"])
    assert w.ok("victim", "GET", f"/volume/v3/{w.ids['victim_project']}/volumes/"
                f"{w.ids['victim_volume']}")["volume"]["status"] == "in-use"


# Cinder's groups: the victim's group (holding a volume) and group snapshot, named from
# mallory's project; mallory has a group of the same types
def _groups(w: World) -> None:
    v3 = "/volume/v3/{}"
    h = VM
    token = w.tokens["admin"]
    admin = w.call("admin", "GET", "/identity/v3/auth/tokens", headers={
        "X-Subject-Token": token}).json()["token"]["project"]["id"]
    vt = w.call("admin", "POST", v3.format(admin) + "/types", {"volume_type": {
        "name": "tenancy-vt"}}, h).json()["volume_type"]["id"]
    gt = w.call("admin", "POST", v3.format(admin) + "/group_types", {"group_type": {
        "name": "tenancy-gt"}}, h).json()["group_type"]["id"]
    for who in ("victim", "mallory"):
        base = v3.format(w.ids[f"{who}_volume_project"])
        r = w.call(who, "POST", base + "/groups", {"group": {
            "group_type": gt, "volume_types": [vt]}}, h)
        assert r.status_code == 202, r.text
        w.ids[f"{who}_vgroup"] = r.json()["group"]["id"]
        r = w.call(who, "POST", base + "/volumes", {"volume": {
            "size": 1, "volume_type": vt, "group_id": w.ids[f"{who}_vgroup"]}}, h)
        assert r.status_code == 202, r.text
        w.ids[f"{who}_grouped_volume"] = r.json()["volume"]["id"]
    r = w.call("victim", "POST", v3.format(w.ids["victim_volume_project"]) +
               "/group_snapshots", {"group_snapshot": {"group_id": w.ids["victim_vgroup"]}}, h)
    assert r.status_code == 202, r.text
    w.ids["victim_group_snapshot"] = r.json()["group_snapshot"]["id"]
    w.ids["tenancy_vt"] = vt


# Cinder's backups: the victim's backup, named from mallory's project; mallory's own
# volume as a restore target
def _backups(w: World) -> None:
    v3 = "/volume/v3/{}"
    for who in ("victim", "mallory"):
        base = v3.format(w.ids[f"{who}_volume_project"])
        r = w.call(who, "POST", base + "/volumes", {"volume": {"size": 1}}, VM)
        assert r.status_code == 202, r.text
        w.ids[f"{who}_backed_volume"] = r.json()["volume"]["id"]
    # mallory tries to restore into the victim's volume with mallory's own backup
    r = w.call("mallory", "POST", v3.format(w.ids["mallory_volume_project"]) + "/backups",
               {"backup": {"volume_id": w.ids["mallory_backed_volume"]}}, VM)
    assert r.status_code == 202, r.text
    w.ids["mallory_backup"] = r.json()["backup"]["id"]
    r = w.call("victim", "POST", v3.format(w.ids["victim_volume_project"]) + "/backups",
               {"backup": {"volume_id": w.ids["victim_backed_volume"]}}, VM)
    assert r.status_code == 202, r.text
    w.ids["victim_backup"] = r.json()["backup"]["id"]
