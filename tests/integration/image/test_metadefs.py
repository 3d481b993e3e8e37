"""Metadata definitions (Glance's metadefs catalog) through openstacksdk and raw HTTP."""

from __future__ import annotations

import openstack.exceptions
import pytest

from tests.integration.cloud import Cloud
from tests.integration.image.support import admin_token, create, demo_token, glance, unique

NS = "/v2/metadefs/namespaces"
JSON = {"Accept": "application/json"}
SCHEMAS = {"namespace": "namespace", "namespaces": "namespaces", "object": "object",
           "objects": "objects", "property": "property", "properties": "properties",
           "tag": "tag", "tags": "tags", "resource_type": "resource_type_association",
           "resource_types": "resource_type_associations"}


def _namespace(cloud: Cloud, token: str, **body: object) -> str:
    body.setdefault("namespace", unique("ns"))
    r = glance(cloud, "POST", NS, token, json=body)
    assert r.status_code == 201, r.text
    return str(body["namespace"])


def test_namespace_lifecycle_through_the_sdk(image_cloud: Cloud) -> None:
    conn = image_cloud.sdk()
    seeded = {rt.name for rt in conn.image.metadef_resource_types()}
    assert {"OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor"} <= seeded
    name = unique("sdk-ns")
    conn.image.create_metadef_namespace(
        namespace=name, visibility="public", protected=True, display_name="Example",
        resource_type_associations=[{"name": "OS::Glance::Image", "prefix": "hw_"}])
    shown = conn.image.get_metadef_namespace(name)
    assert (shown.visibility, shown.is_protected, shown.display_name) == ("public", True,
                                                                          "Example")
    assert shown.resource_type_associations[0]["prefix"] == "hw_"
    assert name in {n.namespace for n in conn.image.metadef_namespaces()}
    with pytest.raises(openstack.exceptions.ForbiddenException):
        conn.image.delete_metadef_namespace(name)  # protected
    updated = conn.image.update_metadef_namespace(name, namespace=name, protected=False,
                                                  visibility="private")
    assert (updated.visibility, updated.is_protected) == ("private", False)
    conn.image.delete_metadef_namespace(name)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.image.get_metadef_namespace(name)


def test_create_with_content_and_resource_type_prefix(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    name = _namespace(
        image_cloud, token, resource_type_associations=[{"name": "OS::Glance::Image",
                                                         "prefix": "hw_"}],
        properties={"cpu_policy": {"title": "CPU policy", "type": "string",
                                   "enum": ["shared", "dedicated"], "ignored": 1}},
        objects=[{"name": "Limits", "required": ["quota"],
                  "properties": {"quota": {"title": "Quota", "type": "integer"}}}],
        tags=[{"name": "fast"}])
    plain = glance(image_cloud, "GET", f"{NS}/{name}", token).json()
    assert plain["properties"] == {"cpu_policy": {"title": "CPU policy", "type": "string",
                                                  "enum": ["shared", "dedicated"]}}
    raw = glance(image_cloud, "GET", f"{NS}/{name}?resource_type=OS::Glance::Image",
                 token).json()
    assert set(raw["properties"]) == {"hw_cpu_policy"}
    assert raw["objects"][0]["required"] == ["hw_quota"] and raw["tags"] == [{"name": "fast"}]
    assert raw["objects"][0]["self"] == f"{NS}/{name}/objects/Limits"


def test_who_sees_and_who_writes(image_cloud: Cloud) -> None:
    admin, demo = admin_token(image_cloud), demo_token(image_cloud)
    private = _namespace(image_cloud, admin)
    public = _namespace(image_cloud, admin, visibility="public")
    listed = {n["namespace"] for n in glance(image_cloud, "GET", f"{NS}?limit=1000",
                                             demo).json()["namespaces"]}
    assert public in listed and private not in listed
    assert glance(image_cloud, "GET", f"{NS}/{private}", demo).status_code == 404
    assert glance(image_cloud, "GET", f"{NS}/{private}/objects", demo).status_code == 404
    assert glance(image_cloud, "GET", f"{NS}/{public}/tags", demo).status_code == 200
    for method, path, body in (("PUT", "", {"namespace": public}), ("DELETE", "", None),
                               ("POST", "/objects", {"name": "o"}),
                               ("POST", "/tags/t", None), ("DELETE", "/tags", None),
                               ("POST", "/resource_types", {"name": "OS::Nova::Flavor"})):
        r = glance(image_cloud, method, f"{NS}/{public}{path}", demo, json=body)
        assert r.status_code == 403, (method, path, r.text)
        r = glance(image_cloud, method, f"{NS}/{private}{path}", demo, json=body)
        assert r.status_code == 404, (method, path, r.text)
    assert glance(image_cloud, "POST", NS, demo, json={"namespace": unique("x")}
                  ).status_code == 403
    assert glance(image_cloud, "GET", "/v2/metadefs/resource_types", demo).status_code == 200
    assert glance(image_cloud, "GET", NS, None).status_code == 401


def test_objects_properties_and_tags(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    ns = f"{NS}/{_namespace(image_cloud, token)}"

    def call(method: str, path: str, body: object = None, **kw: object) -> tuple[int, dict]:
        headers = {**JSON, **kw.pop("headers", {})}  # type: ignore[dict-item]
        r = glance(image_cloud, method, ns + path, token, headers, json=body, **kw)
        return r.status_code, (r.json() if r.content else {})

    assert call("POST", "/objects", {"name": "a", "description": "d"})[0] == 201
    assert call("POST", "/objects", {"name": "b"})[0] == 201
    assert call("PUT", "/objects/a", {"name": "b"})[0] == 409  # renaming onto another
    status, body = call("PUT", "/objects/a", {"name": "c"})
    assert status == 200 and body["name"] == "c" and "description" not in body
    assert call("GET", "/objects/a")[0] == 404
    assert sorted(o["name"] for o in call("GET", "/objects")[1]["objects"]) == ["b", "c"]
    assert call("DELETE", "/objects/c")[0] == 204

    prop = {"name": "speed", "title": "Speed", "type": "integer", "minimum": 1}
    assert call("POST", "/properties", prop) == (201, prop)
    assert call("POST", "/properties", prop)[0] == 409
    assert call("PUT", "/properties/speed", {**prop, "title": "Pace"})[1]["title"] == "Pace"
    assert call("POST", "/resource_types", {"name": "OS::Nova::Flavor", "prefix": "x:"})[0] == 201
    assert call("GET", "/properties/x:speed?resource_type=OS::Nova::Flavor")[0] == 200
    assert call("GET", "/properties/speed?resource_type=OS::Nova::Flavor")[0] == 404
    assert call("DELETE", "/resource_types/OS::Nova::Flavor")[0] == 204
    assert call("DELETE", "/resource_types/OS::Nova::Flavor")[0] == 404
    assert call("DELETE", "/properties/speed")[0] == 204
    assert call("GET", "/properties")[1] == {"properties": {}}

    assert call("POST", "/tags", {"tags": [{"name": "a"}, {"name": "b"}]})[0] == 201
    assert call("POST", "/tags", {"tags": [{"name": "c"}]})[0] == 201  # replaces
    assert call("POST", "/tags", {"tags": [{"name": "d"}]},
                headers={"X-Openstack-Append": "True"})[0] == 201
    assert sorted(t["name"] for t in call("GET", "/tags")[1]["tags"]) == ["c", "d"]
    assert call("POST", "/tags/C")[0] == 409  # tag names ignore case
    assert call("PUT", "/tags/c", {"name": "e"})[1]["name"] == "e"
    assert call("POST", "/tags", {"tags": [{"name": "f"}, {"name": "F"}]})[0] == 409
    assert sorted(t["name"] for t in call("GET", "/tags")[1]["tags"]) == ["d", "e"]
    assert call("DELETE", "/tags")[0] == 204 and call("GET", "/tags")[1] == {"tags": []}


def test_protected_namespace_keeps_its_content(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    name = _namespace(image_cloud, token, protected=True, tags=[{"name": "t"}],
                      objects=[{"name": "o"}])
    for path in ("/tags/t", "/objects/o", "/tags", "/objects", ""):
        r = glance(image_cloud, "DELETE", f"{NS}/{name}{path}", token, headers=JSON)
        assert r.status_code == 403 and r.json()["code"] == "403 Forbidden", path
    shown = glance(image_cloud, "GET", f"{NS}/{name}", token).json()
    assert shown["tags"] == [{"name": "t"}] and shown["objects"][0]["name"] == "o"


def test_metadef_schemas(image_cloud: Cloud) -> None:
    token = demo_token(image_cloud)
    for path, name in SCHEMAS.items():
        r = glance(image_cloud, "GET", f"/v2/schemas/metadefs/{path}", token)
        assert r.status_code == 200 and r.json()["name"] == name, path
    assert glance(image_cloud, "GET", "/v2/schemas/metadefs/nope", token).status_code == 404


def test_image_paths_have_no_trailing_slash_alias(image_cloud: Cloud) -> None:
    """Glance's router knows /v2/images and /v2/images/{id}: `/v2/images/` is neither."""
    token = admin_token(image_cloud)
    create(image_cloud, token)
    for method in ("GET", "DELETE"):
        r = glance(image_cloud, method, "/v2/images/", token, headers=JSON)
        assert r.status_code == 404 and r.json()["code"] == "404 Not Found", method


def test_owner_member_deactivates_and_reactivates(image_cloud: Cloud) -> None:
    """Glance's default: deactivate/reactivate are for the owning project's members."""
    demo = demo_token(image_cloud)
    image = create(image_cloud, demo, visibility="private")
    base = f"/v2/images/{image['id']}"
    r = glance(image_cloud, "PUT", base + "/file", demo,
               headers={"Content-Type": "application/octet-stream"}, content=b"data")
    assert r.status_code == 204
    assert glance(image_cloud, "POST", base + "/actions/deactivate", demo).status_code == 204
    assert glance(image_cloud, "GET", base, demo).json()["status"] == "deactivated"
    assert glance(image_cloud, "GET", base + "/file", demo).status_code == 403
    assert glance(image_cloud, "POST", base + "/actions/reactivate", demo).status_code == 204
    assert glance(image_cloud, "GET", base + "/file", demo).content == b"data"
