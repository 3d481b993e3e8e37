"""Software configs over the in-process cloud: /software_configs (create, show, list,
delete; another project's is a 404), and OS::Heat::SoftwareConfig, CloudConfig and
MultipartMime made through it, their config attribute, a server booted with one as its
user_data (RAW), everything deleted with the stack."""

from __future__ import annotations

import base64
from email import message_from_string
from typing import Any

import yaml

from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud
from tests.unit.test_orchestration_test_resource import outputs, path, stack


def test_the_software_configs_api(rcloud: Cloud) -> None:
    r = heat(rcloud, "POST", "/software_configs", {
        "name": "hello", "group": "script", "config": "#!/bin/sh -x\necho hello",
        "inputs": [{"name": "who"}], "options": {"x": 1}})
    assert r.status_code == 200, r.text
    made = r.json()["software_config"]
    assert made["group"] == "script" and made["config"].endswith("echo hello")
    shown = heat(rcloud, "GET", f"/software_configs/{made['id']}").json()["software_config"]
    assert shown == made
    listed = heat(rcloud, "GET", "/software_configs").json()["software_configs"]
    assert [(c["id"], c["group"]) for c in listed] == [(made["id"], "script")]
    assert "config" not in listed[0]
    default = heat(rcloud, "POST", "/software_configs", {}).json()["software_config"]
    assert default["group"] == "Heat::Ungrouped" and default["config"] == ""
    bad = heat(rcloud, "POST", "/software_configs", {"config": 3})
    assert bad.status_code == 400
    admin = rcloud.api.admin()
    other = heat(rcloud, "GET", f"/software_configs/{made['id']}", token=admin)
    assert other.status_code == 404  # another project's, as Heat's
    assert heat(rcloud, "DELETE", f"/software_configs/{made['id']}").status_code == 204
    gone = heat(rcloud, "GET", f"/software_configs/{made['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["message"] == f"The config ({made['id']}) could not be found."


TEMPLATE: dict[str, Any] = {
    "heat_template_version": "2016-04-08",
    "resources": {
        "script": {"type": "OS::Heat::SoftwareConfig", "properties": {
            "group": "ungrouped", "config": "#!/bin/sh\necho hi > /tmp/hi\n"}},
        "cloud": {"type": "OS::Heat::CloudConfig", "properties": {
            "cloud_config": {"write_files": [{"path": "/tmp/a", "content": "b"}]}}},
        "mime": {"type": "OS::Heat::MultipartMime", "properties": {"parts": [
            {"config": {"get_resource": "cloud"}, "subtype": "cloud-config"},
            {"config": {"get_resource": "script"}, "filename": "run.sh"},
            {"config": "#!/bin/sh\necho literal\n"}]}},
        "server": {"type": "OS::Nova::Server", "properties": {
            "image": "busybox", "flavor": "m1.tiny", "networks": [],
            "user_data_format": "RAW", "user_data": {"get_resource": "script"}}}},
    "outputs": {"script": {"value": {"get_attr": ["script", "config"]}},
                "cloud": {"value": {"get_attr": ["cloud", "config"]}},
                "mime": {"value": {"get_attr": ["mime", "config"]}},
                "script_id": {"value": {"get_resource": "script"}}},
}


def test_config_types_and_a_server_booted_with_one(rcloud: Cloud) -> None:
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "sw", "template": TEMPLATE})
    assert r.status_code == 201, r.text
    rcloud.settle()
    s = stack(rcloud, "sw")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    out = outputs(s)
    assert out["script"] == "#!/bin/sh\necho hi > /tmp/hi\n"
    assert out["cloud"].startswith("#cloud-config\n")
    assert yaml.safe_load(out["cloud"]) == {"write_files": [{"path": "/tmp/a",
                                                             "content": "b"}]}
    parts = [p for p in message_from_string(out["mime"]).walk() if not p.is_multipart()]
    assert [p.get_content_subtype() for p in parts] == ["cloud-config", "x-shellscript",
                                                        "x-shellscript"]
    assert parts[1].get_filename() == "run.sh"
    assert parts[1].get_payload(decode=True).decode() == out["script"]
    assert parts[2].get_payload(decode=True).decode() == "#!/bin/sh\necho literal\n"
    shown = heat(rcloud, "GET", f"/software_configs/{out['script_id']}").json()
    assert shown["software_config"]["group"] == "ungrouped"
    # the server's user_data is the config's text, not its id
    sid = heat(rcloud, "GET", path(rcloud, "sw") + "/resources/server").json()[
        "resource"]["physical_resource_id"]
    server = rcloud.api.client.get(
        f"/compute/v2.1/servers/{sid}", headers={"X-Auth-Token": rcloud.api.admin(),
                                                 "OpenStack-API-Version": "compute 2.3"})
    data = server.json()["server"]["OS-EXT-SRV-ATTR:user_data"]  # an admin's to read
    assert base64.b64decode(data).decode() == out["script"]
    assert heat(rcloud, "DELETE", path(rcloud, "sw")).status_code == 204
    rcloud.settle()
    assert heat(rcloud, "GET", "/software_configs").json()["software_configs"] == []


def test_bad_parts_are_heats_errors(rcloud: Cloud) -> None:
    for parts, message in [
            ([{"filename": "x"}], "parts[0]: Property config not assigned"),
            ([{"config": "x", "type": "zip"}], "parts[0].type: \"zip\" is not an allowed "
             "value"),
            ([{"config": "x", "colour": 1}], "parts[0]: Unknown Property colour")]:
        r = heat(rcloud, "POST", "/stacks", {"stack_name": "x", "template": {
            "heat_template_version": "2016-04-08", "resources": {"mime": {
                "type": "OS::Heat::MultipartMime", "properties": {"parts": parts}}}}})
        assert r.status_code == 400, r.text
        assert message in r.json()["error"]["message"]


def test_the_software_deployments_api(rcloud: Cloud) -> None:
    config = heat(rcloud, "POST", "/software_configs", {
        "group": "script", "config": "echo $who",
        "inputs": [{"name": "who", "default": "world"}, {"name": "how"}]}).json()[
        "software_config"]
    r = heat(rcloud, "POST", "/software_deployments", {
        "action": "ACTION0", "config_id": config["id"], "server_id": "dummy_server",
        "input_values": {"how": "loud"}})
    assert r.status_code == 200, r.text
    made = r.json()["software_deployment"]
    assert (made["action"], made["server_id"], made["config_id"]) == (
        "ACTION0", "dummy_server", config["id"])
    path = f"/software_deployments/{made['id']}"
    assert heat(rcloud, "GET", path).json()["software_deployment"] == made
    meta = heat(rcloud, "GET", "/software_deployments/metadata/dummy_server").json()
    assert [(m["group"], m["deployment_id"]) for m in meta["metadata"]] == [
        ("script", made["id"])]
    assert {i["name"]: i["value"] for i in meta["metadata"][0]["inputs"]} == {
        "who": "world", "how": "loud"}
    r = heat(rcloud, "PUT", path, {"action": "ACTION1", "status": "COMPLETE",
                                   "status_reason": "completed",
                                   "output_values": {"result": "ok"}})
    assert r.status_code == 200, r.text
    updated = r.json()["software_deployment"]
    assert (updated["action"], updated["status_reason"], updated["output_values"]) == (
        "ACTION1", "completed", {"result": "ok"})
    listed = heat(rcloud, "GET", "/software_deployments").json()["software_deployments"]
    assert [d["id"] for d in listed] == [made["id"]]
    assert heat(rcloud, "GET", "/software_deployments?server_id=other").json()[
        "software_deployments"] == []
    bad = heat(rcloud, "POST", "/software_deployments", {
        "config_id": "00000000-0000-0000-0000-000000000000", "server_id": "s"})
    assert bad.status_code == 404
    assert heat(rcloud, "POST", "/software_deployments", {"server_id": "s"}
                ).status_code == 400
    other = heat(rcloud, "GET", path, token=rcloud.api.admin())
    assert other.status_code == 404
    assert heat(rcloud, "DELETE", path).status_code == 204
    assert heat(rcloud, "GET", path).status_code == 404
