"""Templates and types: validate, template_versions (+ functions), resource_types
(+ schema), build_info."""

from __future__ import annotations

from typing import Any

from cheptel.orchestration import schemas
from cheptel.orchestration.api.common import P, body, caller, flag
from cheptel.orchestration.errors import InvalidTemplate, StackNotFound
from cheptel.orchestration.resources.registry import TYPES
from cheptel.orchestration.service import stacks as service
from cheptel.orchestration.template import parameters, versions
from cheptel.web import Ctx, Route


def validate(ctx: Ctx) -> dict[str, Any]:
    creds = caller(ctx)
    data = body(ctx, schemas.VALIDATE)
    parsed = service.check(data.get("template"), data.get("parameters"),
                           data.get("environment"), data.get("files"), "validate", "None",
                           creds.project_id or "", validating=True)
    tpl = parsed.template
    return {"Description": tpl.description or "No description",
            "Parameters": {k: parameters.view(k, v, parsed.params.get(k)
                                              if k in (data.get("parameters") or {})
                                              else None)
                           for k, v in tpl.params.items()},
            "ParameterGroups": tpl.groups, "Environment": {
                "parameters": {}, "parameter_defaults": {}, "resource_registry":
                {"resources": {}}, "encrypted_param_names": [], "event_sinks": []}}


def template_versions(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"template_versions": versions.listing()}


def template_functions(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    raw = ctx.params["version"]
    prefix = "heat_template_version."
    version = versions.canonical(raw[len(prefix):]) if raw.startswith(prefix) else None
    if version is None:
        raise StackNotFound(raw, "Template version")
    names = versions.functions(version)
    if flag(ctx.query.get("with_condition_func")):
        names = names | versions.condition_functions(version)
    return {"template_functions": [{"functions": n, "description":
                                    versions.DESCRIPTIONS.get(n, "")} for n in sorted(names)]}


def resource_types(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    names = sorted(TYPES)
    wanted = ctx.query.get("name")
    if wanted:
        names = [n for n in names if wanted in n]
    if flag(ctx.query.get("with_description")):
        return {"resource_types": [{"resource_type": n, "description":
                                    TYPES[n].description} for n in names]}
    return {"resource_types": names}


def resource_type(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    kind = TYPES.get(ctx.params["type_name"])
    if kind is None:
        raise StackNotFound(ctx.params["type_name"], "Resource Type")
    return kind.schema()


def resource_type_template(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    kind = TYPES.get(ctx.params["type_name"])
    if kind is None:
        raise StackNotFound(ctx.params["type_name"], "Resource Type")
    if ctx.query.get("template_type", "hot") not in ("hot", "cfn"):
        raise InvalidTemplate("Template type is not supported: "
                              f"{ctx.query.get('template_type', '')[:40]}")
    return {"heat_template_version": "2016-10-14",
            "description": f"Initial template of {kind.name.split('::')[-1]}",
            "parameters": {k: {"type": {"integer": "number", "map": "json",
                                        "list": "comma_delimited_list",
                                        "any": "json"}.get(p.type, p.type),
                               "description": p.description}
                           for k, p in kind.properties.items()},
            "resources": {kind.name.split("::")[-1]: {"type": kind.name, "properties": {
                k: {"get_param": k} for k in kind.properties}}},
            "outputs": {k: {"description": d, "value": {"get_attr": [
                kind.name.split("::")[-1], k]}} for k, d in kind.attributes.items()}}


def build_info(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"api": {"revision": "cheptel"}, "engine": {"revision": "cheptel"}}


ROUTES = [
    Route("POST", P + "/validate", validate, "stacks:validate_template"),
    Route("GET", P + "/template_versions", template_versions,
          "stacks:list_template_versions"),
    Route("GET", P + "/template_versions/{version}/functions", template_functions,
          "stacks:list_template_functions"),
    Route("GET", P + "/resource_types", resource_types, "stacks:list_resource_types"),
    Route("GET", P + "/resource_types/{type_name}", resource_type, "stacks:resource_schema"),
    Route("GET", P + "/resource_types/{type_name}/template", resource_type_template,
          "stacks:resource_schema"),
    Route("GET", P + "/build_info", build_info, "build_info:build_info"),
]
