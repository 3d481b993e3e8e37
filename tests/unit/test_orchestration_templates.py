"""HOT templates without a cloud: versions, functions, parameters and their constraints,
the dependency order; every bad template is an InvalidTemplate (Heat's 400)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from cheptel.orchestration.errors import InvalidTemplate
from cheptel.orchestration.resources.registry import TYPES
from cheptel.orchestration.template import parameters
from cheptel.orchestration.template.functions import Scope, evaluate
from cheptel.orchestration.template.template import parse
from cheptel.orchestration.template.versions import canonical, functions


def scope(version: str = "2018-08-31", **params: Any) -> Scope:
    return Scope(functions=functions(version), params=params,
                 resources=frozenset({"r"}),
                 attr=lambda name, attribute, path: {"a": {"b": [10, 20]}}[attribute],
                 ref=lambda name: f"id-of-{name}")


@pytest.mark.parametrize(("version", "date"), [
    ("2013-05-23", "2013-05-23"), ("rocky", "2018-08-31"), ("newton", "2016-10-14"),
    ("wallaby", "2021-04-16"), ("2012-12-12", None), (20180831, None)])
def test_versions_by_date_and_by_name(version: Any, date: str | None) -> None:
    assert canonical(version) == date


def test_a_yaml_date_is_its_text() -> None:
    tpl = parse("heat_template_version: 2015-04-30\nresources: {}\n", TYPES)
    assert tpl.version == "2015-04-30" and "repeat" in tpl.functions
    assert "str_split" not in tpl.functions  # 2015-10-15's


@pytest.mark.parametrize(("expr", "want"), [
    ({"str_replace": {"template": "http://$host:$port/$path", "params": {
        "$host": "h", "$port": 80, "$path": "x"}}}, "http://h:80/x"),
    ({"list_join": [",", ["a", "b"], ["c"]]}, "a,b,c"),
    ({"str_split": [",", "a,b,c", 1]}, "b"),
    ({"map_merge": [{"a": 1, "b": 1}, {"b": 2}]}, {"a": 1, "b": 2}),
    ({"repeat": {"for_each": {"%p%": [80, 443]}, "template": {"port": "%p%"}}},
     [{"port": 80}, {"port": 443}]),
    ({"digest": ["sha256", "x"]}, hashlib.sha256(b"x").hexdigest()),
    ({"get_param": ["m", "k", 1]}, "v1"),
    ({"get_attr": ["r", "a"]}, {"b": [10, 20]}),
    ({"get_resource": "r"}, "id-of-r"),
    ({"if": [{"equals": [{"get_param": "n"}, 3]}, "three", "other"]}, "three"),
    ({"filter": [[None], [1, None, 2]]}, [1, 2]),
    ({"list_concat_unique": [[1, 2], [2, 3]]}, [1, 2, 3]),
    ({"contains": ["a", ["a", "b"]]}, True),
    ({"make_url": {"scheme": "http", "host": "h", "port": 8080, "path": "/p",
                   "query": {"a": "b"}}}, "http://h:8080/p?a=b"),
    ({"map_replace": [{"k": "v"}, {"keys": {"k": "k2"}, "values": {"v": "v2"}}]},
     {"k2": "v2"}),
])
def test_functions(expr: Any, want: Any) -> None:
    assert evaluate(expr, scope(m={"k": ["v0", "v1"]}, n=3)) == want


def test_str_replace_does_not_replace_inside_a_replacement() -> None:
    expr = {"str_replace": {"template": "ab", "params": {"a": "b", "b": "c"}}}
    assert evaluate(expr, scope()) == "bc"


@pytest.mark.parametrize("expr", [
    {"digest": ["md4", "x"]}, {"list_join": "x"}, {"str_replace": {"template": 1}},
    {"get_param": "missing"}, {"get_resource": "nothere"}, {"str_split": [",", 1]},
    {"str_replace_strict": {"template": "a", "params": {"b": "c"}}},
])
def test_bad_arguments_are_invalid_templates(expr: Any) -> None:
    with pytest.raises(InvalidTemplate):
        evaluate(expr, scope())


def test_functions_of_a_later_version_are_data() -> None:
    """2013-05-23 has no str_split: the map is plain data, as Heat leaves it."""
    assert evaluate({"str_split": [",", "a,b"]}, scope("2013-05-23")) == {
        "str_split": [",", "a,b"]}


SCHEMA = {"type": "string", "constraints": [
    {"length": {"min": 2, "max": 4}}, {"allowed_pattern": "[a-z]+"}]}


@pytest.mark.parametrize(("schema", "value", "error"), [
    (SCHEMA, "a", "length must be in the range 2 to 4"),
    (SCHEMA, "abcde", "length must be in the range 2 to 4"),
    (SCHEMA, "AB", "does not match pattern"),
    ({"type": "number", "constraints": [{"range": {"min": 1, "max": 5}}]}, 9,
     "The value must be in the range 1 to 5"),
    ({"type": "string", "constraints": [{"allowed_values": ["x", "y"]}]}, "z",
     "is not an allowed value"),
    ({"type": "number"}, "ten", "is not an integer or a number"),
    ({"type": "boolean"}, "maybe", "Unrecognized value"),
    ({"type": "json"}, "{nope", "Value must be valid JSON"),
    ({"type": "string", "constraints": [{"length": {"min": 3},
                                         "description": "Three at least."}]}, "ab",
     "Three at least."),
])
def test_a_value_breaking_a_constraint_is_refused(schema: dict, value: Any,
                                                  error: str) -> None:
    with pytest.raises(InvalidTemplate) as exc:
        parameters.resolve({"p": schema}, {"p": value}, {})
    assert error in exc.value.message and "Parameter 'p' is invalid" in exc.value.message


def test_parameters_typed_defaulted_and_required() -> None:
    schemas = {"n": {"type": "number", "default": "2"}, "l": {"type": "comma_delimited_list"},
               "b": {"type": "boolean", "default": "yes"}, "s": {"type": "string"}}
    got = parameters.resolve(schemas, {"l": "a, b", "s": "x"}, {})
    assert got == {"n": 2, "l": ["a", "b"], "b": True, "s": "x"}
    with pytest.raises(InvalidTemplate, match=r"The Parameter \(s\) was not provided"):
        parameters.resolve(schemas, {"l": "a"}, {})
    with pytest.raises(InvalidTemplate, match="was not defined in template"):
        parameters.resolve(schemas, {"s": "x", "zz": 1}, {})


def _tpl(resources: dict, **extra: Any) -> dict:
    return {"heat_template_version": "2018-08-31", "resources": resources, **extra}


def test_dependencies_come_first_whatever_the_order_written() -> None:
    tpl = parse(_tpl({
        "server": {"type": "OS::Nova::Server", "properties": {
            "image": "i", "flavor": "f", "networks": [{"port": {"get_resource": "port"}}]}},
        "port": {"type": "OS::Neutron::Port", "properties": {
            "network": {"get_resource": "net"},
            "fixed_ips": [{"subnet": {"get_attr": ["subnet", "show", "id"]}}]}},
        "subnet": {"type": "OS::Neutron::Subnet", "properties": {
            "network": {"get_resource": "net"}, "cidr": "10.0.0.0/24"}},
        "net": {"type": "OS::Neutron::Net"},
        "later": {"type": "OS::Heat::RandomString", "depends_on": ["server"]},
    }), TYPES)
    order = tpl.active(tpl.scope({}, {}))
    assert order.index("net") < order.index("subnet") < order.index("port") \
        < order.index("server") < order.index("later")


def test_conditions_leave_resources_out() -> None:
    tpl = parse(_tpl({"r": {"type": "OS::Heat::RandomString", "condition": "big"}},
                     parameters={"size": {"type": "number", "default": 1}},
                     conditions={"big": {"equals": [{"get_param": "size"}, 2]}}), TYPES)
    assert tpl.active(tpl.scope({"size": 1}, {})) == []
    assert tpl.active(tpl.scope({"size": 2}, {})) == ["r"]


@pytest.mark.parametrize(("template", "error"), [
    ({"resources": {}}, "Template format version not found"),
    ({"heat_template_version": "2099-01-01"}, "is not a valid heat_template_version"),
    (_tpl({}, extras={}), "The template section is invalid: extras"),
    (_tpl({"r": {"type": "OS::Nope::Thing"}}), "The Resource Type (OS::Nope::Thing) "
     "could not be found."),
    (_tpl({"a": {"type": "OS::Heat::None", "depends_on": "b"},
           "b": {"type": "OS::Heat::None", "depends_on": "a"}}), "Circular Dependency"),
    (_tpl({"a": {"type": "OS::Heat::None", "properties": {"x": {"get_resource": "zz"}}}}),
     "The specified reference \"zz\""),
    (_tpl({"a": {"type": "OS::Heat::None", "propertes": {}}}), "is not a valid keyword"),
    (_tpl({"a": {"type": "OS::Heat::None"}}, outputs={"o": {"description": "no value"}}),
     "must contain a value key"),
    (_tpl({"a": {"type": "OS::Heat::Value", "properties": {"value": {"yaql": {
        "expression": "1"}}}}}), "\"yaql\" is not supported"),
    ("heat_template_version: [unclosed", "Error parsing template"),
    ("!!python/object/apply:os.system [echo]", "Error parsing template"),
])
def test_bad_templates(template: Any, error: str) -> None:
    with pytest.raises(InvalidTemplate) as exc:
        parse(template, TYPES)
    assert error in exc.value.message


def test_implicit_dependencies_as_heat_adds_them() -> None:
    """A port on a network waits for that network's subnets; a floating IP for the router
    interfaces: without a reference to them, as Heat orders them."""
    net = {"get_resource": "net"}
    tpl = parse(_tpl({
        "fip": {"type": "OS::Neutron::FloatingIP", "properties": {
            "floating_network": "public", "port_id": {"get_resource": "port"}}},
        "port": {"type": "OS::Neutron::Port", "properties": {"network": net}},
        "iface": {"type": "OS::Neutron::RouterInterface", "properties": {
            "router": "r", "subnet": {"get_resource": "subnet"}}},
        "subnet": {"type": "OS::Neutron::Subnet", "properties": {
            "network": net, "cidr": "10.0.0.0/24"}},
        "net": {"type": "OS::Neutron::Net"},
    }), TYPES)
    order = tpl.active(tpl.scope({}, {}))
    assert order.index("subnet") < order.index("port")
    assert order.index("iface") < order.index("fip")


@pytest.mark.parametrize("resources", [
    "heat_template_version: 2018-08-31\nresources:\n  1: {type: OS::Heat::None}\n",
    _tpl({"x" * 256: {"type": "OS::Heat::None"}}),
    _tpl([{"type": "OS::Heat::None"}]),  # type: ignore[arg-type]
])
def test_resource_names_are_short_strings(resources: Any) -> None:
    with pytest.raises(InvalidTemplate):
        parse(resources, TYPES)
