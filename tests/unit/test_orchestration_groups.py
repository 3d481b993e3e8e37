"""OS::Heat::ResourceGroup, AutoScalingGroup and ScalingPolicy over the in-process cloud:
members in a nested stack of their own, the groups' attributes, a resize by update, by a
policy's signal (token) and by its alarm_url (no token), cooldowns and bounds."""

from __future__ import annotations

from typing import Any

from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud

V = "2018-08-31"
SERVER_DEF = {"type": "OS::Nova::Server", "properties": {
    "name": "web-%index%", "image": "busybox", "flavor": "m1.tiny", "networks": []}}
MEMBER = "file:///tmp/g/member.yaml"
FILES = {MEMBER: """
heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties: {image: busybox, flavor: m1.tiny, networks: []}
outputs:
  OS::stack_id:
    value: {get_resource: server}
  name:
    value: {get_attr: [server, name]}
"""}


def rg_template(count: int, removal: list[str] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"count": count, "resource_def": SERVER_DEF}
    if removal is not None:
        props["removal_policies"] = [{"resource_list": removal}]
    return {"heat_template_version": V, "resources": {
        "group": {"type": "OS::Heat::ResourceGroup", "properties": props}},
        "outputs": {"refs": {"value": {"get_attr": ["group", "refs"]}},
                    "refs_map": {"value": {"get_attr": ["group", "refs_map"]}},
                    "names": {"value": {"get_attr": ["group", "name"]}},
                    "by_name": {"value": {"get_attr": ["group", "attributes", "name"]}},
                    "one": {"value": {"get_attr": ["group", "resource.1"]}},
                    "one_name": {"value": {"get_attr": ["group", "resource.1.name"]}},
                    "removed": {"value": {"get_attr": ["group", "removed_rsrc_list"]}}}}


ASG = {"heat_template_version": V, "resources": {
    "asg": {"type": "OS::Heat::AutoScalingGroup", "properties": {
        "min_size": 1, "max_size": 3, "desired_capacity": 2, "resource": {"type": "Member"}}},
    "up": {"type": "OS::Heat::ScalingPolicy", "properties": {
        "auto_scaling_group_id": {"get_resource": "asg"}, "adjustment_type":
        "change_in_capacity", "scaling_adjustment": 1}},
    "half": {"type": "OS::Heat::ScalingPolicy", "properties": {
        "auto_scaling_group_id": {"get_resource": "asg"}, "adjustment_type":
        "percent_change_in_capacity", "scaling_adjustment": -50, "cooldown": 60}}},
    "outputs": {"size": {"value": {"get_attr": ["asg", "current_size"]}},
                "refs": {"value": {"get_attr": ["asg", "refs"]}},
                "names": {"value": {"get_attr": ["asg", "outputs_list", "name"]}},
                "up_url": {"value": {"get_attr": ["up", "signal_url"]}},
                "half_url": {"value": {"get_attr": ["half", "alarm_url"]}}}}


def _outputs(cloud: Cloud, name: str, sid: str) -> dict[str, Any]:
    stack = heat(cloud, "GET", f"/stacks/{name}/{sid}").json()["stack"]  # settled
    assert stack["stack_status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), stack
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def _create(cloud: Cloud, name: str, template: Any, **extra: Any) -> str:
    quiet(cloud)
    r = heat(cloud, "POST", "/stacks", {"stack_name": name, "template": template, **extra})
    assert r.status_code == 201, r.text
    cloud.settle()
    return str(r.json()["stack"]["id"])


def test_a_resource_group_of_servers(rcloud: Cloud) -> None:
    sid = _create(rcloud, "rg", rg_template(3))
    out = _outputs(rcloud, "rg", sid)
    assert out["names"] == ["web-0", "web-1", "web-2"]
    assert out["by_name"] == {"0": "web-0", "1": "web-1", "2": "web-2"}
    assert out["refs_map"] == dict(zip(["0", "1", "2"], out["refs"], strict=True))
    assert out["one"] == out["refs"][1] and out["one_name"] == "web-1"
    assert all(rcloud.status(s) == "ACTIVE" for s in out["refs"])
    group = heat(rcloud, "GET", f"/stacks/rg/{sid}/resources/group").json()["resource"]
    members = heat(rcloud, "GET", f"/stacks/rg/{sid}/resources?nested_depth=1").json()
    inner = [r for r in members["resources"] if r.get("parent_resource") == "group"]
    assert sorted(r["resource_name"] for r in inner) == ["0", "1", "2"]
    assert {r["links"][1]["href"].rsplit("/", 1)[1] for r in inner} == {
        group["physical_resource_id"]}
    # the metrics show the stack, not its nested one (the exporter's list hides them)
    text = rcloud.api.client.get("/metrics", headers={
        "X-Auth-Token": rcloud.api.admin()}).text
    lines = [x for x in text.splitlines() if x.startswith("openstack_heat_stack_status{")]
    assert len(lines) == 1 and f'id="{sid}"' in lines[0], lines
    # smaller: the highest index goes, the others are kept
    assert heat(rcloud, "PUT", f"/stacks/rg/{sid}", {"template": rg_template(2)}
                ).status_code == 202
    rcloud.settle()
    smaller = _outputs(rcloud, "rg", sid)
    assert smaller["refs"] == out["refs"][:2] and rcloud.gone(out["refs"][2])
    # a removal policy: member 0 goes, its name is never used again
    assert heat(rcloud, "PUT", f"/stacks/rg/{sid}", {"template": rg_template(2, ["0"])}
                ).status_code == 202
    rcloud.settle()
    removed = _outputs(rcloud, "rg", sid)
    assert removed["names"] == ["web-1", "web-2"] and removed["removed"] == ["0"]
    assert removed["refs"][0] == out["refs"][1] and rcloud.gone(out["refs"][0])
    assert heat(rcloud, "DELETE", f"/stacks/rg/{sid}").status_code == 204
    rcloud.settle()
    assert all(rcloud.gone(s) for s in removed["refs"])


def _signal(cloud: Cloud, url: str, token: str | None = "") -> int:
    headers = {} if token is None else {"X-Auth-Token": token or cloud.token}
    return cloud.api.client.post(url, json={"current": "alarm"},
                                 headers=headers).status_code


def test_an_autoscaling_group_scales_by_its_policies(rcloud: Cloud) -> None:
    env = {"resource_registry": {"Member": MEMBER}}
    sid = _create(rcloud, "asg", ASG, files=FILES, environment=env)
    out = _outputs(rcloud, "asg", sid)
    assert out["size"] == 2 and len(out["refs"]) == 2
    assert all(rcloud.status(s) == "ACTIVE" for s in out["refs"])
    assert sorted(out["names"]) == sorted(rcloud.show(s)["name"] for s in out["refs"])
    assert out["up_url"].endswith(f"/stacks/asg/{sid}/resources/up/signal")
    # up: 3, then max_size holds it there
    assert _signal(rcloud, out["up_url"]) == 200
    rcloud.settle()
    grown = _outputs(rcloud, "asg", sid)
    assert grown["size"] == 3 and set(out["refs"]) < set(grown["refs"])
    assert all(rcloud.status(s) == "ACTIVE" for s in grown["refs"])
    assert _signal(rcloud, out["up_url"]) == 200
    rcloud.settle()
    assert _outputs(rcloud, "asg", sid)["size"] == 3
    # the alarm_url takes no token: -50 % of 3 is -1; its cooldown holds the next one
    assert _signal(rcloud, out["half_url"], token=None) == 200
    rcloud.settle()
    halved = _outputs(rcloud, "asg", sid)
    assert halved["size"] == 2 and halved["refs"] == grown["refs"][1:]  # oldest first
    assert rcloud.gone(grown["refs"][0])
    assert _signal(rcloud, out["half_url"], token=None) == 200
    rcloud.settle()
    assert _outputs(rcloud, "asg", sid)["size"] == 2
    # an update of the stack keeps the size the policies made (desired_capacity unchanged)
    assert heat(rcloud, "PATCH", f"/stacks/asg/{sid}", {}).status_code == 202
    rcloud.settle()
    assert _outputs(rcloud, "asg", sid)["refs"] == halved["refs"]
    rcloud.api.clock.advance(61)
    assert _signal(rcloud, out["half_url"], token=None) == 200
    rcloud.settle()
    assert _outputs(rcloud, "asg", sid)["size"] == 1  # -1, min_size 1 holds it there
    events = heat(rcloud, "GET", f"/stacks/asg/{sid}/resources/half/events").json()
    reasons = [e["resource_status_reason"] for e in events["events"]
               if e["resource_status"] == "SIGNAL_COMPLETE"]
    assert any("cooldown" in x for x in reasons), reasons
    # what is not a policy, a wrong secret, another project: refused
    base = out["up_url"].rsplit("/resources/", 1)[0]
    r = rcloud.api.client.post(base + "/resources/asg/signal", json=None,
                               headers={"X-Auth-Token": rcloud.token})
    assert r.status_code == 400, r.text
    assert _signal(rcloud, out["half_url"] + "x", token=None) == 404
    assert _signal(rcloud, out["up_url"], token=None) == 401
    # deleted with everything it made
    assert heat(rcloud, "DELETE", f"/stacks/asg/{sid}").status_code == 204
    rcloud.settle()
    assert all(rcloud.gone(s) for s in grown["refs"])
    assert _signal(rcloud, out["half_url"], token=None) == 404


def test_bad_groups_are_400s(rcloud: Cloud) -> None:
    quiet(rcloud)

    def asg(**props: Any) -> dict[str, Any]:
        base = {"min_size": 1, "max_size": 2, "resource": {"type": "OS::Heat::None"}}
        return {"heat_template_version": V, "resources": {"g": {
            "type": "OS::Heat::AutoScalingGroup", "properties": {**base, **props}}}}

    policy = {"heat_template_version": V, "resources": {"p": {
        "type": "OS::Heat::ScalingPolicy", "properties": {
            "auto_scaling_group_id": "x", "adjustment_type": "sideways",
            "scaling_adjustment": 1}}}}
    for template, message in (
            (asg(min_size=3), "MinSize can not be greater than MaxSize"),
            (asg(desired_capacity=5), "DesiredCapacity must be between MinSize and MaxSize"),
            (asg(resource={"type": "OS::No::Such"}),
             "The Resource Type (OS::No::Such) could not be found."),
            (asg(resource={"properties": {}}), "Property type not assigned"),
            (rg_template(-1), "-1 is out of range (min: 0, max: None)"),
            (rg_template(10**9), "Maximum resources per stack exceeded."),
            (asg(max_size=10**9), "Maximum resources per stack exceeded."),
            ({"heat_template_version": V, "resources": {"g": {
                "type": "OS::Heat::ResourceGroup", "properties": {"resource_def": {
                    "type": "OS::Nova::Server", "properties": {"flavor": "x"}}}}}},
             "Property image not assigned"),
            (policy, "\"sideways\" is not an allowed value"),
            ("heat_template_version: 2018-08-31\nresources:\n  p:\n"
             "    type: OS::Heat::ScalingPolicy\n    properties:\n"
             "      auto_scaling_group_id: x\n      adjustment_type: exact_capacity\n"
             "      scaling_adjustment: .nan\n", "is not a finite number")):
        r = heat(rcloud, "POST", "/stacks", {"stack_name": "bad", "template": template})
        assert r.status_code == 400, (template, r.text)
        assert message in r.json()["error"]["message"], r.json()
