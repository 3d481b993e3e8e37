"""Heat's API over the in-process cloud (fake engine, the reconciler run by hand): a
stack of a network, a subnet, a port and a server made, read, updated and deleted as
heatclient drives it; bad templates refused with Heat's body; other projects see nothing."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import func, select

from cheptel.compute.models import Server
from cheptel.network.models import Network
from cheptel.orchestration.models import Stack, StackResource
from tests.unit.conftest import ADMIN_PASSWORD, MakeApi
from tests.unit.orchestration import NET_SERVER, heat, project_of, quiet
from tests.unit.reconcile import Cloud


def template() -> dict[str, Any]:
    """NET_SERVER as heatclient sends it: parsed, its version kept as text."""
    tpl = yaml.safe_load(NET_SERVER)
    tpl["heat_template_version"] = "2018-08-31"
    return dict(tpl)


def made(cloud: Cloud, name: str = "web", template: Any = NET_SERVER, **extra: Any) -> str:
    quiet(cloud)
    r = heat(cloud, "POST", "/stacks", {"stack_name": name, "template": template, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["stack"]["id"])


def status(cloud: Cloud, name: str = "web") -> str:
    r = heat(cloud, "GET", f"/stacks/{name}")
    assert r.status_code == 200, r.text
    return str(r.json()["stack"]["stack_status"])


def count(cloud: Cloud, model: Any) -> int:
    with cloud.deps.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)))


def test_a_stack_is_made_in_order_read_and_deleted(rcloud: Cloud) -> None:
    sid = made(rcloud)
    assert status(rcloud) == "CREATE_IN_PROGRESS"
    rcloud.settle()
    r = heat(rcloud, "GET", f"/stacks/web/{sid}")
    stack = r.json()["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs["address"] == outputs["port_ip"] and outputs["address"].startswith(
        "10.77.1.")
    assert outputs["net_name"] == "heat-net"
    assert stack["parameters"]["OS::stack_id"] == sid

    resources = {x["resource_name"]: x for x in heat(
        rcloud, "GET", f"/stacks/web/{sid}/resources").json()["resources"]}
    assert set(resources) == {"net", "subnet", "port", "server"}
    assert resources["net"]["required_by"] == ["port", "subnet"]
    server_id = resources["server"]["physical_resource_id"]
    assert rcloud.status(server_id) == "ACTIVE"
    port = rcloud.neutron("GET", f"/ports/{resources['port']['physical_resource_id']}")
    assert port.json()["port"]["device_id"] == server_id

    shown = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    assert shown["attributes"]["first_address"] == outputs["address"]
    assert shown["attributes"]["networks"] == {"heat-net": [outputs["address"]]}

    # the events heatclient's --wait reads: ascending, then from a marker
    events = heat(rcloud, "GET", "/stacks/web/events?sort_dir=asc").json()["events"]
    said = [(e["resource_name"], e["resource_status"]) for e in events]
    assert said[0] == ("web", "CREATE_IN_PROGRESS") and said[-1] == ("web", "CREATE_COMPLETE")
    assert said.index(("net", "CREATE_COMPLETE")) < said.index(("subnet", "CREATE_IN_PROGRESS"))
    last = events[-1]
    assert last["physical_resource_id"] == sid
    assert [x["href"] for x in last["links"] if x["rel"] == "stack"][0].endswith(sid)
    later = heat(rcloud, "GET", f"/stacks/web/events?sort_dir=asc&marker={events[-3]['id']}")
    assert [e["id"] for e in later.json()["events"]] == [e["id"] for e in events[-2:]]
    newest = heat(rcloud, "GET", "/stacks/web/events?sort_dir=desc&limit=1").json()["events"]
    assert newest[0]["id"] == last["id"]
    server_events = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server/events")
    assert {e["resource_name"] for e in server_events.json()["events"]} == {"server"}

    r = heat(rcloud, "DELETE", "/stacks/web", follow=False)  # keystoneauth follows a 302
    assert r.status_code == 302, r.text                        # with the same verb
    r = rcloud.api.client.delete(r.headers["location"], headers={"X-Auth-Token": rcloud.token})
    assert r.status_code == 204, r.text
    assert status(rcloud, sid) == "DELETE_IN_PROGRESS"
    rcloud.settle()
    assert heat(rcloud, "GET", f"/stacks/web/{sid}").json()["stack"]["stack_status"] == \
        "DELETE_COMPLETE"
    assert heat(rcloud, "GET", "/stacks/web").status_code == 404
    assert heat(rcloud, "GET", "/stacks").json()["stacks"] == []
    assert rcloud.gone(server_id)
    assert count(rcloud, StackResource) == 0
    assert rcloud.neutron("GET", "/networks?name=heat-net").json()["networks"] == []
    events = heat(rcloud, "GET", f"/stacks/web/{sid}/events?sort_dir=desc&limit=4")
    said = [(e["resource_name"], e["resource_status"]) for e in events.json()["events"]]
    assert said[:2] == [("web", "DELETE_COMPLETE"), ("net", "DELETE_COMPLETE")]


def test_lookups_answer_heats_redirect(rcloud: Cloud) -> None:
    sid = made(rcloud)
    project = project_of(rcloud, rcloud.token)
    for path, tail in (("/stacks/web", ""), (f"/stacks/{sid}", ""),
                       ("/stacks/web/events?sort_dir=asc", "/events?sort_dir=asc"),
                       ("/stacks/web/resources", "/resources")):
        r = heat(rcloud, "GET", path, follow=False)
        assert r.status_code == 302, r.text
        assert r.headers["location"] == (f"http://127.0.0.1:8080/orchestration/v1/{project}"
                                         f"/stacks/web/{sid}{tail}")


def test_other_projects_see_no_stack(rcloud: Cloud) -> None:
    sid = made(rcloud)
    rcloud.settle()
    admin = rcloud.api.token("admin", ADMIN_PASSWORD, "admin")
    for path in ("/stacks/web", f"/stacks/{sid}", f"/stacks/web/{sid}",
                 f"/stacks/web/{sid}/resources", f"/stacks/web/{sid}/events"):
        r = heat(rcloud, "GET", path, token=admin)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"]["type"] == "EntityNotFound"
    assert heat(rcloud, "DELETE", f"/stacks/web/{sid}", token=admin).status_code == 404
    assert heat(rcloud, "GET", "/stacks", token=admin).json()["stacks"] == []
    # the URL's project must be the token's
    demo_project = project_of(rcloud, rcloud.token)
    r = heat(rcloud, "GET", "/stacks", token=admin, project=demo_project)
    assert r.status_code == 403 and r.json()["error"]["type"] == "Forbidden"
    assert status(rcloud) == "CREATE_COMPLETE"


def test_bad_templates_are_heats_400_and_record_nothing(rcloud: Cloud) -> None:
    quiet(rcloud)
    bad_param = {"stack_name": "x", "template": NET_SERVER, "parameters": {"cidr": "a b"}}
    no_type = {"stack_name": "x", "template": {"heat_template_version": "2018-08-31",
                                               "resources": {"r": {"type": "OS::No::Such"}}}}
    bad_name = {"stack_name": "1-starts-with-a-digit", "template": NET_SERVER}
    for body, message in ((bad_param, "Parameter 'cidr' is invalid"),
                          (no_type, "The Resource Type (OS::No::Such) could not be found."),
                          (bad_name, "stack_name"),
                          ({"stack_name": "x", "template": "{unclosed"}, "Error parsing")):
        r = heat(rcloud, "POST", "/stacks", body)
        assert r.status_code == 400, r.text
        fault = r.json()
        assert fault["code"] == 400 and fault["title"] == "Bad Request"
        assert message in fault["error"]["message"], fault
    assert count(rcloud, Stack) == 0
    made(rcloud, "dup", template=NET_SERVER)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "dup", "template": NET_SERVER})
    assert r.status_code == 409 and r.json()["error"]["type"] == "StackExists"


def test_update_adds_and_removes_resources(rcloud: Cloud) -> None:
    sid = made(rcloud)
    rcloud.settle()
    server = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()[
        "resource"]["physical_resource_id"]
    tpl = template()
    tpl["resources"]["secret"] = {"type": "OS::Heat::RandomString",
                                  "properties": {"length": 12}}
    tpl["outputs"]["secret"] = {"value": {"get_attr": ["secret", "value"]}}
    r = heat(rcloud, "PUT", f"/stacks/web/{sid}", {"template": tpl})
    assert r.status_code == 202, r.text
    assert heat(rcloud, "PUT", f"/stacks/web/{sid}", {"template": tpl}).status_code == 409
    rcloud.settle()
    out = heat(rcloud, "GET", f"/stacks/web/{sid}/outputs/secret").json()["output"]
    assert status(rcloud) == "UPDATE_COMPLETE" and len(out["output_value"]) == 12
    # untouched resources were kept, not replaced
    assert heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()[
        "resource"]["physical_resource_id"] == server
    # PATCH (--existing): the stored template, a new parameter value: the server replaced
    r = heat(rcloud, "PATCH", f"/stacks/web/{sid}", {"parameters": {"flavor": "m1.small"}})
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert status(rcloud) == "UPDATE_COMPLETE"
    new = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    assert new["physical_resource_id"] != server and rcloud.gone(server)
    assert rcloud.show(new["physical_resource_id"])["flavor"]["original_name"] == "m1.small"
    del tpl["resources"]["secret"], tpl["outputs"]["secret"]
    assert heat(rcloud, "PUT", f"/stacks/web/{sid}", {"template": tpl}).status_code == 202
    rcloud.settle()
    names = {x["resource_name"] for x in heat(
        rcloud, "GET", f"/stacks/web/{sid}/resources").json()["resources"]}
    assert names == {"net", "subnet", "port", "server"}


def test_a_failing_resource_fails_the_stack_with_its_reason(rcloud: Cloud) -> None:
    tpl = template()
    tpl["resources"]["server"]["properties"]["image"] = "no-such-image"
    sid = made(rcloud, template=tpl)
    rcloud.settle()
    stack = heat(rcloud, "GET", f"/stacks/web/{sid}").json()["stack"]
    assert stack["stack_status"] == "CREATE_FAILED"
    assert "Resource CREATE failed" in stack["stack_status_reason"]
    assert "no-such-image" in stack["stack_status_reason"]
    server = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    assert server["resource_status"] == "CREATE_FAILED"
    assert count(rcloud, Server) == 0
    # a failed stack is deleted like any other
    heat(rcloud, "DELETE", f"/stacks/web/{sid}")
    rcloud.settle()
    assert heat(rcloud, "GET", "/stacks").json()["stacks"] == []
    assert count(rcloud, StackResource) == 0


def test_a_restart_resumes_a_stack_in_progress(rcloud: Cloud, make_api: MakeApi) -> None:
    sid = made(rcloud)
    job = rcloud.pool.queue.popleft()  # the stack's first run: up to the server's wait
    job[0](*job[1])
    with rcloud.deps.sessions() as db:
        server = db.scalar(select(StackResource).where(StackResource.name == "server"))
        assert server is not None and server.status == "IN_PROGRESS"
    rcloud.crash(make_api)  # the queued work is lost; the first pass finds the stack
    quiet(rcloud)
    rcloud.settle()
    assert status(rcloud) == "CREATE_COMPLETE"
    assert count(rcloud, Network) >= 1
    names = [e["resource_name"] for e in heat(rcloud, "GET", f"/stacks/web/{sid}/events")
             .json()["events"] if e["resource_status"] == "CREATE_IN_PROGRESS"]
    assert names.count("server") == 1  # resumed, not made twice
    assert count(rcloud, Server) == 1


def test_a_stack_past_its_timeout_fails(rcloud: Cloud) -> None:
    made(rcloud, timeout_mins=1)
    job = rcloud.pool.queue.popleft()
    job[0](*job[1])
    rcloud.api.clock.advance(120)
    rcloud.settle()
    stack = heat(rcloud, "GET", "/stacks/web").json()["stack"]
    assert stack["stack_status"] == "CREATE_FAILED"
    assert stack["stack_status_reason"] == "CREATE timed out"
    rcloud.deps.reconciler.pass_once()  # a failed stack is not driven again
    assert [job for job in rcloud.pool.queue if job[1][0][0] == "orchestration"] == []


def test_validate_versions_and_types(rcloud: Cloud) -> None:
    r = heat(rcloud, "POST", "/validate", {"template": NET_SERVER})
    assert r.status_code == 200, r.text
    assert r.json()["Parameters"]["cidr"]["AllowedPattern"] == "[0-9./]+"
    assert heat(rcloud, "POST", "/validate", {"template": {"heat_template_version": 1}}
                ).status_code == 400
    versions = heat(rcloud, "GET", "/template_versions").json()["template_versions"]
    rocky = [v for v in versions if v["version"] == "heat_template_version.2018-08-31"][0]
    assert rocky["aliases"] == ["heat_template_version.rocky"]
    fns = heat(rcloud, "GET", "/template_versions/heat_template_version.2015-04-30/functions")
    assert {f["functions"] for f in fns.json()["template_functions"]} >= {"repeat", "digest"}
    assert "OS::Nova::Server" in heat(rcloud, "GET", "/resource_types").json()[
        "resource_types"]
    schema = heat(rcloud, "GET", "/resource_types/OS::Neutron::Subnet").json()
    assert schema["properties"]["cidr"]["required"] is True
    assert heat(rcloud, "GET", "/resource_types/OS::No::Such").status_code == 404
    root = rcloud.api.client.get("/orchestration/")
    assert root.status_code == 300 and root.json()["versions"][0]["id"] == "v1.0"


def test_a_failed_create_rolls_back_when_asked(rcloud: Cloud) -> None:
    tpl = template()
    tpl["resources"]["server"]["properties"]["flavor"] = "no-such-flavor"
    made(rcloud, template=tpl, disable_rollback=False)
    rcloud.settle()
    stack = heat(rcloud, "GET", "/stacks/web").json()["stack"]
    assert stack["stack_status"] == "ROLLBACK_COMPLETE", stack["stack_status_reason"]
    assert count(rcloud, StackResource) == 0
    assert rcloud.neutron("GET", "/networks?name=heat-net").json()["networks"] == []
    said = [e["resource_status"] for e in heat(rcloud, "GET", "/stacks/web/events").json()[
        "events"] if e["resource_name"] == "web"]
    assert said == ["CREATE_IN_PROGRESS", "CREATE_FAILED", "ROLLBACK_IN_PROGRESS",
                    "ROLLBACK_COMPLETE"]


def test_a_yaml_alias_bomb_is_a_400(rcloud: Cloud) -> None:
    quiet(rcloud)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 9)]
    bomb = "heat_template_version: 2018-08-31\ndescription:\n" + "\n".join(
        "  " + line for line in lines)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "bomb", "template": bomb})
    assert r.status_code == 400 and "maximum allowed size" in r.json()["error"]["message"]
    assert count(rcloud, Stack) == 0


def test_a_delete_during_the_create_wins(rcloud: Cloud) -> None:
    sid = made(rcloud)
    job = rcloud.pool.queue.popleft()  # the create runs up to the server's wait
    job[0](*job[1])
    assert count(rcloud, Server) == 1
    assert heat(rcloud, "DELETE", f"/stacks/web/{sid}").status_code == 204
    rcloud.settle()
    stack = heat(rcloud, "GET", f"/stacks/web/{sid}").json()["stack"]
    assert stack["stack_status"] == "DELETE_COMPLETE", stack["stack_status_reason"]
    assert count(rcloud, StackResource) == 0
    assert count(rcloud, Server) == 0 or all(
        rcloud.gone(s["id"]) for s in rcloud.nova("GET", "/servers").json()["servers"])
    said = [e["resource_status"] for e in heat(rcloud, "GET", f"/stacks/web/{sid}/events")
            .json()["events"] if e["resource_name"] == "web"]
    assert said == ["CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"]


def test_update_allowed_properties_change_in_place(rcloud: Cloud) -> None:
    sid = made(rcloud)
    rcloud.settle()
    before = {x["resource_name"]: x["physical_resource_id"] for x in heat(
        rcloud, "GET", f"/stacks/web/{sid}/resources").json()["resources"]}
    tpl = template()
    tpl["resources"]["net"]["properties"]["name"] = "heat-net-2"
    tpl["resources"]["server"]["properties"]["name"] = "renamed"
    tpl["resources"]["server"]["properties"]["metadata"] = {"role": "web"}
    assert heat(rcloud, "PUT", f"/stacks/web/{sid}", {"template": tpl}).status_code == 202
    rcloud.settle()
    assert status(rcloud) == "UPDATE_COMPLETE"
    after = {x["resource_name"]: (x["physical_resource_id"], x["resource_status"]) for x in
             heat(rcloud, "GET", f"/stacks/web/{sid}/resources").json()["resources"]}
    assert {k: v[0] for k, v in after.items()} == before  # the same resources, kept
    assert after["net"][1] == after["server"][1] == "UPDATE_COMPLETE"
    assert after["subnet"][1] == "CREATE_COMPLETE"
    server = rcloud.show(before["server"])
    assert server["name"] == "renamed" and server["metadata"] == {"role": "web"}
    net = rcloud.neutron("GET", f"/networks/{before['net']}").json()["network"]
    assert net["name"] == "heat-net-2"
    out = heat(rcloud, "GET", f"/stacks/web/{sid}/outputs/net_name").json()["output"]
    assert out["output_value"] == "heat-net-2"


def test_a_project_holds_at_most_heats_limit_of_stacks(rcloud: Cloud,
                                                      monkeypatch: Any) -> None:
    from cheptel.orchestration.service import stacks as service

    monkeypatch.setattr(service, "MAX_STACKS_PER_PROJECT", 2)
    tpl = {"heat_template_version": "2018-08-31", "resources": {}}
    for name in ("a", "b"):
        made(rcloud, name, template=tpl)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "c", "template": tpl})
    assert r.status_code == 400 and r.json()["error"]["type"] == "RequestLimitExceeded"
    assert "maximum stacks per tenant, 2" in r.json()["error"]["message"]


def test_old_events_and_deleted_stacks_are_purged(rcloud: Cloud, monkeypatch: Any) -> None:
    from cheptel.orchestration.service import stacks as service
    from cheptel.reconciler import stacks as converger

    monkeypatch.setattr(service, "MAX_EVENTS_PER_STACK", 3)
    monkeypatch.setattr(converger, "KEEP_DELETED", 60.0)
    sid = made(rcloud)
    rcloud.settle()
    newest = heat(rcloud, "GET", "/stacks/web/events").json()["events"][-3:]
    rcloud.deps.reconciler.pass_once()
    assert heat(rcloud, "GET", "/stacks/web/events").json()["events"] == newest
    heat(rcloud, "DELETE", f"/stacks/web/{sid}")
    rcloud.settle()
    assert heat(rcloud, "GET", f"/stacks/web/{sid}").status_code == 200  # still, by id
    rcloud.api.clock.advance(61)
    rcloud.deps.reconciler.pass_once()
    assert heat(rcloud, "GET", f"/stacks/web/{sid}").status_code == 404
    assert count(rcloud, Stack) == 0


def test_independent_servers_boot_side_by_side(rcloud: Cloud) -> None:
    tpl: dict[str, Any] = {"heat_template_version": "2018-08-31", "resources": {
        "net": {"type": "OS::Neutron::Net"},
        "subnet": {"type": "OS::Neutron::Subnet", "properties": {
            "network": {"get_resource": "net"}, "cidr": "10.79.0.0/24"}},
        **{f"web{i}": {"type": "OS::Nova::Server", "properties": {
            "image": "busybox", "flavor": "m1.tiny",
            "networks": [{"network": {"get_resource": "net"}}]}} for i in range(3)}}}
    sid = made(rcloud, template=tpl)
    job = rcloud.pool.queue.popleft()  # one run of the stack, before any server is ACTIVE
    job[0](*job[1])
    with rcloud.deps.sessions() as db:
        states = {r.name: r.status for r in db.scalars(
            select(StackResource).where(StackResource.stack_id == sid))}
    assert states == {"net": "COMPLETE", "subnet": "COMPLETE", "web0": "IN_PROGRESS",
                      "web1": "IN_PROGRESS", "web2": "IN_PROGRESS"}
    rcloud.settle()
    assert status(rcloud) == "CREATE_COMPLETE"


def test_an_environment_aliases_a_type(rcloud: Cloud) -> None:
    """resource_registry maps a type to another (the usual use: switch a resource off
    with OS::Heat::None); a template file the request does not carry is a 400."""
    env = "resource_registry:\n  OS::Nova::Server: OS::Heat::None\n"
    sid = made(rcloud, environment=env)
    rcloud.settle()
    assert status(rcloud) == "CREATE_COMPLETE"
    shown = heat(rcloud, "GET", f"/stacks/web/{sid}/resources/server").json()["resource"]
    assert shown["resource_type"] == "OS::Heat::None"
    assert count(rcloud, Server) == 0
    got = heat(rcloud, "GET", f"/stacks/web/{sid}/environment").json()
    assert got["resource_registry"]["OS::Nova::Server"] == "OS::Heat::None"
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "nested", "template": NET_SERVER,
                                         "environment": {"resource_registry": {
                                             "My::Thing": "thing.yaml"}}})
    assert r.status_code == 400
    assert "Could not fetch remote template" in r.json()["error"]["message"]
