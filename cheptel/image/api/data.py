"""Image data: PUT /v2/images/{id}/file (a stream= route, see cheptel.web.Stream), GET."""

from __future__ import annotations

import os

from starlette.responses import Response, StreamingResponse

from cheptel.config import Settings
from cheptel.errors import BadRequest, PayloadTooLarge
from cheptel.image import store
from cheptel.image.api import discovery
from cheptel.image.api.common import IMAGE, caller
from cheptel.image.service import data, images
from cheptel.web import Ctx, Reply, Route, Stream


def upload_cap(settings: Settings) -> int:
    """The largest upload accepted: Settings.image_size_cap (CHEPTEL_IMAGE_SIZE_CAP)."""
    return settings.image_size_cap


def begin_upload(ctx: Ctx) -> None:
    """Before any byte is read: the caller may upload, the size is announced acceptably."""
    image = images.get_visible(ctx.db, ctx.creds, ctx.params["image_id"])
    ctx.enforce({"project_id": image.owner})
    announced = ctx.header("x-openstack-image-size")
    if announced is not None:
        try:
            size = int(announced)
        except ValueError:
            raise BadRequest("Invalid or missing image size in request headers.") from None
        cap = upload_cap(ctx.deps.settings)
        if size > cap:
            raise PayloadTooLarge(f"The incoming image is too large: {size} bytes announced, "
                                  f"the limit is {cap}.")
    data.begin_upload(image, ctx.now)


def upload(ctx: Ctx) -> None:
    data.finish_upload(ctx.db, ctx.deps.settings.data_dir, ctx.params["image_id"], ctx.body,
                       ctx.now)


def abort_upload(ctx: Ctx) -> None:
    data.abort_upload(ctx.db, ctx.deps.settings.data_dir, ctx.params["image_id"], ctx.now)


def download(ctx: Ctx) -> Response | Reply:
    image = images.get_visible(ctx.db, ctx.creds, ctx.params["image_id"])
    fh = data.open_for_download(ctx.deps.settings.data_dir, caller(ctx), image)
    if fh is None:
        return Reply(None, status=204)
    headers = {"Content-Length": str(os.fstat(fh.fileno()).st_size)}
    if image.checksum:
        headers["Content-MD5"] = image.checksum
    if ctx.request.method == "HEAD":
        fh.close()
        return Response(status_code=200, headers=headers,
                        media_type="application/octet-stream")
    return StreamingResponse(store.iter_file(fh), headers=headers,
                             media_type="application/octet-stream")


def _nothing(ctx: Ctx) -> None:
    """Nothing to undo."""


UPLOAD = Stream(cap=upload_cap, begin=begin_upload, abort=abort_upload)
STAGE = Stream(cap=upload_cap, begin=discovery.stage, abort=_nothing)
OCTETS = ("application/octet-stream",)

ROUTES: list[Route] = [
    Route("PUT", IMAGE + "/file", upload, "image:upload_image", 204, deferred=True,
          stream=UPLOAD, content_types=OCTETS),
    Route("GET", IMAGE + "/file", download, "image:download_image"),
    Route("PUT", IMAGE + "/stage", upload, "image:upload_image", 204, deferred=True, stream=STAGE),
]
