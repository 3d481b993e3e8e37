"""Bad input over raw HTTP: always a 4xx, in Glance's (WebOb's) error format, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.cloud import Cloud
from tests.integration.image.support import PATCH, admin_token, create, glance, unique

JSON = {"Accept": "application/json"}


def _is_glance_json(r: httpx.Response, code: int) -> None:
    assert r.status_code == code, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["code"].startswith(str(code)) and body["title"] and body["message"]


def test_fault_media_type_follows_accept(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    missing = "/v2/images/00000000-0000-0000-0000-000000000000"
    r = glance(image_cloud, "GET", missing, token, headers=JSON)
    _is_glance_json(r, 404)
    assert r.json()["code"] == "404 Not Found"
    html = glance(image_cloud, "GET", missing, token, headers={"Accept": "*/*"})
    assert html.headers["content-type"].startswith("text/html")
    assert "<h1>404 Not Found</h1>" in html.text
    plain = glance(image_cloud, "GET", missing, token, headers={"Accept": "text/plain"})
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text.startswith("404 Not Found\n\n")
    unauth = glance(image_cloud, "GET", "/v2/images", None)
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == 401


@pytest.mark.parametrize("body, code", [
    ("not json", 400),
    ({"op": "add"}, 400),  # not a list
    ([{"op": "move", "path": "/name", "value": "x"}], 400),
    ([{"op": "add", "path": "name", "value": "x"}], 400),
    ([{"op": "add", "path": "/a/b", "value": "x"}], 400),
    ([{"op": "add", "path": "/a~2", "value": "x"}], 400),
    ([{"op": "replace", "path": "/name"}], 400),  # no value
    ([{"op": "replace", "path": "/name", "value": "n" * 256}], 400),
    ([{"op": "replace", "path": "/min_ram", "value": -1}], 400),
    ([{"op": "replace", "path": "/min_ram", "value": "lots"}], 400),
    ([{"op": "replace", "path": "/visibility", "value": "everyone"}], 400),
    ([{"op": "add", "path": "/k", "value": 5}], 400),  # extra properties are strings
    ([{"op": "add", "path": "/tags", "value": "not-a-list"}], 400),
    ([{"op": "replace", "path": "/status", "value": "active"}], 403),
    ([{"op": "replace", "path": "/id", "value": "x"}], 403),
    ([{"op": "add", "path": "/os_glance_x", "value": "x"}], 403),
    ([{"op": "remove", "path": "/name"}], 403),
    ([{"op": "remove", "path": "/never-set"}], 409),
    ([{"op": "replace", "path": "/never-set", "value": "x"}], 409),
    ([{"op": "add", "path": "/" + "k" * 256, "value": "x"}], 400),
])
def test_bad_json_patch(image_cloud: Cloud, body: object, code: int) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    r = glance(image_cloud, "PATCH", f"/v2/images/{image['id']}", token,
               headers={**JSON, "Content-Type": PATCH}, **kwargs)
    _is_glance_json(r, code)
    assert glance(image_cloud, "GET", f"/v2/images/{image['id']}", token).json() == image


def test_patch_wants_the_patch_media_type(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)
    for media in ("application/json", "application/json-patch+json", None):
        headers = {**JSON, **({"Content-Type": media} if media else {})}
        r = glance(image_cloud, "PATCH", f"/v2/images/{image['id']}", token, headers=headers,
                   content=b"[]")
        _is_glance_json(r, 415)
        assert "openstack-images-v2.1-json-patch" in r.headers["Accept-Patch"]
    old = glance(image_cloud, "PATCH", f"/v2/images/{image['id']}", token,
                 headers={"Content-Type": "application/openstack-images-v2.0-json-patch"},
                 json=[{"replace": "/name", "value": "draft4"}])
    assert old.status_code == 200 and old.json()["name"] == "draft4"


@pytest.mark.parametrize("body, code", [
    ({"name": "n" * 256}, 400),
    ({"name": "x" * 20000}, 400),
    ({"name": 5}, 400),
    ({"disk_format": "floppy"}, 400),
    ({"container_format": "crate"}, 400),
    ({"visibility": "everyone"}, 400),
    ({"min_ram": -1}, 400),
    ({"min_disk": 2**40}, 400),
    ({"protected": "yes"}, 400),
    ({"id": "not-a-uuid"}, 400),
    ({"tags": ["t" * 256]}, 400),
    ({"tags": "t"}, 400),
    ({"custom": {"nested": True}}, 400),  # extra properties are strings
    ({"k" * 256: "v"}, 400),
    ({"status": "active"}, 403),
    ({"checksum": "0" * 32}, 403),
    ({"self": "/x"}, 403),
    ({"location": "file:///etc/passwd"}, 403),
    ({"os_glance_import_task": "x"}, 403),
    ({"properties": {"a": "b"}}, 400),
    ({"tags": [str(i) for i in range(129)]}, 413),
    ({f"p{i}": "v" for i in range(129)}, 413),
])
def test_bad_create(image_cloud: Cloud, body: dict, code: int) -> None:
    r = glance(image_cloud, "POST", "/v2/images", admin_token(image_cloud), headers=JSON,
               json=body)
    _is_glance_json(r, code)


def test_create_accepts_unknown_string_properties(image_cloud: Cloud) -> None:
    image = create(image_cloud, admin_token(image_cloud),
                   **{"owner_specified.openstack.md5": "", "hw_anything": "1"})
    assert image["owner_specified.openstack.md5"] == "" and image["hw_anything"] == "1"
    dup = glance(image_cloud, "POST", "/v2/images", admin_token(image_cloud), headers=JSON,
                 json={"id": image["id"], "name": unique("dup")})
    _is_glance_json(dup, 409)


def test_bodies_that_are_not_objects(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    for content in (b"", b"[]", b"null", b"\"x\"", b"{", b"\xff\xfe", b"{\"a\": \"\\u0000\"}"):
        r = glance(image_cloud, "POST", "/v2/images", token,
                   headers={**JSON, "Content-Type": "application/json"}, content=content)
        assert r.status_code == 400, (content, r.status_code, r.text)
    big = b"{\"name\": \"" + b"x" * 200_000 + b"\"}"
    r = glance(image_cloud, "POST", "/v2/images", token, headers=JSON, content=big)
    _is_glance_json(r, 413)


@pytest.mark.parametrize("query", [
    "sort_key=size;drop", "sort_key=owner", "sort_dir=up", "sort=name:sideways",
    "sort=name&sort_key=name", "limit=-1", "limit=ten", "marker=nope",
    "visibility=everyone", "member_status=maybe", "os_hidden=perhaps", "protected=1",
    "size_min=big", "created_at=gt:yesterday", "name=like:x", "changes-since=2020-01-01",
    "id=in:\"a,b",
])
def test_bad_list_query(image_cloud: Cloud, query: str) -> None:
    r = glance(image_cloud, "GET", f"/v2/images?{query}", admin_token(image_cloud),
               headers=JSON)
    _is_glance_json(r, 400)


def test_tags_and_members_bad_input(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)
    base = f"/v2/images/{image['id']}"
    _is_glance_json(glance(image_cloud, "PUT", f"{base}/tags/{'t' * 256}", token,
                           headers=JSON), 400)
    _is_glance_json(glance(image_cloud, "DELETE", f"{base}/tags/absent", token,
                           headers=JSON), 404)
    for body in ({}, {"member": ""}, {"member": 5}, ["p"]):
        _is_glance_json(glance(image_cloud, "POST", f"{base}/members", token, headers=JSON,
                               json=body), 400)
    _is_glance_json(glance(image_cloud, "GET", f"{base}/members/nobody", token,
                           headers=JSON), 404)
    _is_glance_json(glance(image_cloud, "POST", f"{base}/actions/explode", token,
                           headers=JSON), 404)
    _is_glance_json(glance(image_cloud, "POST", f"{base}/actions/reactivate", token,
                           headers=JSON), 403)  # a queued image


def test_discovery_and_schemas(image_cloud: Cloud) -> None:
    r = glance(image_cloud, "GET", "", None)
    assert r.status_code == 300
    current = [v for v in r.json()["versions"] if v["status"] == "CURRENT"]
    assert current and current[0]["links"][0]["href"].endswith("/image/v2/")
    token = admin_token(image_cloud)
    for name in ("image", "images", "member", "members"):
        r = glance(image_cloud, "GET", f"/v2/schemas/{name}", token)
        assert r.status_code == 200 and r.json()["name"] == name
    _is_glance_json(glance(image_cloud, "GET", "/v2/schemas/nope", token, headers=JSON), 404)
    info = glance(image_cloud, "GET", "/v2/info/import", token).json()
    assert info["import-methods"]["value"] == []
    _is_glance_json(glance(image_cloud, "GET", "/v2/tasks", token, headers=JSON), 501)


def test_an_images_tasks(image_cloud: Cloud) -> None:
    """GET /v2/images/{id}/tasks (what Nova's backup waiters poll): no import ran."""
    token = admin_token(image_cloud)
    image = create(image_cloud, token, name=unique("tasks"))
    r = glance(image_cloud, "GET", f"/v2/images/{image['id']}/tasks", token)
    assert r.status_code == 200 and r.json() == {"tasks": []}
    _is_glance_json(glance(image_cloud, "GET", f"/v2/images/{'0' * 32}/tasks", token,
                           headers=JSON), 404)
    _is_glance_json(glance(image_cloud, "POST", f"/v2/images/{image['id']}/tasks", token,
                           headers=JSON), 405)


MD = "/v2/metadefs/namespaces"
PROP = {"title": "t", "type": "string"}


@pytest.mark.parametrize("extra, code", [
    ({"namespace": None}, 400),
    ({"namespace": "n" * 81}, 400),
    ({"namespace": 5}, 400),
    ({"visibility": "shared"}, 400),
    ({"protected": "yes"}, 400),
    ({"description": "d" * 501}, 400),
    ({"bogus": 1}, 400),
    ({"self": "/x"}, 403),
    ({"created_at": "2020-01-01T00:00:00Z"}, 403),
    ({"properties": {"p": {"type": "string"}}}, 400),  # a property needs a title
    ({"properties": {"p": {**PROP, "minimum": "low"}}}, 400),
    ({"objects": [{"name": "o", "properties": {"p": {"title": "t", "type": "blob"}}}]}, 400),
    ({"resource_type_associations": [{"name": 5}]}, 400),
    ({"tags": [{"name": "a"}, {"name": "a"}]}, 409),  # nothing is left half-made
    ({"objects": [{"name": "o"}, {"name": "o"}]}, 409),
    ({"tags": [{"name": "t" * 81}]}, 400),
])
def test_bad_metadef_namespace(image_cloud: Cloud, extra: dict, code: int) -> None:
    token = admin_token(image_cloud)
    name = unique("bad-ns")
    body = {k: v for k, v in {"namespace": name, **extra}.items() if v is not None}
    _is_glance_json(glance(image_cloud, "POST", MD, token, headers=JSON, json=body), code)
    assert glance(image_cloud, "GET", f"{MD}/{name}", token).status_code == 404


@pytest.mark.parametrize("method, path, body, code", [
    ("POST", "/objects", {}, 400),
    ("POST", "/objects", {"name": 5}, 400),
    ("POST", "/objects", {"name": "o", "required": "quota"}, 400),
    ("POST", "/objects", {"name": "o", "properties": {"p": {"title": "t"}}}, 400),
    ("POST", "/objects", {"name": "o", "schema": "/x"}, 403),
    ("POST", "/objects", {"name": "kept"}, 409),
    ("PUT", "/objects/kept", {"name": "o" * 81}, 400),
    ("PUT", "/objects/absent", {"name": "o"}, 404),
    ("POST", "/properties", {"name": "p"}, 400),
    ("POST", "/properties", {**PROP}, 400),  # a name is required here
    ("POST", "/properties", {"name": "p", **PROP, "confidential": True}, 400),
    ("POST", "/properties", {"name": "p", **PROP, "created_at": "x"}, 403),
    ("PUT", "/properties/absent", {"name": "p", **PROP}, 404),
    ("POST", "/tags", {"tags": "a"}, 400),
    ("POST", "/tags", {"tags": [{}]}, 400),
    ("POST", "/tags", {"tags": [{"name": "a", "x": 1}]}, 400),
    ("POST", "/tags", {"tags": [{"name": "a"}, {"name": "A"}]}, 409),
    ("POST", "/tags/" + "t" * 81, None, 400),
    ("PUT", "/tags/kept", {"name": ""}, 400),
    ("PUT", "/tags/kept", {"name": "x", "updated_at": "x"}, 403),
    ("POST", "/resource_types", {}, 400),
    ("POST", "/resource_types", {"name": "n" * 81}, 400),
    ("POST", "/resource_types", {"name": "OS::Glance::Image", "prefix": 5}, 400),
    ("DELETE", "/resource_types/OS::Nova::Flavor", None, 404),
    ("PUT", "", {"display_name": "no namespace"}, 400),
    ("PUT", "", {"namespace": "x", "visibility": "everyone"}, 400),
])
def test_bad_metadef_content(image_cloud: Cloud, method: str, path: str, body: object,
                             code: int) -> None:
    token = admin_token(image_cloud)
    name = unique("bad-content")
    r = glance(image_cloud, "POST", MD, token, json={
        "namespace": name, "objects": [{"name": "kept"}], "tags": [{"name": "kept"}]})
    assert r.status_code == 201, r.text
    before = glance(image_cloud, "GET", f"{MD}/{name}", token).json()
    r = glance(image_cloud, method, f"{MD}/{name}{path}", token, headers=JSON, json=body)
    _is_glance_json(r, code)
    assert glance(image_cloud, "GET", f"{MD}/{name}", token).json() == before


@pytest.mark.parametrize("query, code", [
    ("limit=ten", 400), ("limit=-1", 400), ("sort_dir=up", 400), ("sort_key=size", 400),
    ("visibility=shared", 400), ("marker=absent-namespace", 404),
])
def test_bad_metadef_list_query(image_cloud: Cloud, query: str, code: int) -> None:
    r = glance(image_cloud, "GET", f"{MD}?{query}", admin_token(image_cloud), headers=JSON)
    _is_glance_json(r, code)
