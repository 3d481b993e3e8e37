"""Helpers the identity handlers share."""

from __future__ import annotations

from cheptel.common import bool_filter
from cheptel.web import Ctx


def base(ctx: Ctx) -> str:
    return ctx.base_url + "/identity"


def filters(ctx: Ctx, names: tuple[str, ...], booleans: tuple[str, ...] = ("enabled",)) -> dict:
    out: dict[str, object] = {}
    for key in names:
        if key in ctx.query:
            value = ctx.query[key]
            out[key] = bool_filter(value) if key in booleans else value
    return out


def rounds(ctx: Ctx) -> int:
    return ctx.deps.settings.bcrypt_rounds
