"""The image route table: every Glance v2 route cheptel serves, and its policy.

Read it as a table: method, path (under /image), handler, policy name (the rules are in
cheptel.image.policies). Reads need a token; which images a caller sees is decided in the
service layer (an image you may not see is a 404). Writes name the image's owner as the
policy target (`project_member`: a member of the owning project, or an admin); member
status is the consumer's own to set.

Metadata definitions follow Glance's defaults: writes are the admin's; reads are for a
reader of the namespace's owner, or any reader when the namespace is public (others get a
404). Paths have no trailing-slash aliases: `/v2/images/` is a 404, as in Glance.
"""

from __future__ import annotations

from cheptel.image.api import data, discovery, images, members, metadef_content, metadefs
from cheptel.image.service.patch import MEDIA_TYPES
from cheptel.web import Ctx, Handler, Route, Stream


def _nothing(ctx: Ctx) -> None:
    """Nothing to undo."""


UPLOAD = Stream(cap=data.upload_cap, begin=data.begin_upload, abort=data.abort_upload)
STAGE = Stream(cap=data.upload_cap, begin=discovery.stage, abort=_nothing)
PATCH = tuple(MEDIA_TYPES)
OCTETS = ("application/octet-stream",)

IMAGE = "/v2/images/{image_id}"
MEMBERS = IMAGE + "/members"
NOT_IMPLEMENTED = ("/v2/tasks", "/v2/cache", IMAGE + "/locations", "/v2/info/usage")
NS = "/v2/metadefs/namespaces/{namespace}"


def _metadef(method: str, path: str, handler: Handler, name: str, status: int = 200) -> Route:
    """A metadef route: the handler checks the body, loads the namespace, then enforces."""
    return Route(method, path, handler, f"image:{name}", status, deferred=True)


METADEF_ROUTES: list[Route] = [
    Route("GET", "/v2/schemas/metadefs/{name}", metadefs.get_schema, "image:get_schema"),
    _metadef("GET", "/v2/metadefs/resource_types", metadefs.list_resource_types,
             "list_metadef_resource_types"),
    _metadef("GET", "/v2/metadefs/namespaces", metadefs.list_namespaces,
             "get_metadef_namespaces"),
    _metadef("POST", "/v2/metadefs/namespaces", metadefs.create_namespace,
             "add_metadef_namespace", 201),
    _metadef("GET", NS, metadefs.get_namespace, "get_metadef_namespace"),
    _metadef("PUT", NS, metadefs.update_namespace, "modify_metadef_namespace"),
    _metadef("DELETE", NS, metadefs.delete_namespace, "delete_metadef_namespace", 204),
    _metadef("GET", NS + "/resource_types", metadefs.list_associations,
             "get_metadef_resource_type"),
    _metadef("POST", NS + "/resource_types", metadefs.associate,
             "add_metadef_resource_type_association", 201),
    _metadef("DELETE", NS + "/resource_types/{resource_type}", metadefs.dissociate,
             "remove_metadef_resource_type_association", 204),
    _metadef("GET", NS + "/objects", metadef_content.list_objects, "get_metadef_objects"),
    _metadef("POST", NS + "/objects", metadef_content.create_object, "add_metadef_object",
             201),
    _metadef("DELETE", NS + "/objects", metadefs.delete_objects, "delete_metadef_namespace",
             204),
    _metadef("GET", NS + "/objects/{object_name}", metadef_content.get_object,
             "get_metadef_object"),
    _metadef("PUT", NS + "/objects/{object_name}", metadef_content.update_object,
             "modify_metadef_object"),
    _metadef("DELETE", NS + "/objects/{object_name}", metadef_content.delete_object,
             "delete_metadef_object", 204),
    _metadef("GET", NS + "/properties", metadef_content.list_properties,
             "get_metadef_properties"),
    _metadef("POST", NS + "/properties", metadef_content.create_property,
             "add_metadef_property", 201),
    _metadef("DELETE", NS + "/properties", metadefs.delete_properties,
             "delete_metadef_namespace", 204),
    _metadef("GET", NS + "/properties/{property_name}", metadef_content.get_property,
             "get_metadef_property"),
    _metadef("PUT", NS + "/properties/{property_name}", metadef_content.update_property,
             "modify_metadef_property"),
    _metadef("DELETE", NS + "/properties/{property_name}", metadef_content.delete_property,
             "remove_metadef_property", 204),
    _metadef("GET", NS + "/tags", metadef_content.list_tags, "get_metadef_tags"),
    _metadef("POST", NS + "/tags", metadef_content.create_tags, "add_metadef_tags", 201),
    _metadef("DELETE", NS + "/tags", metadefs.delete_tags, "delete_metadef_tags", 204),
    _metadef("GET", NS + "/tags/{tag_name}", metadef_content.get_tag, "get_metadef_tag"),
    _metadef("POST", NS + "/tags/{tag_name}", metadef_content.create_tag, "add_metadef_tag",
             201),
    _metadef("PUT", NS + "/tags/{tag_name}", metadef_content.update_tag, "modify_metadef_tag"),
    _metadef("DELETE", NS + "/tags/{tag_name}", metadef_content.delete_tag,
             "delete_metadef_tag", 204),
]

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
    Route("GET", IMAGE + "/tasks", images.get_image_tasks, "image:get_image"),
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
    *METADEF_ROUTES,
]
