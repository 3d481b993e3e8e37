"""Nested stacks over the in-process cloud: a template of the request's files as a
resource type (by the environment's resource_registry, as heatclient sends `-e env.yaml`,
or named as the type itself), made, read, updated and deleted with its parent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cheptel.orchestration.models import Stack
from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud

SERVER = "file:///tmp/t/server.yaml"
WORD = "file:///tmp/t/word.yaml"
FILES = {SERVER: """
heat_template_version: 2018-08-31
parameters:
  flavor: {type: string}
  tag: {type: string, default: none}
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: {get_param: flavor}
      networks: []
      metadata: {tag: {get_param: tag}}
outputs:
  OS::stack_id:
    value: {get_resource: server}
  name:
    value: {get_attr: [server, name]}
""", WORD: """
heat_template_version: 2018-08-31
parameters:
  length: {type: number, default: 6}
resources:
  word:
    type: OS::Heat::RandomString
    properties: {length: {get_param: length}}
outputs:
  value:
    value: {get_attr: [word, value]}
"""}
TOP = {"heat_template_version": "2018-08-31", "resources": {
    "app": {"type": "My::Server", "properties": {"flavor": "m1.tiny"}},
    "word": {"type": WORD, "properties": {"length": 9}}},
    "outputs": {"server": {"value": {"get_resource": "app"}},
                "name": {"value": {"get_attr": ["app", "name"]}},
                "word": {"value": {"get_attr": ["word", "value"]}},
                "word_stack": {"value": {"get_attr": ["word", "OS::stack_id"]}}}}
ENV = {"resource_registry": {"My::Server": SERVER}}


def _create(cloud: Cloud, template: Any = TOP, **extra: Any) -> Any:
    quiet(cloud)
    return heat(cloud, "POST", "/stacks", {"stack_name": "top", "template": template,
                                           "files": FILES, "environment": ENV, **extra})


def _stack(cloud: Cloud, sid: str) -> dict[str, Any]:
    return heat(cloud, "GET", f"/stacks/top/{sid}").json()["stack"]  # type: ignore[no-any-return]


def test_a_template_resource_is_a_nested_stack_of_its_own(rcloud: Cloud) -> None:
    r = _create(rcloud)
    assert r.status_code == 201, r.text
    sid = r.json()["stack"]["id"]
    rcloud.settle()
    top = _stack(rcloud, sid)
    assert top["stack_status"] == "CREATE_COMPLETE", top["stack_status_reason"]
    resources = {x["resource_name"]: x for x in heat(
        rcloud, "GET", f"/stacks/top/{sid}/resources").json()["resources"]}
    assert resources["app"]["resource_type"] == "My::Server"
    assert resources["word"]["resource_type"] == WORD
    nested_id = resources["app"]["physical_resource_id"]
    nested_link = [x["href"] for x in resources["app"]["links"] if x["rel"] == "nested"]
    assert nested_link and nested_link[0].endswith(nested_id)
    with rcloud.deps.sessions() as db:
        nested = db.get(Stack, nested_id)
        assert nested is not None and nested.parent_id == sid
        nested_name = nested.name
    assert nested_name.startswith("top-app-")
    # its server is made, its outputs are the resource's attributes and reference
    outputs = {o["output_key"]: o["output_value"] for o in top["outputs"]}
    server_id = outputs["server"]
    assert rcloud.status(server_id) == "ACTIVE"
    assert outputs["name"] == rcloud.show(server_id)["name"]
    assert len(outputs["word"]) == 9
    assert outputs["word_stack"] == resources["word"]["physical_resource_id"]
    # the nested stack is shown as Heat shows it: parent set, hidden from the list
    shown = heat(rcloud, "GET", f"/stacks/{nested_name}/{nested_id}").json()["stack"]
    assert shown["parent"] == sid and shown["stack_status"] == "CREATE_COMPLETE"
    assert shown["parameters"]["flavor"] == "m1.tiny"
    listed = heat(rcloud, "GET", "/stacks").json()["stacks"]
    assert [s["id"] for s in listed] == [sid]
    with_nested = heat(rcloud, "GET", "/stacks?show_nested=true").json()["stacks"]
    assert len(with_nested) == 3
    # nested_depth lists the nested stacks' resources too, each with its parent
    deep = heat(rcloud, "GET", f"/stacks/top/{sid}/resources?nested_depth=1")
    rows = {(x.get("parent_resource"), x["resource_name"]): x
            for x in deep.json()["resources"]}
    assert set(rows) == {(None, "app"), (None, "word"), ("app", "server"),
                         ("word", "word")}
    assert rows[("app", "server")]["physical_resource_id"] == server_id
    assert rows[("app", "server")]["stack_name"] == nested_name
    # the nested stack's resource is read through it
    attrs = heat(rcloud, "GET", f"/stacks/top/{sid}/resources/app").json()["resource"]
    assert attrs["attributes"]["OS::stack_id"] == nested_id

    # an update of a property updates the nested stack in place
    changed = {**TOP, "resources": {**TOP["resources"], "app": {
        "type": "My::Server", "properties": {"flavor": "m1.tiny", "tag": "blue"}}}}
    r = heat(rcloud, "PATCH", f"/stacks/top/{sid}", {"template": changed})
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert _stack(rcloud, sid)["stack_status"] == "UPDATE_COMPLETE"
    with rcloud.deps.sessions() as db:
        nested = db.get(Stack, nested_id)
        assert nested is not None
        assert (nested.action, nested.status) == ("UPDATE", "COMPLETE")
    assert rcloud.show(server_id)["metadata"] == {"tag": "blue"}

    # deleted with its parent
    assert heat(rcloud, "DELETE", f"/stacks/top/{sid}").status_code == 204
    rcloud.settle()
    assert _stack(rcloud, sid)["stack_status"] == "DELETE_COMPLETE"
    assert rcloud.gone(server_id)
    with rcloud.deps.sessions() as db:
        states = {(s.action, s.status) for s in db.scalars(select(Stack))}
    assert states == {("DELETE", "COMPLETE")}


def test_a_failing_nested_stack_fails_its_parent(rcloud: Cloud) -> None:
    r = _create(rcloud, template={"heat_template_version": "2018-08-31", "resources": {
        "app": {"type": "My::Server", "properties": {"flavor": "m1.nonesuch"}}}})
    assert r.status_code == 201, r.text
    sid = r.json()["stack"]["id"]
    rcloud.settle()
    top = _stack(rcloud, sid)
    assert top["stack_status"] == "CREATE_FAILED"
    assert "m1.nonesuch" in top["stack_status_reason"], top["stack_status_reason"]


def test_bad_nested_templates_are_400s(rcloud: Cloud) -> None:
    loop = "file:///tmp/t/loop.yaml"
    files = {**FILES, loop: {"heat_template_version": "2018-08-31", "resources": {
        "again": {"type": loop}}}}
    for body, message in (
            ({"template": {"heat_template_version": "2018-08-31", "resources": {"app": {
                "type": "My::Server", "properties": {"flavor": "x", "colour": 1}}}}},
             "Unknown Property colour"),
            ({"template": {"heat_template_version": "2018-08-31", "resources": {
                "app": {"type": "My::Server"}}}}, "Property flavor not assigned"),
            ({"template": {"heat_template_version": "2018-08-31", "resources": {
                "r": {"type": loop}}}, "files": files}, "Recursion depth exceeds 5."),
            ({"files": {**FILES, SERVER: "{unclosed"}}, "Error parsing template"),
            ({"template": {"heat_template_version": "2018-08-31", "resources": {"w": {
                "type": WORD, "properties": {"length": "many"}}}}},
             "Property error: resources.w.properties: Parameter 'length' is invalid"),
            ({"environment": {"resource_registry": {"My::Server": "nope.yaml"}}},
             "Could not fetch remote template \"nope.yaml\"")):
        r = _create(rcloud, **body)
        assert r.status_code == 400, (body, r.text)
        assert message in r.json()["error"]["message"], r.json()
    with rcloud.deps.sessions() as db:
        assert list(db.scalars(select(Stack))) == []


def test_environment_files_are_merged_as_heatclient_sends_them(rcloud: Cloud) -> None:
    """`-e env.yaml`: heatclient sends the merge and the files' names, their text in
    files; the files are merged in order, the request's environment last."""
    env_file = "file:///tmp/t/env.yaml"
    files = {**FILES, env_file: "resource_registry:\n  My::Server: " + WORD + "\n"
             "parameter_defaults:\n  length: 7\n"}
    template = {"heat_template_version": "2018-08-31", "resources": {
        "app": {"type": "My::Server", "properties": {"flavor": "m1.tiny"}}}}
    r = _create(rcloud, template=template, files=files, environment_files=[env_file])
    assert r.status_code == 201, r.text
    rcloud.settle()
    sid = r.json()["stack"]["id"]
    assert _stack(rcloud, sid)["stack_status"] == "CREATE_COMPLETE"
    app = heat(rcloud, "GET", f"/stacks/top/{sid}/resources/app").json()["resource"]
    assert app["attributes"]["OS::stack_id"] == app["physical_resource_id"]
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "other", "template": template,
                                         "files": FILES, "environment_files": ["nope"]})
    assert r.status_code == 400
    assert "Could not fetch environment file" in r.json()["error"]["message"]


def test_a_changed_nested_template_is_updated_with_its_parent(rcloud: Cloud) -> None:
    """Every update of the parent updates its nested stacks (Heat's behaviour): a nested
    template whose text changed, its properties the same, changes what it made."""
    r = _create(rcloud)
    sid = r.json()["stack"]["id"]
    rcloud.settle()
    server = _stack(rcloud, sid)["outputs"]
    server_id = {o["output_key"]: o["output_value"] for o in server}["server"]
    assert rcloud.show(server_id)["metadata"] == {"tag": "none"}
    files = {**FILES, SERVER: FILES[SERVER].replace("default: none", "default: red")}
    r = heat(rcloud, "PATCH", f"/stacks/top/{sid}", {"files": files})
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert _stack(rcloud, sid)["stack_status"] == "UPDATE_COMPLETE"
    assert rcloud.show(server_id)["metadata"] == {"tag": "red"}  # updated in place


def test_parameter_defaults_reach_the_nested_stacks(rcloud: Cloud) -> None:
    """A nested template's parameter given by the environment's parameter_defaults is no
    required property (Heat's schema_from_params)."""
    env = {**ENV, "parameter_defaults": {"flavor": "m1.tiny"}}
    template = {"heat_template_version": "2018-08-31", "resources": {
        "app": {"type": "My::Server"}}}
    r = _create(rcloud, template=template, environment=env)
    assert r.status_code == 201, r.text
    rcloud.settle()
    assert _stack(rcloud, r.json()["stack"]["id"])["stack_status"] == "CREATE_COMPLETE"
