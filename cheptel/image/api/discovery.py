"""Version discovery, the schema documents, and the parts of Glance cheptel leaves out."""

from __future__ import annotations

from cheptel.errors import BadRequest, NotFound, NotImplementedYet
from cheptel.image import schemas, views
from cheptel.image.api.common import IMAGE
from cheptel.web import Ctx, Reply, Route


def versions(ctx: Ctx) -> Reply:
    """GET /image: 300 Multiple Choices, as Glance answers its root."""
    return Reply(views.versions(ctx.base_url + "/image"), status=300)


def versions_explicit(ctx: Ctx) -> dict:
    """GET /image/versions and /image/v2: the same list, 200."""
    return views.versions(ctx.base_url + "/image")


SCHEMAS = {"image": schemas.image_document, "images": schemas.images_document,
           "member": schemas.member_document, "members": schemas.members_document}


def get_schema(ctx: Ctx) -> dict:
    make = SCHEMAS.get(ctx.params["name"])
    if make is None:
        raise NotFound(f"Could not find schema {ctx.params['name']}.")
    return make()


def import_info(ctx: Ctx) -> dict:
    """No interoperable import method is enabled: images are uploaded with PUT .../file."""
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": []}}


def stores_info(ctx: Ctx) -> None:
    raise NotFound("Multi backend is not supported at this site.")


def stage(ctx: Ctx) -> None:
    raise NotFound("'glance-direct' method is not available at this site.")


def import_image(ctx: Ctx) -> None:
    """Glance checks the method name before the image or the policy (its deserializer), and
    no method is enabled: a 400 for any caller (a deferred route that never gets further)."""
    method = ctx.body.get("method") if isinstance(ctx.body, dict) else None
    name = method.get("name") if isinstance(method, dict) else None
    raise BadRequest(f"Unknown import method name '{name}'." if name
                     else "Import request requires a 'method' field.")


def not_implemented(ctx: Ctx) -> None:
    raise NotImplementedYet(f"{ctx.request.method} {ctx.request.url.path} is not implemented "
                            f"by cheptel.")


NOT_IMPLEMENTED = ("/v2/tasks", "/v2/cache", IMAGE + "/locations", "/v2/info/usage")

ROUTES: list[Route] = [
    # first in the table: 501 for every method of what cheptel does not implement
    *[Route(m, f"{p}{tail}", not_implemented, "image:not_implemented")
      for p in NOT_IMPLEMENTED for tail in ("", "/{rest:path}")
      for m in ("GET", "POST", "PUT", "PATCH", "DELETE")],
    Route("GET", "/", versions, "image:discovery", 300),
    Route("GET", "/versions", versions_explicit, "image:discovery"),
    Route("GET", "/v2", versions_explicit, "image:discovery"),
    Route("GET", "/v2/", versions_explicit, "image:discovery"),
    Route("GET", "/v2/schemas/{name}", get_schema, "image:get_schema"),
    Route("GET", "/v2/info/import", import_info, "image:get_schema"),
    Route("GET", "/v2/info/stores", stores_info, "image:get_schema"),
    Route("GET", "/v2/info/stores/detail", stores_info, "image:get_schema"),
    Route("POST", IMAGE + "/import", import_image, "image:upload_image", 202, deferred=True),
]
