"""Helpers the image handlers share."""

from __future__ import annotations

from cheptel.errors import Unauthorized
from cheptel.policy import Creds
from cheptel.web import Ctx


def caller(ctx: Ctx) -> Creds:
    """The authenticated caller (every image route but discovery needs a token)."""
    if ctx.creds is None:
        raise Unauthorized()
    return ctx.creds
