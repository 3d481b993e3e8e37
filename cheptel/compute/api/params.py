"""Request helpers the compute handlers share: query validation, paging, flags, the caller."""

from __future__ import annotations

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

from cheptel.compute.microversion import Version
from cheptel.errors import BadRequest
from cheptel.policy import Creds
from cheptel.web import Ctx

MAX_LIMIT = 1000  # Nova's [api]max_limit
TRUE = ("1", "t", "true", "on", "y", "yes")
FALSE = ("0", "f", "false", "off", "n", "no")

_validators: dict[int, Draft7Validator] = {}


def version(ctx: Ctx) -> Version:
    return ctx.version if isinstance(ctx.version, Version) else Version(2, 1)


def caller(ctx: Ctx) -> Creds:
    assert ctx.creds is not None  # every compute route but discovery needs a token
    return ctx.creds


def check_query(ctx: Ctx, schema: dict) -> None:
    """Validate the query string as Nova does (each parameter a list of values)."""
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = Draft7Validator(schema)
    error = best_match(validator.iter_errors(ctx.query_multi))
    if error is None:
        return
    path = [str(p) for p in error.absolute_path]
    if not path and error.validator == "additionalProperties":
        raise BadRequest(f"Invalid input for query parameters: {error.message[:300]}")
    name = path[0] if path else "?"
    value = ctx.query_multi.get(name, [""])
    shown = value[0] if len(value) == 1 else value
    raise BadRequest(f"Invalid input for query parameters {name}. Value: {shown}. "
                     f"{error.message[:300]}")


def flag(value: str, name: str) -> bool:
    """oslo's strict bool_from_string: anything but the known words is a 400."""
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadRequest(f"Invalid value '{value}' for {name}; expected a boolean.")


def loose_flag(value: object) -> bool:
    """oslo's lenient bool_from_string: the known true words are true, the rest false."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE


def to_int(value: object, name: str, minimum: int | None = None,
           maximum: int | None = None) -> int:
    """nova.utils.validate_integer: the same messages for strings and numbers."""
    try:
        number = int(str(value))
    except ValueError:
        raise BadRequest(f"Invalid input received: {name} must be an integer.") from None
    if minimum is not None and number < minimum:
        raise BadRequest(f"Invalid input received: {name} must be >= {minimum}.")
    if maximum is not None and number > maximum:
        raise BadRequest(f"Invalid input received: {name} must be <= {maximum}.")
    return number


def limit_marker(ctx: Ctx) -> tuple[int, str | None]:
    """Nova's get_limit_and_marker: limit capped at max_limit, marker as given."""
    limit = MAX_LIMIT
    if "limit" in ctx.query:
        limit = min(MAX_LIMIT, to_int(ctx.query["limit"], "limit", 0))
    return limit, ctx.query.get("marker")


def offset_limit(ctx: Ctx) -> tuple[int, int]:
    """Nova's common.limited: offset and a limit where 0 means max_limit."""
    offset = to_int(ctx.query["offset"], "offset", 0) if "offset" in ctx.query else 0
    limit = to_int(ctx.query["limit"], "limit", 0) if "limit" in ctx.query else 0
    return offset, min(MAX_LIMIT, limit or MAX_LIMIT)
