"""The image route table: every Glance v2 route cheptel serves, and its policy.

Read it as a table: method, path (under /image), handler, policy name. Reads need a token;
which images a caller sees is decided in the service layer (an image you may not see is
a 404). Writes name the image's owner as the policy target (`project_member`: a member
of the owning project, or an admin); member status is the consumer's own to set.
"""

from __future__ import annotations

from cheptel import policy
from cheptel.identity.service.catalog import Registration
from cheptel.image.api import data, discovery, images, members
from cheptel.image.api.faults import render_fault
from cheptel.image.service.patch import MEDIA_TYPES
from cheptel.web import Ctx, Route, Service, Stream

POLICIES = {
    "image:discovery": "anyone",
    "image:get_schema": "authenticated",
    "image:get_images": "authenticated",
    "image:get_image": "authenticated",
    "image:add_image": "project_member",
    "image:modify_image": "project_member",
    "image:publicize_image": "admin",
    "image:communitize_image": "project_member",
    "image:delete_image": "project_member",
    "image:upload_image": "project_member",
    "image:download_image": "authenticated",
    "image:deactivate": "admin",
    "image:reactivate": "admin",
    "image:get_members": "authenticated",
    "image:get_member": "authenticated",
    "image:add_member": "project_member",
    "image:modify_member": "project_member",
    "image:delete_member": "project_member",
    "image:not_implemented": "authenticated",
}
policy.register(POLICIES)


def _nothing(ctx: Ctx) -> None:
    """Nothing to undo."""


UPLOAD = Stream(cap=data.upload_cap, begin=data.begin_upload, abort=data.abort_upload)
STAGE = Stream(cap=data.upload_cap, begin=discovery.stage, abort=_nothing)
PATCH = tuple(MEDIA_TYPES)
OCTETS = ("application/octet-stream",)

IMAGE = "/v2/images/{image_id}"
MEMBERS = IMAGE + "/members"
NOT_IMPLEMENTED = ("/v2/tasks", "/v2/metadefs", "/v2/cache", IMAGE + "/locations",
                   IMAGE + "/tasks", "/v2/info/usage")

ROUTES: list[Route] = [
    *[Route(m, f"{p}{tail}", discovery.not_implemented, "image:not_implemented")
      for p in NOT_IMPLEMENTED for tail in ("", "/{rest:path}")
      for m in ("GET", "POST", "PUT", "PATCH", "DELETE")],
    Route("GET", "/", discovery.versions, "image:discovery", 300),
    Route("GET", "/versions", discovery.versions_explicit, "image:discovery"),
    Route("GET", "/v2", discovery.versions_explicit, "image:discovery"),
    Route("GET", "/v2/", discovery.versions_explicit, "image:discovery"),
    Route("GET", "/v2/schemas/{name}", discovery.get_schema, "image:get_schema"),
    Route("GET", "/v2/info/import", discovery.import_info, "image:get_schema"),
    Route("GET", "/v2/info/stores", discovery.stores_info, "image:get_schema"),
    Route("GET", "/v2/info/stores/detail", discovery.stores_info, "image:get_schema"),
    Route("GET", "/v2/images", images.list_images, "image:get_images"),
    Route("POST", "/v2/images", images.create_image, "image:add_image", 201, deferred=True),
    Route("GET", IMAGE, images.get_image, "image:get_image"),
    Route("PATCH", IMAGE, images.update_image, "image:modify_image", deferred=True,
          content_types=PATCH),
    Route("DELETE", IMAGE, images.delete_image, "image:delete_image", 204, deferred=True),
    Route("PUT", IMAGE + "/file", data.upload, "image:upload_image", 204, deferred=True,
          stream=UPLOAD, content_types=OCTETS),
    Route("GET", IMAGE + "/file", data.download, "image:download_image"),
    Route("PUT", IMAGE + "/stage", data.upload, "image:upload_image", 204, deferred=True,
          stream=STAGE),
    Route("POST", IMAGE + "/import", discovery.import_image, "image:upload_image", 202,
          deferred=True),
    Route("PUT", IMAGE + "/tags/{tag}", images.add_tag, "image:modify_image", 204,
          deferred=True),
    Route("DELETE", IMAGE + "/tags/{tag}", images.delete_tag, "image:modify_image", 204,
          deferred=True),
    Route("POST", IMAGE + "/actions/deactivate", images.deactivate, "image:deactivate", 204,
          deferred=True),
    Route("POST", IMAGE + "/actions/reactivate", images.reactivate, "image:reactivate", 204,
          deferred=True),
    Route("GET", MEMBERS, members.list_members, "image:get_members"),
    Route("POST", MEMBERS, members.add_member, "image:add_member", deferred=True),
    Route("GET", MEMBERS + "/{member_id}", members.get_member, "image:get_member"),
    Route("PUT", MEMBERS + "/{member_id}", members.update_member, "image:modify_member",
          deferred=True),
    Route("DELETE", MEMBERS + "/{member_id}", members.delete_member, "image:delete_member",
          204, deferred=True),
]

REGISTRATION = Registration("image", "glance", "/image", "cheptel image (Glance v2)")

__all__ = ["POLICIES", "REGISTRATION", "ROUTES", "SERVICE", "render_fault"]

SERVICE = Service("/image", ROUTES, render_fault, REGISTRATION)
