"""Declarative request validation with JSON Schema; every failure is a 400."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import best_match

from cheptel.errors import BadRequest, ValidationError

NAME = {"type": "string", "minLength": 1, "maxLength": 255}
ID = {"type": "string", "minLength": 1, "maxLength": 64}
NULLABLE_ID = {"type": ["string", "null"], "maxLength": 64}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 65535}
BOOLEAN = {"type": "boolean"}

_validators: dict[int, Draft7Validator] = {}
# the formats a schema may name ({"format": "ipv4"}), checked as Nova's validators do
FORMATS = FormatChecker(formats=("ipv4", "ipv6"))


def obj(properties: dict, required: tuple[str, ...] = (), *, extra: bool = False,
        min_props: int = 0) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "additionalProperties": extra}
    if required:
        schema["required"] = list(required)
    if min_props:
        schema["minProperties"] = min_props
    return schema


def check(schema: dict, value: Any, root: str | None = None) -> Any:
    """Validate `value` (or value[root]) and return it; raise a 400 naming the field."""
    if root is not None:
        if not isinstance(value, dict) or root not in value:
            raise BadRequest(f"Expecting to find {root} in the request body.")
        if len(value) != 1:
            extra = sorted(k for k in value if k != root)
            raise ValidationError(None, f"unexpected keys {extra} beside {root}")
        value = value[root]
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = Draft7Validator(schema,
                                                               format_checker=FORMATS)
    error = best_match(validator.iter_errors(value))
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or root
        raise ValidationError(path, error.message[:300])
    return value
