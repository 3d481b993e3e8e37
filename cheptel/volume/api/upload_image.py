"""os-volume_upload_image (cinder/api/contrib/volume_actions.py _volume_upload_image):
the volume's filesystem as a new image (service/uploads.py); 202 with Cinder's body."""

from __future__ import annotations

from typing import Any

from cheptel.validation import check
from cheptel.volume import schemas
from cheptel.volume.api.common import version
from cheptel.volume.models import Volume
from cheptel.volume.service import messages, uploads, volumes
from cheptel.web import Ctx, Reply


def upload_image(ctx: Ctx, v: Volume, arg: Any) -> Reply:
    since_31 = version(ctx).at_least("3.1")
    params = check(schemas.volume_upload_image_v31 if since_31
                   else schemas.volume_upload_image, arg)
    ctx.require("volume_extension:volume_actions:upload_image", {"project_id": v.project_id})
    if since_31 and params.get("visibility") == "public":
        ctx.require("volume_extension:volume_actions:upload_public",
                    {"project_id": v.project_id})
    rid = messages.new_request_id()
    ctx.headers_out["x-openstack-request-id"] = rid
    image, _ = uploads.start(ctx.db, v, params, since_31, rid, ctx.now)
    deps, vid = ctx.deps, v.id
    ctx.after_commit.append(lambda: deps.reconciler.schedule("block-storage", vid))
    body = uploads.answer(v, volumes.volume_type(ctx.db, v), image)
    return Reply({"os-volume_upload_image": body}, status=202)
