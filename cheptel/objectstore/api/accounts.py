"""The account (`/v1/AUTH_<project>`): HEAD/GET (its containers), POST (metadata).

An account is its project's: only its owner (an operator of the project) or a reseller
admin reaches it (the policy `object_store:account`, rule `swift_owner`). It exists as
soon as the project does (Swift's account_autocreate)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from cheptel.config import Settings
from cheptel.errors import MethodNotAllowed
from cheptel.objectstore.api import bulk, extract
from cheptel.objectstore.api.common import V1, account, done, headers
from cheptel.objectstore.schemas import MAX_FILE_SIZE, SMALL_BODY
from cheptel.objectstore.service import access, containers, listing
from cheptel.objectstore.views import account_headers, container_entry, listing_format
from cheptel.objectstore.views import listing as render_listing
from cheptel.web import Ctx, Reply, Route, Stream


def show(ctx: Ctx) -> Response:
    project = account(ctx)
    media = listing_format(ctx.query, ctx.header("accept"))
    q = listing.parse(ctx.query)
    row = containers.account(ctx.db, project)
    count, usage = containers.account_usage(ctx.db, project, ctx.now)
    created = row.created_at if row else ctx.now
    hdrs = account_headers(project, count, usage, dict(row.meta) if row else {}, created,
                           row.updated_at if row else created)
    if row is not None:
        hdrs.update({"-".join(p.capitalize() for p in k.split("-")): str(v)
                     for k, v in row.sysmeta.items()})
    head = ctx.request.method == "HEAD"
    entries: list[dict[str, Any]] = []
    if not head:
        found = containers.list_containers(ctx.db, project, q)
        used = containers.usage_of(ctx.db, [r.id for r in found if not isinstance(r, str)],
                                   ctx.now)
        entries = [container_entry(r, None if isinstance(r, str) else used[r.id])
                   for r in found]
    return render_listing("account", f"AUTH_{project}", entries, media, hdrs, head)


def check(ctx: Ctx) -> None:
    """Before the (ignored) body: the policy has passed."""


def update(ctx: Ctx) -> Reply:
    if "bulk-delete" in ctx.query:
        return bulk.bulk_delete(ctx)
    if any(h in ctx.request.headers for h in QUOTA_HEADERS) and not access.is_reseller(
            ctx.creds):
        raise access.deny(ctx.creds)  # account quotas are the reseller admin's to set
    containers.update_account(ctx.db, account(ctx), headers(ctx), ctx.now)
    return done(204)


QUOTA_HEADERS = ("x-account-meta-quota-bytes", "x-remove-account-meta-quota-bytes",
                 "x-account-quota-bytes", "x-remove-account-quota-bytes",
                 "x-account-quota-count", "x-remove-account-quota-count")


def small_body(settings: Settings) -> int:
    return SMALL_BODY


SMALL = Stream(cap=small_body, begin=check, abort=check)

def delete(ctx: Ctx) -> Reply:
    """DELETE of the account: only a bulk delete (Swift's allow_account_management is
    off: an account lives as long as its project)."""
    if "bulk-delete" in ctx.query:
        return bulk.bulk_delete(ctx)
    raise MethodNotAllowed()


def put(ctx: Ctx) -> Reply:
    """PUT of the account: only a bulk extract (accounts are made with their project)."""
    if "extract-archive" in ctx.query:
        return extract.extract(ctx)
    raise MethodNotAllowed()


def upload_cap(settings: Settings) -> int:
    return MAX_FILE_SIZE


ARCHIVE = Stream(cap=upload_cap, begin=check, abort=check)

# with and without the trailing slash (Swift's path split ignores it; Tempest sends it)
ROUTES: list[Route] = [
    route
    for path in (V1, V1 + "/")
    for route in (
        Route("GET", path, show, "object_store:account:get"),
        Route("POST", path, update, "object_store:account:post", 204, stream=SMALL),
        Route("PUT", path, put, "object_store:account:put", stream=ARCHIVE),
        Route("DELETE", path, delete, "object_store:account:delete", stream=SMALL),
    )
]
