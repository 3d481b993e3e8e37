"""Helpers (and path prefixes) the volume handlers share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from cheptel.errors import BadRequest, Unauthorized
from cheptel.policy import Creds
from cheptel.volume.microversion import MIN, Version
from cheptel.web import Ctx

P = "/v3/{project_id}"
VOLUMES = P + "/volumes"
VOLUME = VOLUMES + "/{volume_id}"
TYPES = P + "/types"
TYPE = TYPES + "/{type_id}"


def caller(ctx: Ctx) -> Creds:
    """The authenticated caller, whose project is the URL's (Cinder: "Malformed request
    url" otherwise, admins included; a token of no project names none)."""
    if ctx.creds is None:
        raise Unauthorized()
    creds = ctx.creds
    if creds.project_id is None or ctx.params.get("project_id") != creds.project_id:
        raise BadRequest("Malformed request url")
    return creds


def version(ctx: Ctx) -> Version:
    return ctx.version if isinstance(ctx.version, Version) else Version(*MIN)


def base(ctx: Ctx) -> str:
    return f"{ctx.base_url}/volume/v3/{ctx.params['project_id']}"


def body_object(ctx: Ctx) -> dict[str, Any]:
    if not isinstance(ctx.body, dict):
        raise BadRequest("Malformed request body")
    return ctx.body


A = TypeVar("A")


def pick_action(ctx: Ctx, actions: Mapping[str, A]) -> tuple[A, Any]:
    """What a `POST .../action` body names, looked up in `actions`, and its argument:
    one action at a time, a known one (Cinder's 400s otherwise)."""
    body = body_object(ctx)
    if len(body) != 1:
        raise BadRequest("Malformed request body: one action at a time.")
    (name, arg), = body.items()
    if name not in actions:
        raise BadRequest(f"There is no such action: {name[:64]}")
    return actions[name], arg
