"""Server actions answered as Nova answers them: os-resetState, injectNetworkInfo, migrate,
forceDelete, restore, createBackup with rotation, add/removeSecurityGroup, confirmResize's
204, and a stopped server that stays stopped through rebuild and resize. Raw HTTP on the
real engine."""

from __future__ import annotations

import uuid

from tests.integration.compute import support
from tests.integration.compute.nova_http import Nova, fault
from tests.integration.compute.test_server_attributes import V, boot, delete, refs, unique, wait


def act(nova: Nova, sid: str, body: dict, who: str = "admin", version: str = V):  # type: ignore[no-untyped-def]
    return nova.call("POST", f"/servers/{sid}/action", who=who, version=version, json=body)


def actions_of(nova: Nova, sid: str) -> dict[str, dict]:
    return {a["action"]: a for a in nova.ok("GET", f"/servers/{sid}/os-instance-actions",
                                            who="demo", version=V)["instanceActions"]}


def test_reset_state_and_what_an_error_server_can_do(nova: Nova) -> None:
    sid = boot(nova, "reset")["id"]
    wait(nova, sid, "ACTIVE")
    fault(act(nova, sid, {"os-resetState": {"state": "error"}}, who="demo"), 403)
    for bad in ({"state": "stopped"}, {"state": 1}, {}, None, {"state": "error", "x": 1}):
        fault(act(nova, sid, {"os-resetState": bad}), 400)
    fault(act(nova, uuid.uuid4().hex, {"os-resetState": {"state": "error"}}), 404)

    r = act(nova, sid, {"os-resetState": {"state": "error"}})
    assert r.status_code == 202 and not r.content
    assert nova.ok("GET", f"/servers/{sid}", who="demo")["server"]["status"] == "ERROR"
    errored = nova.ok("GET", "/servers?status=error", who="demo")["servers"]
    assert sid in [s["id"] for s in errored]
    assert actions_of(nova, sid)["resetState"]["request_id"] == r.headers[
        "x-compute-request-id"]
    assert support.container(sid).status == "running"  # the state only, as in Nova

    image, _ = refs(nova)  # an ERROR server may be rebuilt: it comes back ACTIVE
    assert act(nova, sid, {"rebuild": {"imageRef": image}}, who="demo").status_code == 202
    wait(nova, sid, "ACTIVE", errors=True)  # ERROR (task rebuilding) until it is done
    act(nova, sid, {"os-resetState": {"state": "error"}})
    act(nova, sid, {"os-resetState": {"state": "active"}})
    assert wait(nova, sid, "ACTIVE")["OS-EXT-STS:vm_state"] == "active"
    act(nova, sid, {"os-resetState": {"state": "error"}})
    assert nova.call("DELETE", f"/servers/{sid}", who="demo").status_code == 204
    support.wait_for(lambda: nova.call("GET", f"/servers/{sid}").status_code == 404, 60,
                     "an ERROR server deleted")


def test_inject_migrate_force_delete_and_restore(nova: Nova) -> None:
    sid = boot(nova, "admin-acts")["id"]
    wait(nova, sid, "ACTIVE")
    fault(act(nova, sid, {"injectNetworkInfo": None}, who="demo"), 403)
    assert act(nova, sid, {"injectNetworkInfo": None}).status_code == 202

    fault(act(nova, sid, {"migrate": None}, who="demo"), 403)
    fault(act(nova, uuid.uuid4().hex, {"migrate": None}), 404)
    assert act(nova, sid, {"migrate": None}, version="2.1").status_code == 202
    migrate = actions_of(nova, sid)["migrate"]  # one host: the scheduler finds no other
    assert migrate["message"] == "Error"
    assert wait(nova, sid, "ACTIVE")["OS-EXT-STS:vm_state"] == "active"
    host = nova.ok("GET", f"/servers/{sid}", version=V)["server"]["OS-EXT-SRV-ATTR:host"]
    fault(act(nova, sid, {"migrate": {"host": host}}, version="2.56"), 400)
    assert "could not be found" in fault(act(nova, sid, {"migrate": {"host": "elsewhere"}},
                                             version="2.56"), 400)
    fault(act(nova, sid, {"migrate": {"bogus": 1}}, version="2.56"), 400)

    # no soft delete: nothing is ever SOFT_DELETED, restore is a 409 or a 404
    assert "vm_state active" in fault(act(nova, sid, {"restore": None}, who="demo"), 409)
    fault(act(nova, uuid.uuid4().hex, {"restore": None}, who="demo"), 404)
    fault(act(nova, uuid.uuid4().hex, {"forceDelete": None}, who="demo"), 404)
    nova.ok("POST", f"/servers/{sid}/action", 202, who="demo", json={"lock": None})
    fault(act(nova, sid, {"forceDelete": None}, who="demo"), 409)
    fault(act(nova, sid, {"injectNetworkInfo": None}, who="demo"), 403)
    nova.ok("POST", f"/servers/{sid}/action", 202, who="demo", json={"unlock": None})
    assert act(nova, sid, {"forceDelete": None}, who="demo").status_code == 202
    support.wait_for(lambda: nova.call("GET", f"/servers/{sid}").status_code == 404, 60,
                     "the server force-deleted")


def test_stopped_server_stays_stopped_through_rebuild_and_resize(nova: Nova) -> None:
    sid = boot(nova, "stopped")["id"]
    wait(nova, sid, "ACTIVE")
    nova.ok("POST", f"/servers/{sid}/action", 202, who="demo", json={"os-stop": None})
    wait(nova, sid, "SHUTOFF")
    image, _ = refs(nova)
    assert act(nova, sid, {"rebuild": {"imageRef": image}}, who="demo").status_code == 202
    s = wait(nova, sid, "SHUTOFF")
    assert s["OS-EXT-STS:power_state"] == 4
    assert support.container(sid).status in ("created", "exited")

    small = next(f["id"] for f in nova.ok("GET", "/flavors", who="demo")["flavors"]
                 if f["name"] == "m1.small")
    assert act(nova, sid, {"resize": {"flavorRef": small}}, who="demo").status_code == 202
    wait(nova, sid, "VERIFY_RESIZE")
    container = support.container(sid)
    assert container.status in ("created", "exited")
    assert container.attrs["HostConfig"]["Memory"] == 2048 * 2**20
    r = act(nova, sid, {"confirmResize": None}, who="demo")
    assert r.status_code == 204 and not r.content
    wait(nova, sid, "SHUTOFF")
    assert support.container(sid).status in ("created", "exited")
    fault(act(nova, sid, {"confirmResize": None}, who="demo"), 409)
    delete(nova, sid)


def test_confirm_is_204_and_revert_202(nova: Nova) -> None:
    sid = boot(nova, "resize")["id"]
    wait(nova, sid, "ACTIVE")
    small = next(f["id"] for f in nova.ok("GET", "/flavors", who="demo")["flavors"]
                 if f["name"] == "m1.small")
    act(nova, sid, {"resize": {"flavorRef": small}}, who="demo")
    wait(nova, sid, "VERIFY_RESIZE")
    assert act(nova, sid, {"revertResize": None}, who="demo").status_code == 202
    wait(nova, sid, "ACTIVE")
    act(nova, sid, {"resize": {"flavorRef": small}}, who="demo")
    wait(nova, sid, "VERIFY_RESIZE")
    assert act(nova, sid, {"confirmResize": None}, who="demo").status_code == 204
    s = wait(nova, sid, "ACTIVE")
    assert s["flavor"]["original_name"] == "m1.small"
    assert set(actions_of(nova, sid)) >= {"resize", "revertResize", "confirmResize"}
    delete(nova, sid)


def test_backups_rotate(nova: Nova) -> None:
    sid = boot(nova, "backup")["id"]
    wait(nova, sid, "ACTIVE")
    glance = {"X-Auth-Token": nova.token("demo")}
    for bad in ({"name": "b", "backup_type": "daily"}, {"name": "b", "backup_type": "daily",
                                                       "rotation": -1},
                {"name": "b", "backup_type": "daily", "rotation": "x"},
                {"name": "", "backup_type": "daily", "rotation": 1}):
        fault(act(nova, sid, {"createBackup": bad}, who="demo"), 400)
    made = []
    for i in range(3):
        version = "2.1" if i == 0 else V
        r = act(nova, sid, {"createBackup": {"name": f"bk-{i}", "backup_type": "daily",
                                             "rotation": 2, "metadata": {"k": "v"}}},
                who="demo", version=version)
        assert r.status_code == 202, r.text
        made.append(r.headers["Location"].rsplit("/", 1)[-1] if i == 0
                    else r.json()["image_id"])
        wait(nova, sid, "ACTIVE")
    weekly = act(nova, sid, {"createBackup": {"name": "wk", "backup_type": "weekly",
                                              "rotation": 1}}, who="demo").json()["image_id"]
    wait(nova, sid, "ACTIVE")
    found = nova.client.get("/image/v2/images", headers=glance, params={
        "image_type": "backup", "instance_uuid": sid, "sort_key": "created_at",
        "sort_dir": "asc"}).json()["images"]
    assert [(i["id"], i["backup_type"]) for i in found] == [
        (made[1], "daily"), (made[2], "daily"), (weekly, "weekly")]
    assert all(i["status"] == "active" and i["k"] == "v" for i in found[:2])
    assert nova.client.get(f"/image/v2/images/{made[0]}", headers=glance).status_code == 404
    assert "createBackup" in actions_of(nova, sid)
    # rotation 0 keeps none, not even the new one
    r = act(nova, sid, {"createBackup": {"name": "none", "backup_type": "weekly",
                                         "rotation": 0}}, who="demo", version="2.1")
    assert r.status_code == 202 and "Location" not in r.headers
    wait(nova, sid, "ACTIVE")
    weeklies = nova.client.get("/image/v2/images", headers=glance, params={
        "backup_type": "weekly", "instance_uuid": sid}).json()["images"]
    assert weeklies == []
    for image_id in made[1:]:
        nova.client.delete(f"/image/v2/images/{image_id}", headers=glance)
    delete(nova, sid)


def test_add_and_remove_security_groups(nova: Nova) -> None:
    net = nova.client.get("/network/v2.0/networks", params={"name": "private"},
                          headers={"X-Auth-Token": nova.token("demo")}).json()["networks"][0]
    sid = boot(nova, "sg", networks=[{"uuid": net["id"]}])["id"]
    wait(nova, sid, "ACTIVE")
    neutron = {"X-Auth-Token": nova.token("demo")}
    name = unique("web")
    group = nova.client.post("/network/v2.0/security-groups", headers=neutron, json={
        "security_group": {"name": name}}).json()["security_group"]

    def groups() -> list[str]:
        shown = nova.ok("GET", f"/servers/{sid}", who="demo")["server"]
        return sorted(g["name"] for g in shown.get("security_groups", []))
    assert groups() == ["default"]
    fault(act(nova, sid, {"addSecurityGroup": {"name": "no-such-group"}}, who="demo"), 404)
    fault(act(nova, sid, {"addSecurityGroup": {"name": " "}}, who="demo"), 400)
    fault(act(nova, sid, {"addSecurityGroup": {}}, who="demo"), 400)
    assert act(nova, sid, {"addSecurityGroup": {"name": name}}, who="demo").status_code == 202
    assert groups() == sorted(["default", name])
    ports = nova.client.get("/network/v2.0/ports", params={"device_id": sid},
                            headers=neutron).json()["ports"]
    assert group["id"] in ports[0]["security_groups"]
    assert act(nova, sid, {"removeSecurityGroup": {"name": group["id"]}},
               who="demo").status_code == 202
    assert act(nova, sid, {"removeSecurityGroup": {"name": "default"}},
               who="demo").status_code == 202
    assert groups() == []  # no group left on its ports: Nova leaves the key out
    assert "not associated" in fault(act(nova, sid, {"removeSecurityGroup": {"name": name}},
                                         who="demo"), 404)
    no_ports = boot(nova, "sg-none")["id"]
    fault(act(nova, no_ports, {"addSecurityGroup": {"name": "default"}}, who="demo"), 404)
    for s in (sid, no_ports):
        delete(nova, s)
