"""Helpers (and path prefixes) the image handlers and route tables share."""

from __future__ import annotations

from cheptel.errors import Unauthorized
from cheptel.policy import Creds
from cheptel.web import Ctx, Handler, Route


def caller(ctx: Ctx) -> Creds:
    """The authenticated caller (every image route but discovery needs a token)."""
    if ctx.creds is None:
        raise Unauthorized()
    return ctx.creds


IMAGE = "/v2/images/{image_id}"
NS = "/v2/metadefs/namespaces/{namespace}"


def metadef(method: str, path: str, handler: Handler, name: str, status: int = 200) -> Route:
    """A metadef route: the handler checks the body, loads the namespace, then enforces."""
    return Route(method, path, handler, f"image:{name}", status, deferred=True)
