"""The orchestration part of the walk's world (tests/unit/walk_world.py): a stack of one
RandomString, an AutoScalingGroup of them and its ScalingPolicy (whose alarm_url's secret
the webhook route takes), driven to CREATE_COMPLETE by its engine, with an output; a
software config and a deployment of it; the URL's project is the admin's (whose token
the walk sends)."""

from __future__ import annotations

import time

from tests.unit.walk import World

K, H = "/identity", "/orchestration"
TEMPLATE = {"heat_template_version": "2018-08-31",
            "parameters": {"length": {"type": "number", "default": 8}},
            "resources": {"rand": {"type": "OS::Heat::RandomString",
                                   "properties": {"length": {"get_param": "length"}}},
                          "group": {"type": "OS::Heat::AutoScalingGroup", "properties": {
                              "min_size": 1, "max_size": 2,
                              "resource": {"type": "OS::Heat::RandomString"}}},
                          "scale": {"type": "OS::Heat::ScalingPolicy", "properties": {
                              "auto_scaling_group_id": {"get_resource": "group"},
                              "adjustment_type": "change_in_capacity",
                              "scaling_adjustment": 1}}},
            "outputs": {"value": {"value": {"get_attr": ["rand", "value"]}}}}


def populate_orchestration(w: World) -> None:
    ids = w.ids
    project = ids[f"{K} admin_project"]
    ids[f"{H} project_id"] = project
    p = f"/v1/{project}"
    made = w.ok(H, "POST", f"{p}/stacks", {"stack_name": "walk-stack", "template": TEMPLATE},
                template="/v1/{project_id}/stacks")["stack"]
    stack = f"{p}/stacks/walk-stack/{made['id']}"
    deadline = time.monotonic() + 30  # the walk's reconciler runs on its own threads
    while w.ok(H, "GET", stack)["stack"]["stack_status"] != "CREATE_COMPLETE":
        assert time.monotonic() < deadline, "the walk's stack never completed"
        time.sleep(0.05)
    ids[f"{H} stack_name"] = "walk-stack"
    ids[f"{H} stack_id"] = made["id"]
    ids[f"{H} resource_name"] = "rand"
    policy = w.ok(H, "GET", f"{stack}/resources/scale")["resource"]
    ids[f"{H} secret"] = policy["attributes"]["alarm_url"].rsplit("/", 1)[1]
    ids[f"{H} key"] = "value"
    events = w.ok(H, "GET", f"{p}/stacks/walk-stack/{made['id']}/resources/rand/events")
    ids[f"{H} event_id"] = events["events"][0]["id"]
    ids[f"{H} version"] = "heat_template_version.2018-08-31"
    ids[f"{H} type_name"] = "OS::Heat::RandomString"
    body = {"template": TEMPLATE, "parameters": {"length": 9}}
    for method in ("PUT", "PATCH"):
        w.templates[f"{H} {method} /v1/{{project_id}}/stacks/{{stack_name}}/{{stack_id}}"] = body
    w.templates[f"{H} POST /v1/{{project_id}}/stacks/preview"] = {
        "stack_name": "walk-preview", "template": TEMPLATE}
    w.templates[f"{H} POST /v1/{{project_id}}/validate"] = {"template": TEMPLATE}
    w.templates[f"{H} POST /v1/{{project_id}}/stacks/{{stack_name}}/{{stack_id}}/actions"] = {
        "check": None}
    w.templates[f"{H} PATCH /v1/{{project_id}}/stacks/{{stack_name}}/{{stack_id}}/resources/"
                "{resource_name}"] = {"mark_unhealthy": False,
                                      "resource_status_reason": "walk"}
    config = w.ok(H, "POST", f"{p}/software_configs", {"group": "script", "config": "x"},
                  template="/v1/{project_id}/software_configs")["software_config"]
    ids[f"{H} config_id"] = config["id"]
    deployment = w.ok(H, "POST", f"{p}/software_deployments", {
        "config_id": config["id"], "server_id": "walk-server", "action": "CREATE"},
        template="/v1/{project_id}/software_deployments")["software_deployment"]
    ids[f"{H} deployment_id"] = deployment["id"]
    ids[f"{H} server_id"] = "walk-server"
    w.templates[f"{H} PUT /v1/{{project_id}}/software_deployments/{{deployment_id}}"] = {
        "action": "UPDATE", "status": "COMPLETE", "status_reason": "walk",
        "output_values": {"a": 1}}
