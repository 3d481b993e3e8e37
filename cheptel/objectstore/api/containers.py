"""Containers: PUT (create/update), HEAD/GET (listing), POST (metadata), DELETE (empty).

Creating, changing and deleting a container is its account owner's; reading it and
listing its objects is also open to those its read ACL names (anonymous referrers only
with `.rlistings`). Only the owner sees and sets the ACL headers."""

from __future__ import annotations

from starlette.responses import Response

from cheptel.objectstore.api import extract, formpost, staticweb
from cheptel.objectstore.api.accounts import SMALL, upload_cap
from cheptel.objectstore.api.common import (
    CONTAINER,
    account,
    container_for,
    done,
    headers,
    is_owner,
    remove_after_commit,
)
from cheptel.objectstore.service import access, containers, listing, objects
from cheptel.objectstore.views import container_headers, listing_format, object_entry
from cheptel.objectstore.views import listing as render_listing
from cheptel.web import Ctx, Reply, Route, Stream


def show(ctx: Ctx) -> Response:
    web = _web(ctx)
    row = container_for(ctx, acl="read", listing=not web)
    if web and staticweb.applies(ctx, row):
        return staticweb.directory(ctx, row, "")
    if web:  # a plain listing: `.rlistings` as always
        container_for(ctx, acl="read", listing=True)
    media = listing_format(ctx.query, ctx.header("accept"))
    q = listing.parse(ctx.query)
    head = ctx.request.method == "HEAD"
    hdrs = container_headers(row, containers.usage(ctx.db, row, ctx.now), is_owner(ctx))
    entries = [] if head else [object_entry(r) for r in objects.list_objects(
        ctx.db, row, q, ctx.now)]
    return render_listing("container", row.name, entries, media, hdrs, head)


def _web(ctx: Ctx) -> bool:
    """Might static web serve this (a GET without a token)? Its listing needs
    `.rlistings` like any other; its index page only the read ACL."""
    return ctx.creds is None and ctx.request.method == "GET"


def _owner_only(ctx: Ctx) -> None:
    if not is_owner(ctx):
        raise access.deny(ctx.creds)


def check_create(ctx: Ctx) -> None:
    _owner_only(ctx)


def create(ctx: Ctx) -> Reply:
    _owner_only(ctx)
    if "extract-archive" in ctx.query:
        cname = ctx.params["container"]
        prefix = ctx.params.get("object", "")
        return extract.extract(ctx, cname, prefix + "/" if prefix else "")
    created = containers.put(ctx.db, account(ctx), ctx.params["container"], headers(ctx),
                             ctx.now)
    return done(201 if created else 202)


def check_update(ctx: Ctx) -> None:
    container_for(ctx, acl=None)


def update(ctx: Ctx) -> Reply:
    row = container_for(ctx, acl=None)
    containers.post(ctx.db, row, headers(ctx), ctx.now)
    return done(204)


def delete(ctx: Ctx) -> Reply:
    row = container_for(ctx, acl=None)
    remove_after_commit(ctx, list(containers.delete(ctx.db, row, ctx.now)))
    return done(204)


def _nothing(ctx: Ctx) -> None:
    """Nothing to undo."""


CREATE = Stream(cap=upload_cap, begin=check_create, abort=_nothing)
def _check_update_or_form(ctx: Ctx) -> None:
    if not formpost.is_form(ctx):
        check_update(ctx)


def _update_or_form(ctx: Ctx) -> Reply:
    return formpost.handle(ctx) if formpost.is_form(ctx) else update(ctx)


UPDATE = Stream(cap=SMALL.cap, begin=_check_update_or_form, abort=_nothing)

ROUTES: list[Route] = [
    Route("GET", CONTAINER, show, "object_store:container:get"),
    Route("PUT", CONTAINER, create, "object_store:container:put", stream=CREATE),
    Route("POST", CONTAINER, _update_or_form, "object_store:container:post", stream=UPDATE),
    Route("DELETE", CONTAINER, delete, "object_store:container:delete"),
]
