"""What a server keeps and shows as Nova does: access IPs, OS-DCF:diskConfig, request ids
and instance actions (of deleted servers too), the server password, the console a busybox
server prints at boot, and the admin's all_tenants listing. Raw HTTP on the real engine."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.compute import support
from tests.integration.compute.nova_http import Nova, fault

V = "2.90"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def refs(nova: Nova) -> tuple[str, str]:
    image = nova.client.get("/image/v2/images", params={"name": "busybox"},
                            headers={"X-Auth-Token": nova.token("demo")}).json()["images"][0]
    flavor = next(f["id"] for f in nova.ok("GET", "/flavors", who="demo")["flavors"]
                  if f["name"] == "m1.tiny")
    return image["id"], flavor


def boot(nova: Nova, name: str, who: str = "demo", version: str = V, **extra) -> dict:  # type: ignore[no-untyped-def]
    image, flavor = refs(nova)
    body = {"server": {"name": unique(name), "imageRef": image, "flavorRef": flavor,
                       "networks": "none", **extra}}
    r = nova.call("POST", "/servers", who=who, version=version, json=body)
    assert r.status_code == 202, r.text
    return r.json()["server"]


def wait(nova: Nova, sid: str, status: str, who: str = "demo", errors: bool = False) -> dict:
    """Wait for a status with no task; ERROR on the way fails unless `errors`."""
    def check() -> dict | None:
        s = nova.ok("GET", f"/servers/{sid}", who=who, version=V)["server"]
        assert s["status"] != "ERROR" or status == "ERROR" or errors, s.get("fault")
        return s if s["status"] == status and s["OS-EXT-STS:task_state"] is None else None
    return support.wait_for(check, 60, f"server {sid} {status}")


def delete(nova: Nova, sid: str, who: str = "demo") -> None:
    nova.call("DELETE", f"/servers/{sid}", who=who)


@pytest.mark.parametrize("field,value", [
    ("accessIPv4", "1.1.1.300"), ("accessIPv4", ""), ("accessIPv4", "::1"),
    ("accessIPv6", "1.1.1.1"), ("accessIPv6", "2001:db8::zz"), ("accessIPv6", 6),
    ("OS-DCF:diskConfig", "auto"), ("OS-DCF:diskConfig", None),
])
def test_bad_access_ips_and_disk_config_are_400(nova: Nova, field: str, value: object) -> None:
    image, flavor = refs(nova)
    name = unique("bad-access")
    body = {"server": {"name": name, "imageRef": image, "flavorRef": flavor,
                       "networks": "none", field: value}}
    fault(nova.call("POST", "/servers", who="demo", version=V, json=body), 400)
    listed = nova.ok("GET", f"/servers?name={name}", who="demo")["servers"]
    assert listed == []


def test_access_ips_and_disk_config_are_kept(nova: Nova) -> None:
    created = boot(nova, "access", accessIPv4="1.1.1.1",
                   accessIPv6="0000:0000:0000:0000:0000:babe:220.12.22.2",
                   **{"OS-DCF:diskConfig": "AUTO"})
    sid = created["id"]
    assert created["OS-DCF:diskConfig"] == "AUTO"
    s = wait(nova, sid, "ACTIVE")
    # stored as an IP column: shown in canonical form, as netaddr renders it
    assert (s["accessIPv4"], s["accessIPv6"]) == ("1.1.1.1", "::babe:dc0c:1602")
    assert s["OS-DCF:diskConfig"] == "AUTO"

    r = nova.call("PUT", f"/servers/{sid}", who="demo", json={"server": {
        "accessIPv4": "2.2.2.2", "accessIPv6": "::babe:202:202",
        "OS-DCF:diskConfig": "MANUAL"}})
    assert r.status_code == 200, r.text
    shown = r.json()["server"]
    assert (shown["accessIPv4"], shown["accessIPv6"]) == ("2.2.2.2", "::babe:202:202")
    assert shown["OS-DCF:diskConfig"] == "MANUAL"
    fault(nova.call("PUT", f"/servers/{sid}", who="demo",
                    json={"server": {"accessIPv4": "300.1.1.1"}}), 400)
    fault(nova.call("PUT", f"/servers/{sid}", who="demo",
                    json={"server": {"OS-DCF:diskConfig": "BOTH"}}), 400)

    image, _ = refs(nova)
    r = nova.call("POST", f"/servers/{sid}/action", who="demo", version=V, json={"rebuild": {
        "imageRef": image, "accessIPv4": "3.3.3.3", "OS-DCF:diskConfig": "AUTO"}})
    assert r.status_code == 202, r.text
    s = wait(nova, sid, "ACTIVE")
    assert (s["accessIPv4"], s["accessIPv6"], s["OS-DCF:diskConfig"]) == (
        "3.3.3.3", "::babe:202:202", "AUTO")
    # a rebuild that does not name it keeps it
    nova.ok("POST", f"/servers/{sid}/action", 202, who="demo",
            json={"rebuild": {"imageRef": image}})
    assert wait(nova, sid, "ACTIVE")["OS-DCF:diskConfig"] == "AUTO"

    small = next(f["id"] for f in nova.ok("GET", "/flavors", who="demo")["flavors"]
                 if f["name"] == "m1.small")
    nova.ok("POST", f"/servers/{sid}/action", 202, who="demo",
            json={"resize": {"flavorRef": small, "OS-DCF:diskConfig": "MANUAL"}})
    assert wait(nova, sid, "VERIFY_RESIZE")["OS-DCF:diskConfig"] == "MANUAL"
    delete(nova, sid)


def test_default_disk_config_follows_the_image_property(nova: Nova) -> None:
    """MANUAL unless the image says auto_disk_config; AUTO on an image that disables it is
    Nova's 400."""
    glance = {"X-Auth-Token": nova.token("demo")}
    image, _ = refs(nova)
    raw = nova.client.get(f"/image/v2/images/{image}/file", headers=glance).content
    made = {}
    for value in ("True", "disabled"):
        r = nova.client.post("/image/v2/images", headers=glance, json={
            "name": unique("adc"), "disk_format": "raw", "container_format": "bare",
            "auto_disk_config": value})
        assert r.status_code == 201, r.text
        made[value] = r.json()["id"]
        put = nova.client.put(f"/image/v2/images/{made[value]}/file", content=raw,
                              headers={**glance, "Content-Type": "application/octet-stream"})
        assert put.status_code == 204, put.text
    auto = boot(nova, "adc-true", imageRef=made["True"])
    assert auto["OS-DCF:diskConfig"] == "AUTO"
    _, flavor = refs(nova)
    r = nova.call("POST", "/servers", who="demo", version=V, json={"server": {
        "name": unique("adc-off"), "imageRef": made["disabled"], "flavorRef": flavor,
        "networks": "none", "OS-DCF:diskConfig": "AUTO"}})
    assert "automatic disk resize disabled" in fault(r, 400)
    delete(nova, auto["id"])


def test_request_ids_and_instance_actions_of_deleted_servers(nova: Nova) -> None:
    r = nova.call("GET", "/servers", who="demo")
    rid = r.headers["x-compute-request-id"]
    assert rid.startswith("req-") and r.headers["x-openstack-request-id"] == rid
    missing = nova.call("GET", f"/servers/{uuid.uuid4()}", who="demo")
    assert missing.headers["x-compute-request-id"].startswith("req-")
    assert missing.headers["x-compute-request-id"] != rid

    sid = boot(nova, "actions")["id"]
    wait(nova, sid, "ACTIVE")
    r = nova.call("POST", f"/servers/{sid}/action", who="demo",
                  json={"reboot": {"type": "HARD"}})
    assert r.status_code == 202
    reboot_id = r.headers["x-compute-request-id"]
    shown = nova.ok("GET", f"/servers/{sid}/os-instance-actions/{reboot_id}",
                    who="demo")["instanceAction"]
    assert shown["action"] == "reboot" and shown["request_id"] == reboot_id
    wait(nova, sid, "ACTIVE")
    delete(nova, sid)

    def gone() -> bool:
        return nova.call("GET", f"/servers/{sid}", who="demo").status_code == 404
    support.wait_for(gone, 60, "the server deleted")
    fault(nova.call("GET", f"/servers/{sid}/os-instance-actions", who="demo",
                    version="2.20"), 404)
    listed = nova.ok("GET", f"/servers/{sid}/os-instance-actions", who="demo",
                     version="2.21")["instanceActions"]
    assert sorted(a["action"] for a in listed) == ["create", "delete", "reboot"]
    assert nova.ok("GET", f"/servers/{sid}/os-instance-actions/{reboot_id}", who="demo",
                   version="2.21")["instanceAction"]["action"] == "reboot"


def test_console_shows_the_boot_and_length_is_novas(nova: Nova) -> None:
    sid = boot(nova, "console")["id"]
    s = wait(nova, sid, "ACTIVE")

    def output(length: object = None) -> str:
        body = {"os-getConsoleOutput": {} if length is None else {"length": length}}
        return nova.ok("POST", f"/servers/{sid}/action", who="demo", json=body)["output"]
    text = support.wait_for(lambda: "is up" in output() and output(), 30, "the boot banner")
    lines = text.splitlines()
    assert lines[0].startswith("cheptel-init: booting Linux")
    hostname = s["OS-EXT-SRV-ATTR:hostname"]
    assert f"cheptel-init: hostname {hostname}" in lines
    # Nova's tail: the last N items of the text split on newlines (the last one empty)
    assert output(3).split("\n") == [*lines[-2:], ""]
    assert output("3") == output(3)
    assert output(0) == ""
    assert output(-1) == text
    fault(nova.call("POST", f"/servers/{sid}/action", who="demo",
                    json={"os-getConsoleOutput": {"length": -2}}), 400)
    nova.ok("POST", f"/servers/{sid}/action", 202, who="demo",
            json={"reboot": {"type": "HARD"}})
    wait(nova, sid, "ACTIVE")
    support.wait_for(lambda: output().count("is up") == 2, 30, "a second boot on the console")
    delete(nova, sid)


def test_server_password_is_empty_and_clears(nova: Nova) -> None:
    sid = boot(nova, "password")["id"]
    assert nova.ok("GET", f"/servers/{sid}/os-server-password", who="demo") == {
        "password": ""}
    assert nova.call("DELETE", f"/servers/{sid}/os-server-password",
                     who="demo").status_code == 204
    fault(nova.call("GET", f"/servers/{uuid.uuid4()}/os-server-password", who="demo"), 404)
    delete(nova, sid)


def test_admin_listing_needs_all_tenants_for_another_project(nova: Nova) -> None:
    sid = boot(nova, "tenant")["id"]
    demo_project = nova.project_id("demo")
    ids = [s["id"] for s in nova.ok("GET", f"/servers?tenant_id={demo_project}")["servers"]]
    assert sid not in ids  # tenant_id is ignored without all_tenants (lp:#1185290)
    ids = [s["id"] for s in nova.ok("GET", f"/servers?project_id={demo_project}")["servers"]]
    assert sid not in ids
    for query in ("all_tenants&tenant_id=", "all_tenants=1&project_id=",
                  "all_tenants=True&tenant_id="):
        found = nova.ok("GET", f"/servers/detail?{query}{demo_project}")["servers"]
        assert sid in [s["id"] for s in found], query
        assert {s["tenant_id"] for s in found} == {demo_project}
    assert sid not in [s["id"] for s in nova.ok("GET", "/servers?all_tenants=0")["servers"]]
    fault(nova.call("GET", "/servers?all_tenants=maybe"), 400)
    # a member's all_tenants is refused by the get_all_tenants policy, as Nova refuses it
    for path in ("/servers?all_tenants", "/servers/detail?all_tenants=1"):
        fault(nova.call("GET", path, who="demo"), 403)
    assert sid in [s["id"] for s in nova.ok("GET", "/servers?all_tenants=0", who="demo")[
        "servers"]]
    delete(nova, sid)
