"""Volume transfers: /os-volume-transfer (Cinder's contrib extension) and, as Cinder's v3
router serves it, /volume-transfers (cinder/api/v3/volume_transfer.py: no_snapshots on
create from 3.55, marker and sort from 3.59). The views grow by microversion on both
(no_snapshots 3.55, the history fields 3.57)."""

from __future__ import annotations

from typing import Any

from cheptel.common import flag
from cheptel.errors import BadRequest
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, base, caller, version
from cheptel.volume.service import transfers, volumes
from cheptel.web import Ctx, Reply, Route

LEGACY = P + "/os-volume-transfer"
V3 = P + "/volume-transfers"


def _listing(ctx: Ctx, detail: bool, v3: bool) -> dict[str, Any]:
    creds = caller(ctx)
    all_tenants = flag(ctx.query, "all_tenants") and ctx.allowed(
        "volume:get_all_tenants", {})
    page = transfers.list_transfers(ctx.db, creds, dict(ctx.query), all_tenants,
                                    paginate=v3 and version(ctx).at_least("3.59"))
    docs = [views.transfer(base(ctx), t, version(ctx)) if detail
            else views.transfer_summary(base(ctx), t) for t in page.transfers]
    out: dict[str, Any] = {"transfers": docs}
    if page.transfers and page.limit <= page.count:  # Cinder's _get_collection_links
        out["transfers_links"] = views.next_link(
            base(ctx), "os-volume-transfer", ctx.query, page.transfers[-1].id)
    return out


def _create(ctx: Ctx, v3: bool) -> Reply:
    with_flag = v3 and version(ctx).at_least("3.55")
    body = check(schemas.transfer_create_355 if with_flag else schemas.transfer_create,
                 ctx.body)["transfer"]
    creds = caller(ctx)
    name = body.get("name")
    if name is not None:
        name = name.strip()
        if len(name) > 255:
            raise BadRequest("Invalid input received: The 'name' can not be greater than "
                             "255 characters.")
    volume = volumes.get_visible(ctx.db, creds, body["volume_id"])
    no_snapshots = volumes.as_bool(body.get("no_snapshots", False))
    t, key = transfers.create(ctx.db, creds, volume, name, no_snapshots, ctx.now)
    return Reply({"transfer": views.transfer(base(ctx), t, version(ctx), auth_key=key)},
                 status=202)


def list_legacy(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=False, v3=False)


def detail_legacy(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=True, v3=False)


def create_legacy(ctx: Ctx) -> Reply:
    return _create(ctx, v3=False)


def list_v3(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=False, v3=True)


def detail_v3(ctx: Ctx) -> dict[str, Any]:
    return _listing(ctx, detail=True, v3=True)


def create_v3(ctx: Ctx) -> Reply:
    return _create(ctx, v3=True)


def show(ctx: Ctx) -> dict[str, Any]:
    t = transfers.get_visible(ctx.db, caller(ctx), ctx.params["transfer_id"])
    return {"transfer": views.transfer(base(ctx), t, version(ctx))}


def delete(ctx: Ctx) -> None:
    t = transfers.get_visible(ctx.db, caller(ctx), ctx.params["transfer_id"])
    transfers.delete(ctx.db, t, ctx.now)


def accept(ctx: Ctx) -> Reply:
    body = check(schemas.transfer_accept, ctx.body)["accept"]
    t = transfers.accept(ctx.db, caller(ctx), ctx.params["transfer_id"],
                         str(body["auth_key"]), ctx.now)
    return Reply({"transfer": views.transfer_summary(base(ctx), t)}, status=202)


def _routes(prefix: str, listing: Any, detail: Any, create: Any) -> list[Route]:
    one = prefix + "/{transfer_id}"
    return [
        Route("GET", prefix, listing, "volume:get_all_transfers"),
        Route("GET", prefix + "/detail", detail, "volume:get_all_transfers"),
        Route("POST", prefix, create, "volume:create_transfer", 202),
        Route("GET", one, show, "volume:get_transfer"),
        Route("DELETE", one, delete, "volume:delete_transfer", 202),
        Route("POST", one + "/accept", accept, "volume:accept_transfer", 202),
    ]


ROUTES: list[Route] = [
    *_routes(LEGACY, list_legacy, detail_legacy, create_legacy),
    *_routes(V3, list_v3, detail_v3, create_v3),
]
