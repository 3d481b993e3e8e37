"""HOT parameters: types, defaults and constraints; a value that breaks one is a 400
with Heat's wording ("Parameter 'x' is invalid: ...")."""

from __future__ import annotations

import json
import re
from typing import Any

from cheptel.orchestration.errors import InvalidParameter, InvalidTemplate

TYPES = ("string", "number", "json", "comma_delimited_list", "boolean")
KEYS = {"type", "label", "description", "default", "hidden", "constraints", "immutable",
        "tags"}
TRUE, FALSE = ("true", "t", "yes", "y", "on", "1"), ("false", "f", "no", "n", "off", "0")


def _bad(name: str, msg: str) -> InvalidParameter:
    return InvalidParameter(f"Parameter '{name}' is invalid: {msg}")


def check_schema(name: str, schema: Any) -> None:
    """A parameter's declaration (the template's `parameters` section)."""
    if not isinstance(schema, dict):
        raise InvalidTemplate(f"Invalid parameter schema for {name}: must be a map.")
    unknown = sorted(set(schema) - KEYS)
    if unknown:
        raise InvalidTemplate(f"Invalid key '{unknown[0]}' for parameter ({name})")
    if schema.get("type") not in TYPES:
        raise InvalidTemplate(f"Invalid type ({schema.get('type')}) for parameter "
                              f"({name}): must be one of {', '.join(TYPES)}")
    constraints = schema.get("constraints", [])
    if not isinstance(constraints, list) or not all(isinstance(c, dict) for c in constraints):
        raise InvalidTemplate(f"Invalid parameter constraints for parameter {name}, "
                              "expected a list")


def convert(name: str, kind: str, value: Any) -> Any:
    """A value (given, from the environment, or the default) as its type."""
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise _bad(name, "Value must be a string")
        return "" if value is None else (json.dumps(value) if isinstance(value, bool)
                                         else str(value))
    if kind == "number":
        if isinstance(value, bool):
            raise _bad(name, f"Value '{value}' is not a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _bad(name, f"Value '{value}' is not an integer or a number") from None
        return int(number) if number.is_integer() and "." not in str(value) else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise _bad(name, f"Unrecognized value '{value}', acceptable values are: "
                   "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")
    if kind == "comma_delimited_list":
        if isinstance(value, list):
            return [str(v) for v in value]
        text = str(value)
        return [v.strip() for v in text.split(",")] if text else []
    # json
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else {}
        except ValueError:
            raise _bad(name, "Value must be valid JSON") from None
    if not isinstance(value, (dict, list)):
        raise _bad(name, "Value must be valid JSON")
    return value


def _size(kind: str, value: Any) -> float:
    return float(value) if kind == "number" else float(len(value))


def constrain(name: str, kind: str, value: Any, constraints: list[dict[str, Any]]) -> None:
    for c in constraints:
        desc = c.get("description")
        for key, rule in c.items():
            msg = _broken(kind, value, key, rule)
            if msg:
                raise _bad(name, desc or msg)


def _broken(kind: str, value: Any, key: str, rule: Any) -> str | None:
    if key in ("length", "range", "modulo"):
        if not isinstance(rule, dict):
            raise InvalidTemplate(f"Invalid {key} constraint: must be a map")
        lo, hi = rule.get("min"), rule.get("max")
        if key == "length" and kind not in ("string", "comma_delimited_list", "json"):
            raise InvalidTemplate("Length constraint is not valid for this parameter type")
        if key == "range" and kind != "number":
            raise InvalidTemplate("Range constraint is only valid for number parameters")
        if key == "modulo":
            step, offset = rule.get("step"), rule.get("offset", 0)
            if isinstance(step, (int, float)) and step and (value - offset) % step:
                return f"{value} is not a multiple of {step} with an offset of {offset}."
            return None
        for bound in (lo, hi):
            if bound is not None and (isinstance(bound, bool)
                                      or not isinstance(bound, (int, float))):
                raise InvalidTemplate(f"Invalid {key} constraint bound {bound!r}")
        size = _size(kind, value)
        if (lo is not None and size < lo) or (hi is not None and size > hi):
            what = "length must be" if key == "length" else "The value must be"
            if lo is not None and hi is not None:
                return f"{what} in the range {lo} to {hi}."
            if lo is not None:
                return f"{what} at least {lo}."
            return f"{what} no greater than {hi}."
        return None
    if key == "allowed_values":
        if not isinstance(rule, list):
            raise InvalidTemplate("allowed_values must be a list")
        items = value if kind == "comma_delimited_list" else [value]
        allowed = [convert("", kind, v) if kind != "comma_delimited_list" else str(v)
                   for v in rule]
        if any(i not in allowed for i in items):
            return f"\"{value}\" is not an allowed value {allowed}"
        return None
    if key == "allowed_pattern":
        if not isinstance(rule, str) or kind != "string":
            raise InvalidTemplate("allowed_pattern must be a string, on a string parameter")
        try:
            if not re.fullmatch(rule, value):
                return f"\"{value}\" does not match pattern \"{rule}\""
        except re.error:
            raise InvalidTemplate(f"Invalid allowed_pattern \"{rule}\"") from None
        return None
    if key in ("description", "custom_constraint"):
        return None  # custom constraints (nova.flavor...) are checked by the resource
    raise InvalidTemplate(f"Invalid parameter constraints: unknown constraint {key}")


def resolve(schemas: dict[str, Any], given: dict[str, Any],
            defaults: dict[str, Any], required: bool = True) -> dict[str, Any]:
    """Every parameter's value: given, else the environment's parameter_defaults, else the
    template's default; each converted and checked. A missing one is a 400, or None when
    not `required` (a template validated without its parameters' values, as Heat's)."""
    unknown = sorted(set(given) - set(schemas))
    if unknown:
        raise InvalidTemplate(f"The Parameter ({unknown[0]}) was not defined in template.")
    out: dict[str, Any] = {}
    for name, schema in schemas.items():
        check_schema(name, schema)
        if name in given:
            raw = given[name]
        elif name in defaults:
            raw = defaults[name]
        elif "default" in schema:
            raw = schema["default"]
        elif not required:
            out[name] = None
            continue
        else:
            raise InvalidParameter(f"The Parameter ({name}) was not provided.")
        kind = schema["type"]
        value = convert(name, kind, raw)
        constrain(name, kind, value, schema.get("constraints", []))
        out[name] = value
    return out


def view(name: str, schema: dict[str, Any], value: Any) -> dict[str, Any]:
    """A parameter in `POST /validate`'s Parameters (Heat's CFN-style names)."""
    kind = {"string": "String", "number": "Number", "json": "Json",
            "comma_delimited_list": "CommaDelimitedList", "boolean": "Boolean"}
    out: dict[str, Any] = {"Type": kind[schema["type"]], "Description":
                           schema.get("description", ""), "Label": schema.get("label", name),
                           "NoEcho": "true" if schema.get("hidden") else "false"}
    if "default" in schema:
        out["Default"] = schema["default"]
    if value is not None:
        out["Value"] = value
    for c in schema.get("constraints", []):
        if "allowed_values" in c:
            out["AllowedValues"] = c["allowed_values"]
        if "allowed_pattern" in c:
            out["AllowedPattern"] = c["allowed_pattern"]
        for key, (lo, hi) in (("length", ("MinLength", "MaxLength")),
                              ("range", ("MinValue", "MaxValue"))):
            if isinstance(c.get(key), dict):
                if "min" in c[key]:
                    out[lo] = c[key]["min"]
                if "max" in c[key]:
                    out[hi] = c[key]["max"]
    return out
