"""The unmodified `openstack` CLI against a real cheptel: tokens, projects, domains, users,
groups."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.cloud import Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def auth_status(cloud: Cloud, user: str, password: str, project: str | None = None) -> int:
    """POST /v3/auth/tokens with a password; the status, for the refusals cloud.token hides."""
    body: dict = {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": user, "password": password, "domain": {"id": "default"}}}}}}
    if project:
        body["auth"]["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
    return httpx.post(f"{cloud.auth_url}/auth/tokens", json=body, timeout=30).status_code


def test_token_issue_then_revoke_refuses_the_token(cloud: Cloud) -> None:
    token = cloud.cli("token", "issue")
    admin = cloud.clouds()["cheptel"]["auth"]
    assert token["user_id"] and token["project_id"]
    with cloud.http() as http:
        headers = {"X-Auth-Token": token["id"]}
        assert http.get("/identity/v3/projects", headers=headers).status_code == 200
        out = cloud.cli("token", "revoke", token["id"], as_json=False)
        assert out.returncode == 0, out.stderr
        assert http.get("/identity/v3/projects", headers=headers).status_code == 401
        # The admin can no longer validate it either: 404 for the subject token.
        checker = cloud.token(admin["username"], admin["password"], admin["project_name"])
        r = http.get("/identity/v3/auth/tokens",
                     headers={"X-Auth-Token": checker, "X-Subject-Token": token["id"]})
        assert r.status_code == 404


def test_project_lifecycle_with_parent_and_tags(cloud: Cloud) -> None:
    name, child_name, renamed = uniq("proj"), uniq("child"), uniq("proj-renamed")
    tag = uniq("tag")
    project = cloud.cli("project", "create", name, "--domain", "default",
                        "--description", "first words", "--tag", tag)
    assert project["name"] == name
    assert project["description"] == "first words"
    assert project["enabled"] is True
    assert project["domain_id"] == "default"
    assert project["tags"] == [tag]

    child = cloud.cli("project", "create", child_name, "--parent", project["id"])
    assert child["parent_id"] == project["id"]
    assert child["domain_id"] == "default"

    listed = {p["Name"]: p["ID"] for p in cloud.cli("project", "list")}
    assert listed[name] == project["id"] and listed[child_name] == child["id"]
    tagged = cloud.cli("project", "list", "--tags", tag)
    assert [p["ID"] for p in tagged] == [project["id"]]

    # Keystone refuses to disable a project whose subtree is enabled: set the leaf.
    cloud.cli("project", "set", child["id"], "--name", renamed, "--description",
              "second words", "--disable", "--tag", "beta", as_json=False)
    shown = cloud.cli("project", "show", renamed)
    assert shown["id"] == child["id"]
    assert shown["description"] == "second words"
    assert shown["enabled"] is False
    assert shown["tags"] == ["beta"]
    cloud.cli("project", "set", project["id"], "--tag", "beta", as_json=False)
    assert sorted(cloud.sdk().identity.get_project(project["id"]).tags) == sorted(
        [tag, "beta"])
    cloud.cli("project", "set", renamed, "--enable", as_json=False)
    assert cloud.sdk().identity.get_project(child["id"]).is_enabled is True

    # A project with a child cannot go first; the child, then the parent.
    refused = cloud.cli("project", "delete", project["id"], check=False, as_json=False)
    assert refused.returncode != 0 and "403" in refused.stderr
    cloud.cli("project", "delete", child["id"], project["id"], as_json=False)
    gone = cloud.cli("project", "show", project["id"], check=False, as_json=False)
    assert gone.returncode != 0 and "no project found" in gone.stderr.lower()


def test_domain_lifecycle_enabled_domain_cannot_be_deleted(cloud: Cloud) -> None:
    name = uniq("dom")
    domain = cloud.cli("domain", "create", name, "--description", "a domain")
    assert domain["name"] == name and domain["enabled"] is True
    assert name in [d["Name"] for d in cloud.cli("domain", "list")]
    shown = cloud.cli("domain", "show", name)
    assert shown["id"] == domain["id"] and shown["description"] == "a domain"

    refused = cloud.cli("domain", "delete", domain["id"], check=False, as_json=False)
    assert refused.returncode != 0
    assert "403" in refused.stderr
    cloud.cli("domain", "set", "--disable", domain["id"], as_json=False)
    conn = cloud.sdk()
    assert conn.identity.get_domain(domain["id"]).is_enabled is False
    cloud.cli("domain", "delete", domain["id"], as_json=False)
    assert domain["id"] not in [d.id for d in conn.identity.domains()]


def test_user_lifecycle_password_changes_and_disable(cloud: Cloud) -> None:
    name, project = uniq("user"), "demo"
    user = cloud.cli("user", "create", name, "--password", "old-pw-1", "--domain", "default",
                     "--email", f"{name}@example.org")
    assert user["name"] == name and user["enabled"] is True
    assert user["domain_id"] == "default"
    shown = cloud.cli("user", "show", user["id"])
    assert shown["name"] == name and shown["email"] == f"{name}@example.org"
    assert "password" not in shown

    cloud.cli("user", "set", "--password", "new-pw-2", name, as_json=False)
    assert auth_status(cloud, name, "old-pw-1") == 401
    assert cloud.token(name, "new-pw-2")

    # The user changes their own password, with the original one.
    cloud.cli("role", "add", "--user", user["id"], "--project", project, "member",
              as_json=False)
    own = cloud.cli("--os-username", name, "--os-password", "new-pw-2",
                    "--os-project-name", project, "user", "password", "set",
                    "--original-password", "new-pw-2", "--password", "self-pw-3",
                    as_json=False)
    assert own.returncode == 0, own.stderr
    assert auth_status(cloud, name, "new-pw-2", project) == 401
    assert cloud.token(name, "self-pw-3", project)
    # A wrong original password is refused (401 in Keystone).
    with cloud.http() as http:
        r = http.post(f"/identity/v3/users/{user['id']}/password", json={"user": {
            "original_password": "not-it", "password": "x-pw-4"}},
            headers={"X-Auth-Token": cloud.token(name, "self-pw-3", project)})
        assert r.status_code == 401

    cloud.cli("user", "set", "--disable", name, as_json=False)
    assert auth_status(cloud, name, "self-pw-3") == 401
    assert cloud.sdk().identity.get_user(user["id"]).is_enabled is False

    cloud.cli("user", "delete", user["id"], as_json=False)
    assert cloud.sdk().identity.find_user(name) is None


def test_group_membership_and_group_role_is_effective_for_the_user(cloud: Cloud) -> None:
    conn = cloud.sdk()
    user = conn.identity.create_user(name=uniq("guser"), password="pw", domain_id="default")
    project = conn.identity.create_project(name=uniq("gproj"), domain_id="default")
    gname = uniq("group")
    group = cloud.cli("group", "create", gname, "--description", "the group")
    assert group["name"] == gname and group["domain_id"] == "default"

    cloud.cli("group", "add", "user", gname, user.id, as_json=False)
    contains = cloud.cli("group", "contains", "user", gname, user.id, as_json=False)
    assert contains.stdout.strip() == f"{user.id} in group {gname}"
    assert [g["Name"] for g in cloud.cli("group", "list", "--user", user.id)] == [gname]

    cloud.cli("role", "add", "--group", gname, "--project", project.id, "reader",
              as_json=False)
    effective = cloud.cli("role", "assignment", "list", "--effective", "--user", user.id,
                          "--names")
    assert [(a["Role"], a["Project"], a["User"]) for a in effective] == [
        ("reader", f"{project.name}@Default", f"{user.name}@Default")]
    assert effective[0]["Group"] == ""
    assert cloud.token(user.name, "pw", project.name)

    cloud.cli("group", "remove", "user", gname, user.id, as_json=False)
    not_in = cloud.cli("group", "contains", "user", gname, user.id, check=False,
                       as_json=False)
    assert f"{user.id} not in group {gname}" in not_in.stdout + not_in.stderr
    assert not list(conn.identity.role_assignments(user_id=user.id, effective=True))

    cloud.cli("group", "delete", gname, as_json=False)
    assert conn.identity.find_group(gname) is None
    conn.identity.delete_user(user)
    conn.identity.delete_project(project)
