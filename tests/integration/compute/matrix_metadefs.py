"""The persona matrix's rows for Glance's metadata definitions (see test_policy_matrix).

glance/policies/metadef.py: every write is the admin's; a namespace is read by a reader of
its owning project, or by anyone's reader when it is public. The matrix's namespace is A's
and private, so B does not see it (404) and A's reader and member may read, not write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

G = "image"
NS = "/v2/metadefs/namespaces/{namespace}"
NS_READS = ("", "/resource_types", "/objects", "/objects/{object_name}", "/properties",
            "/properties/{property_name}", "/tags", "/tags/{tag_name}")
NS_WRITES = (("PUT", ""), ("DELETE", ""), ("POST", "/resource_types"),
             ("DELETE", "/resource_types/{resource_type}"), ("POST", "/tags/{tag_name}"),
             *[(m, p) for p in ("/objects", "/properties", "/tags") for m in ("POST", "DELETE")],
             *[(m, p) for p in ("/objects/{object_name}", "/properties/{property_name}",
                                "/tags/{tag_name}") for m in ("PUT", "DELETE")])
EXPECT = {
    **{(G, "GET", p): "open" for p in ("/v2/schemas/metadefs/{name}",
                                       "/v2/metadefs/resource_types", "/v2/metadefs/namespaces")},
    (G, "POST", "/v2/metadefs/namespaces"): "admin",
    **{(G, "GET", NS + p): "read_a" for p in NS_READS},
    **{(G, m, NS + p): "admin_on_a" for m, p in NS_WRITES},
}
AIM = {
    (G, "DELETE", NS): {"namespace": "spare:namespace"},
    (G, "POST", NS + "/tags/{tag_name}"): {"tag_name": "new_tag"},
    (G, "GET", "/v2/schemas/metadefs/{name}"): {"name": "metadef_schema"},
}
IDS = {"object_name": "mx-object", "property_name": "mx_property", "tag_name": "mx-tag",
       "new_tag": "mx-new-tag", "resource_type": "OS::Glance::Image",
       "metadef_schema": "namespace"}


def _property(name: Callable[[Any], str]) -> Callable[[Any], dict]:
    return lambda w: {"name": name(w), "title": "t", "type": "string"}


def uniq() -> str:
    return f"mx-{uuid.uuid4().hex[:10]}"


BODIES = {
    (G, "POST", "/v2/metadefs/namespaces"): lambda w: {"namespace": uniq()},
    (G, "PUT", NS): lambda w: {"namespace": w.ids["namespace"],
                               "owner": w.ids["project_id"]},
    (G, "POST", NS + "/resource_types"): lambda w: {"name": "OS::Nova::Flavor"},
    (G, "POST", NS + "/objects"): lambda w: {"name": uniq()},
    (G, "PUT", NS + "/objects/{object_name}"): lambda w: {"name": w.ids["object_name"]},
    (G, "POST", NS + "/properties"): _property(lambda w: uniq()),
    (G, "PUT", NS + "/properties/{property_name}"): _property(
        lambda w: w.ids["property_name"]),
    (G, "POST", NS + "/tags"): lambda w: {"tags": [{"name": w.ids["tag_name"]}]},
    (G, "PUT", NS + "/tags/{tag_name}"): lambda w: {"name": w.ids["tag_name"]},
}


NO_BODY = {(G, "POST", NS + "/tags/{tag_name}")}


def make_namespace(w: Any) -> str:
    """A private namespace owned by project A."""
    return w.ok(G, "POST", "/v2/metadefs/namespaces", {
        "namespace": uniq(), "owner": w.ids["project_id"]})["namespace"]


def fill_namespace(w: Any) -> None:
    """A's namespace holds its object, property, tag and OS::Glance::Image association
    (409: already there), and neither the OS::Nova::Flavor association nor the new tag."""
    ns, ids = f"/v2/metadefs/namespaces/{w.ids['namespace']}", w.ids
    for path, body in (("/objects", {"name": ids["object_name"]}),
                       ("/properties", _property(lambda _: ids["property_name"])(w)),
                       ("/resource_types", {"name": "OS::Glance::Image"}),
                       (f"/tags/{ids['tag_name']}", None)):
        assert w.call(G, "POST", ns + path, w.admin_token, body).status_code in (201, 409)
    for path in ("/resource_types/OS::Nova::Flavor", f"/tags/{ids['new_tag']}"):
        w.call(G, "DELETE", ns + path, w.admin_token)
