"""What the network handlers share: the caller, bodies (one or bulk), listings, fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cheptel.errors import Unauthorized
from cheptel.network.attributes import Resource, parse
from cheptel.network.errors import bad_request
from cheptel.network.service import listing
from cheptel.policy import Creds
from cheptel.web import Ctx, Reply


def caller(ctx: Ctx) -> Creds:
    if ctx.creds is None:
        raise Unauthorized()
    return ctx.creds


def path_url(ctx: Ctx) -> str:
    return ctx.base_url + ctx.request.url.path


def fields(ctx: Ctx) -> list[str]:
    return [f for f in ctx.query_multi.get("fields", []) if f]


def collection(ctx: Ctx, name: str, attrs: Resource, items: list[dict],
               taggable: bool = True) -> dict:
    """A listing as Neutron answers it: filtered, sorted, paged, with links and fields."""
    query = listing.parse(ctx.query_multi, attrs, taggable)
    page = listing.select(items, query, attrs)
    body: dict[str, Any] = {name: [listing.only(i, query.fields) for i in page]}
    links = listing.links(path_url(ctx), list(ctx.request.query_params.multi_items()), page,
                          query)
    if links:
        body[f"{name}_links"] = links
    return body


def one(ctx: Ctx, name: str, item: dict) -> dict:
    return {name: listing.only(item, fields(ctx))}


def values(ctx: Ctx, resource: str, attrs: Resource, create: bool) -> dict:
    return parse(ctx.body, resource, attrs, create, caller(ctx))


def create(ctx: Ctx, resource: str, plural: str, attrs: Resource,
           make: Callable[[dict], dict], bulk: bool = True) -> Reply:
    """POST of one resource or (Neutron's bulk) of several, all or none."""
    body = ctx.body
    if isinstance(body, dict) and plural in body and resource not in body:
        if not bulk:
            raise bad_request("Bulk operation not supported")
        items = body[plural]
        if not isinstance(items, list) or not items:
            raise bad_request("Resources required")
        made = [make(parse(item if isinstance(item, dict) and resource in item
                           else {resource: item}, resource, attrs, True, caller(ctx)))
                for item in items]
        return Reply({plural: made}, status=201)
    return Reply({resource: make(values(ctx, resource, attrs, True))}, status=201)
