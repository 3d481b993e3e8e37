"""Visibility across projects: private stays private (404), sharing needs the consumer's yes."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cloud import Cloud
from tests.integration.image.support import (
    PATCH,
    admin_token,
    create,
    demo_token,
    glance,
    unique,
)


def _demo_ids(cloud: Cloud, *args: str) -> set[str]:
    return {i["ID"] for i in cloud.cli("image", "list", *args, cloud="cheptel-demo")}


def test_private_image_of_another_project_is_404_and_unlisted(image_cloud: Cloud) -> None:
    image = create(image_cloud, admin_token(image_cloud), visibility="private")
    shown = image_cloud.cli("image", "show", image["id"], cloud="cheptel-demo", check=False,
                            as_json=False)
    assert shown.returncode != 0
    assert image["id"] not in _demo_ids(image_cloud)
    assert image["id"] not in _demo_ids(image_cloud, "--private")
    token = demo_token(image_cloud)
    for method, path in (("GET", ""), ("GET", "/file"), ("DELETE", ""), ("GET", "/members"),
                         ("PUT", "/tags/x"), ("POST", "/actions/deactivate")):
        r = glance(image_cloud, method, f"/v2/images/{image['id']}{path}", token)
        assert r.status_code == 404, (method, path, r.status_code)
    r = glance(image_cloud, "PATCH", f"/v2/images/{image['id']}", token,
               headers={"Content-Type": PATCH}, json=[])
    assert r.status_code == 404
    # the admin sees it, and every project's images
    assert image_cloud.cli("image", "show", image["id"])["visibility"] == "private"


def test_public_image_is_readable_but_not_writable_by_others(image_cloud: Cloud) -> None:
    image = create(image_cloud, admin_token(image_cloud), visibility="public")
    assert image["id"] in _demo_ids(image_cloud)
    token = demo_token(image_cloud)
    r = glance(image_cloud, "PATCH", f"/v2/images/{image['id']}", token,
               headers={"Content-Type": PATCH},
               json=[{"op": "add", "path": "/k", "value": "v"}])
    assert r.status_code == 403
    assert glance(image_cloud, "DELETE", f"/v2/images/{image['id']}", token).status_code == 403


def test_only_admin_publicizes(image_cloud: Cloud) -> None:
    token = demo_token(image_cloud)
    r = glance(image_cloud, "POST", "/v2/images", token,
               json={"name": unique("pub"), "visibility": "public"})
    assert r.status_code == 403
    mine = create(image_cloud, token)
    assert mine["visibility"] == "shared"  # Glance's default
    r = glance(image_cloud, "PATCH", f"/v2/images/{mine['id']}", token,
               headers={"Content-Type": PATCH},
               json=[{"op": "replace", "path": "/visibility", "value": "public"}])
    assert r.status_code == 403
    r = glance(image_cloud, "POST", "/v2/images", token,
               json={"name": unique("own"), "owner": "someone-else"})
    assert r.status_code == 403


def test_share_with_demo_then_accept(image_cloud: Cloud, tmp_path: Path) -> None:
    path = tmp_path / "shared.img"
    path.write_bytes(b"shared data")
    name = unique("shared")
    image = image_cloud.cli("image", "create", "--shared", "--file", str(path),
                            "--disk-format", "raw", "--container-format", "bare", name)
    member = image_cloud.cli("image", "add", "project", name, "demo")
    assert member["status"] == "pending"
    # pending: demo sees it by id, not in its list
    shown = image_cloud.cli("image", "show", image["id"], cloud="cheptel-demo")
    assert shown["name"] == name
    assert image["id"] not in _demo_ids(image_cloud)
    assert image["id"] in _demo_ids(image_cloud, "--member-status", "pending")
    image_cloud.cli("image", "set", "--accept", image["id"], cloud="cheptel-demo",
                    as_json=False)
    assert image["id"] in _demo_ids(image_cloud)
    members = image_cloud.cli("image", "member", "list", name)
    assert [m["Status"] for m in members] == ["accepted"]
    # a member reads and downloads, but does not modify
    out = tmp_path / "got.img"
    image_cloud.cli("image", "save", "--file", str(out), image["id"], cloud="cheptel-demo",
                    as_json=False)
    assert out.read_bytes() == b"shared data"
    token = demo_token(image_cloud)
    r = glance(image_cloud, "POST", f"/v2/images/{image['id']}/members", token,
               json={"member": "another"})
    assert r.status_code == 403
    # reject, then the owner removes the member: gone for demo
    image_cloud.cli("image", "set", "--reject", image["id"], cloud="cheptel-demo",
                    as_json=False)
    assert image["id"] not in _demo_ids(image_cloud)
    image_cloud.cli("image", "remove", "project", name, "demo", as_json=False)
    gone = glance(image_cloud, "GET", f"/v2/images/{image['id']}", token)
    assert gone.status_code == 404


def test_members_only_for_shared_images(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token, visibility="private")
    r = glance(image_cloud, "POST", f"/v2/images/{image['id']}/members", token,
               json={"member": "p1"})
    assert r.status_code == 403
    shared = create(image_cloud, token)
    first = glance(image_cloud, "POST", f"/v2/images/{shared['id']}/members", token,
                   json={"member": "p1"})
    assert first.status_code == 200 and first.json()["status"] == "pending"
    again = glance(image_cloud, "POST", f"/v2/images/{shared['id']}/members", token,
                   json={"member": "p1"})
    assert again.status_code == 409
    bad = glance(image_cloud, "PUT", f"/v2/images/{shared['id']}/members/p1", token,
                 json={"status": "maybe"})
    assert bad.status_code == 400


def test_community_images_listed_only_when_asked(image_cloud: Cloud) -> None:
    image = create(image_cloud, demo_token(image_cloud), visibility="community")
    admin_ids = {i["ID"] for i in image_cloud.cli("image", "list")}
    assert image["id"] not in admin_ids
    community = {i["ID"] for i in image_cloud.cli("image", "list", "--community")}
    assert image["id"] in community
    assert image["id"] in _demo_ids(image_cloud)  # the owner's own


def test_hidden_images_excluded_by_default(image_cloud: Cloud) -> None:
    image = create(image_cloud, admin_token(image_cloud), os_hidden=True)
    assert image["id"] not in {i["ID"] for i in image_cloud.cli("image", "list")}
    hidden = {i["ID"] for i in image_cloud.cli("image", "list", "--hidden")}
    assert image["id"] in hidden
    assert image_cloud.cli("image", "show", image["name"])["id"] == image["id"]


def test_owner_cannot_answer_for_the_consumer(image_cloud: Cloud) -> None:
    token = demo_token(image_cloud)
    image = create(image_cloud, token)
    admin_project = image_cloud.cli("project", "show", "admin")["id"]
    r = glance(image_cloud, "POST", f"/v2/images/{image['id']}/members", token,
               json={"member": admin_project})
    assert r.status_code == 200
    url = f"/v2/images/{image['id']}/members/{admin_project}"
    assert glance(image_cloud, "PUT", url, token, json={"status": "accepted"}).status_code == 403
    r = glance(image_cloud, "PUT", url, admin_token(image_cloud), json={"status": "accepted"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert glance(image_cloud, "DELETE", url, token).status_code == 204


def test_reader_reads_member_writes(image_cloud: Cloud, tmp_path: Path) -> None:
    project, user = unique("rproj"), unique("reader")
    image_cloud.cli("project", "create", project, "--domain", "default")
    image_cloud.cli("user", "create", user, "--password", "pw-reader", "--project", project)
    image_cloud.cli("role", "add", "--user", user, "--project", project, "reader",
                    as_json=False)
    reader = image_cloud.token(user, "pw-reader", project)
    r = glance(image_cloud, "POST", "/v2/images", reader, json={"name": unique("ro")})
    assert r.status_code == 403
    # an image of the reader's project (made by the admin for it) is readable, not writable
    image = create(image_cloud, admin_token(image_cloud), owner=image_cloud.cli(
        "project", "show", project)["id"], visibility="private")
    assert glance(image_cloud, "GET", f"/v2/images/{image['id']}", reader).status_code == 200
    listed = glance(image_cloud, "GET", "/v2/images", reader).json()["images"]
    assert image["id"] in {i["id"] for i in listed}
    r = glance(image_cloud, "PATCH", f"/v2/images/{image['id']}", reader,
               headers={"Content-Type": PATCH},
               json=[{"op": "replace", "path": "/name", "value": "no"}])
    assert r.status_code == 403
    assert glance(image_cloud, "DELETE", f"/v2/images/{image['id']}", reader).status_code \
        == 403
    head = glance(image_cloud, "HEAD", f"/v2/images/{image['id']}/file", reader)
    assert head.status_code == 204  # no data yet: Glance's 204
