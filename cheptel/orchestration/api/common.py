"""What the orchestration handlers share: the caller, prefixes, body and list checks."""

from __future__ import annotations

from typing import Any

from cheptel.errors import BadRequest, Forbidden, Unauthorized
from cheptel.orchestration.models import Stack
from cheptel.orchestration.service import stacks as service
from cheptel.policy import Creds
from cheptel.validation import check
from cheptel.web import Ctx

P = "/v1/{project_id}"
STACKS = P + "/stacks"
LOOKUP = STACKS + "/{stack_name}"
STACK = LOOKUP + "/{stack_id}"


def caller(ctx: Ctx) -> Creds:
    """The caller, whose project must be the URL's (Heat: 403 otherwise)."""
    if ctx.creds is None:
        raise Unauthorized()
    if ctx.creds.project_id is None or ctx.creds.project_id != ctx.params["project_id"]:
        raise Forbidden("You are not authorized to use this project.")
    return ctx.creds


def base(ctx: Ctx) -> str:
    return f"{ctx.base_url}/orchestration/v1/{ctx.params['project_id']}"


def stack(ctx: Ctx) -> Stack:
    return service.get(ctx.db, caller(ctx), ctx.params["stack_name"],
                       ctx.params["stack_id"])


def body(ctx: Ctx, schema: dict[str, Any]) -> dict[str, Any]:
    value = check(schema, ctx.body)
    if value.get("template_url"):
        raise BadRequest("template_url is not supported: send the template itself.")
    out = dict(value)
    if out.get("environment_files"):  # heatclient's -e: their text is in files
        out["environment"] = service.merged_environment(
            out.get("environment"), out.pop("environment_files"), out.get("files") or {})
    return out


def flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes", "on")


def limit(ctx: Ctx) -> int | None:
    raw = ctx.query.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise BadRequest(f"Invalid limit value: {raw[:40]} (a non-negative integer).")
    return int(raw)


def sort_dir(ctx: Ctx, default: str = "asc") -> str:
    raw = ctx.query.get("sort_dir") or default
    if raw not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort direction: {raw[:40]} (asc or desc).")
    return raw


def sort_keys(ctx: Ctx, allowed: tuple[str, ...], default: str) -> list[str]:
    keys = [k for raw in ctx.query_multi.get("sort_keys", []) for k in raw.split(",") if k]
    for k in keys:
        if k not in allowed:
            raise BadRequest(f"Invalid sort key: {k[:40]} (one of {', '.join(allowed)}).")
    return keys or [default]
