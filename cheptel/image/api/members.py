"""Image members: the owner shares a `shared` image, the consumer accepts or rejects it."""

from __future__ import annotations

from cheptel.image import schemas, views
from cheptel.image.api.common import IMAGE, caller
from cheptel.image.models import Image
from cheptel.image.service import images, members
from cheptel.validation import check
from cheptel.web import Ctx, Route


def _image(ctx: Ctx) -> Image:
    return images.get_visible(ctx.db, caller(ctx), ctx.params["image_id"])


def list_members(ctx: Ctx) -> dict:
    return views.member_list(members.list_members(ctx.db, caller(ctx), _image(ctx)))


def get_member(ctx: Ctx) -> dict:
    m = members.get_member(ctx.db, caller(ctx), _image(ctx), ctx.params["member_id"])
    return views.member(m)


def add_member(ctx: Ctx) -> dict:
    body = check(schemas.member_create, ctx.body)
    image = _image(ctx)
    ctx.enforce({"project_id": image.owner})
    return views.member(members.add_member(ctx.db, image, body["member"], ctx.now))


def update_member(ctx: Ctx) -> dict:
    body = check(schemas.member_update, ctx.body)
    image = _image(ctx)
    member = members.get_member(ctx.db, caller(ctx), image, ctx.params["member_id"])
    ctx.enforce({"project_id": member.member_id})  # only the consumer answers for itself
    members.require_shared(image)
    return views.member(members.set_status(ctx.db, member, body["status"], ctx.now))


def delete_member(ctx: Ctx) -> None:
    image = _image(ctx)
    ctx.enforce({"project_id": image.owner})
    members.require_shared(image)
    member = members.get_member(ctx.db, caller(ctx), image, ctx.params["member_id"])
    members.remove_member(ctx.db, member)


MEMBERS = IMAGE + "/members"

ROUTES: list[Route] = [
    Route("GET", MEMBERS, list_members, "image:get_members"),
    Route("POST", MEMBERS, add_member, "image:add_member", deferred=True),
    Route("GET", MEMBERS + "/{member_id}", get_member, "image:get_member"),
    Route("PUT", MEMBERS + "/{member_id}", update_member, "image:modify_member", deferred=True),
    Route("DELETE", MEMBERS + "/{member_id}", delete_member, "image:delete_member",
          204, deferred=True),
]
