"""Images: create, list, show, update (JSON patch), delete, tags, deactivate/reactivate."""

from __future__ import annotations

from cheptel.errors import BadRequest
from cheptel.image import views
from cheptel.image.api.common import IMAGE, caller
from cheptel.image.models import Image
from cheptel.image.service import images, listing, patch
from cheptel.image.service.patch import MEDIA_TYPES
from cheptel.web import Ctx, Reply, Route

VISIBILITY_POLICIES = {"public": "image:publicize_image",
                       "community": "image:communitize_image"}


def _load(ctx: Ctx) -> Image:
    """The image of the URL if the caller can see it (else 404); then the route's policy."""
    image = images.get_visible(ctx.db, ctx.creds, ctx.params["image_id"])
    ctx.enforce({"project_id": image.owner})
    return image


def _visibility_policy(ctx: Ctx, visibility: object) -> None:
    name = VISIBILITY_POLICIES.get(str(visibility))
    if name:
        ctx.require(name, {"project_id": caller(ctx).project_id})


def _render(ctx: Ctx, image: Image) -> dict:
    return views.image(images.load_one(ctx.db, image))


def create_image(ctx: Ctx) -> Reply:
    if ctx.body is None:
        raise BadRequest("Body expected in request.")
    if not isinstance(ctx.body, dict):
        raise BadRequest("Provided object does not match schema 'image': the body must be "
                         "an object")
    new = images.split_create(ctx.body)
    asked = new.values.get("owner")
    owner = asked if isinstance(asked, str) and asked else caller(ctx).project_id
    ctx.enforce({"project_id": owner})
    _visibility_policy(ctx, new.values.get("visibility"))
    image = images.create(ctx.db, ctx.now, owner, new)
    return Reply(_render(ctx, image), status=201,
                 headers={"Location": f"{ctx.base_url}/image/v2/images/{image.id}"})


def list_images(ctx: Ctx) -> dict:
    q = listing.parse(ctx.query_multi)
    found, next_marker = listing.list_images(ctx.db, ctx.creds, q)
    params = list(ctx.request.query_params.multi_items())
    return views.image_list(images.load(ctx.db, found), params, next_marker)


def get_image(ctx: Ctx) -> dict:
    image = images.get_visible(ctx.db, ctx.creds, ctx.params["image_id"])
    return _render(ctx, image)


def get_image_tasks(ctx: Ctx) -> dict:
    """GET /v2/images/{id}/tasks: the image's import tasks. cheptel runs none (no import
    method is enabled, locations are not exposed), so a visible image has an empty list."""
    images.get_visible(ctx.db, ctx.creds, ctx.params["image_id"])
    return {"tasks": []}


def update_image(ctx: Ctx) -> dict:
    media = (ctx.header("content-type") or "").split(";")[0].strip().lower()
    changes = patch.parse(ctx.body, media)
    image = _load(ctx)
    for c in changes:
        if c.path == "visibility" and c.op != "remove" and c.value != image.visibility:
            _visibility_policy(ctx, c.value)
    patch.apply(ctx.db, caller(ctx), image, changes, ctx.now)
    return _render(ctx, image)


def delete_image(ctx: Ctx) -> None:
    image = _load(ctx)
    images.delete_image(ctx.db, ctx.deps.settings.data_dir, image, ctx.after_commit)


def add_tag(ctx: Ctx) -> None:
    tag = ctx.params["tag"]
    if len(tag) > 255:
        raise BadRequest("Provided object does not match schema 'image': tag is longer "
                         "than 255 characters")
    images.add_tag(ctx.db, _load(ctx), tag, ctx.now)


def delete_tag(ctx: Ctx) -> None:
    images.remove_tag(ctx.db, _load(ctx), ctx.params["tag"], ctx.now)


def deactivate(ctx: Ctx) -> None:
    images.deactivate(_load(ctx), ctx.now)


def reactivate(ctx: Ctx) -> None:
    images.reactivate(_load(ctx), ctx.now)


PATCH = tuple(MEDIA_TYPES)

ROUTES: list[Route] = [
    Route("GET", "/v2/images", list_images, "image:get_images"),
    Route("POST", "/v2/images", create_image, "image:add_image", 201, deferred=True),
    Route("GET", IMAGE, get_image, "image:get_image"),
    Route("GET", IMAGE + "/tasks", get_image_tasks, "image:get_image"),
    Route("PATCH", IMAGE, update_image, "image:modify_image", deferred=True, content_types=PATCH),
    Route("DELETE", IMAGE, delete_image, "image:delete_image", 204, deferred=True),
    Route("PUT", IMAGE + "/tags/{tag}", add_tag, "image:modify_image", 204, deferred=True),
    Route("DELETE", IMAGE + "/tags/{tag}", delete_tag, "image:modify_image", 204, deferred=True),
    Route("POST", IMAGE + "/actions/deactivate", deactivate, "image:deactivate", 204,
          deferred=True),
    Route("POST", IMAGE + "/actions/reactivate", reactivate, "image:reactivate", 204,
          deferred=True),
]
