"""User messages (cinder/api/v3/messages.py, 3.3+): list, show, delete. A project's
readers read its messages, its members delete them; the admin reads every project's with
all_tenants. Another project's message is a 404."""

from __future__ import annotations

from typing import Any

from cheptel.common import flag
from cheptel.errors import NotFound
from cheptel.volume import views
from cheptel.volume.api.common import P, base, caller, version
from cheptel.volume.models import VolumeMessage
from cheptel.volume.service import messages
from cheptel.web import Ctx, Route

MESSAGES = P + "/messages"
MESSAGE = MESSAGES + "/{message_id}"


def _since_33(ctx: Ctx) -> None:
    caller(ctx)
    if not version(ctx).at_least("3.3"):  # Cinder's unmatched api_version: 404
        raise NotFound("The resource could not be found.")


def _doc(ctx: Ctx, m: VolumeMessage) -> dict[str, Any]:
    return views.message(base(ctx), m, messages.user_message(m))


def list_messages(ctx: Ctx) -> dict[str, Any]:
    _since_33(ctx)
    creds, at = caller(ctx), version(ctx)
    all_tenants = "all_tenants" in ctx.query and flag(ctx.query, "all_tenants") and \
        ctx.allowed("volume:get_all_tenants", {})
    page = messages.list_messages(ctx.db, creds, ctx.query, at.at_least("3.5"),
                                  at.at_least("3.31"), at.at_least("3.34"), all_tenants,
                                  ctx.now)
    out: dict[str, Any] = {"messages": [_doc(ctx, m) for m in page.messages]}
    if page.more and page.messages:
        out["messages_links"] = views.next_link(base(ctx), "messages", ctx.query,
                                                page.messages[-1].id)
    return out


def _message(ctx: Ctx) -> VolumeMessage:
    _since_33(ctx)
    return messages.get_visible(ctx.db, caller(ctx), ctx.params["message_id"], ctx.now)


def show(ctx: Ctx) -> dict[str, Any]:
    return {"message": _doc(ctx, _message(ctx))}


def delete(ctx: Ctx) -> None:
    messages.remove(ctx.db, _message(ctx))


ROUTES: list[Route] = [
    Route("GET", MESSAGES, list_messages, "message:get_all"),
    Route("GET", MESSAGE, show, "message:get"),
    Route("DELETE", MESSAGE, delete, "message:delete", 204),
]
