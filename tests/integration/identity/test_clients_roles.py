"""The unmodified `openstack` CLI and openstacksdk against a real cheptel: roles, grants,
role assignments and implied roles."""

from __future__ import annotations

import uuid

from tests.integration.cloud import Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def token_roles(cloud: Cloud, token: str) -> set[str]:
    """The role names a token carries, as GET /v3/auth/tokens reports them."""
    with cloud.http() as http:
        r = http.get("/identity/v3/auth/tokens",
                     headers={"X-Auth-Token": token, "X-Subject-Token": token})
        assert r.status_code == 200, r.text
        return {role["name"] for role in r.json()["token"]["roles"]}


def test_role_crud_and_grants_on_a_project_for_user_and_group(cloud: Cloud) -> None:
    conn = cloud.sdk()
    user = conn.identity.create_user(name=uniq("ruser"), password="pw", domain_id="default")
    group = conn.identity.create_group(name=uniq("rgroup"), domain_id="default")
    project = conn.identity.create_project(name=uniq("rproj"), domain_id="default")
    rname = uniq("role")

    role = cloud.cli("role", "create", rname, "--description", "a custom role")
    assert role["name"] == rname and role["description"] == "a custom role"
    listed = {r["Name"]: r["ID"] for r in cloud.cli("role", "list")}
    assert listed[rname] == role["id"]
    assert {"admin", "member", "reader"} <= set(listed)
    shown = cloud.cli("role", "show", rname)
    assert shown["id"] == role["id"] and shown["domain_id"] is None

    cloud.cli("role", "add", "--user", user.name, "--project", project.name, rname,
              as_json=False)
    cloud.cli("role", "add", "--group", group.name, "--project", project.id, "member",
              as_json=False)
    rows = cloud.cli("role", "assignment", "list", "--project", project.id, "--names")
    assert sorted((a["Role"], a["User"], a["Group"], a["Project"]) for a in rows) == sorted([
        (rname, f"{user.name}@Default", "", f"{project.name}@Default"),
        ("member", "", f"{group.name}@Default", f"{project.name}@Default"),
    ])
    # The grant is real: the user may scope a token to the project and carries the role.
    token = cloud.token(user.name, "pw", project.name)
    assert token_roles(cloud, token) == {rname}

    cloud.cli("role", "remove", "--user", user.id, "--project", project.id, rname,
              as_json=False)
    cloud.cli("role", "remove", "--group", group.id, "--project", project.id, "member",
              as_json=False)
    assert list(conn.identity.role_assignments(scope_project_id=project.id)) == []

    cloud.cli("role", "delete", rname, as_json=False)
    assert conn.identity.find_role(rname, ignore_missing=True) is None
    conn.identity.delete_user(user)
    conn.identity.delete_group(group)
    conn.identity.delete_project(project)


def test_implied_roles_and_a_token_for_admin_carries_member_and_reader(cloud: Cloud) -> None:
    conn = cloud.sdk()
    prior = conn.identity.create_role(name=uniq("prior"))
    implied = conn.identity.create_role(name=uniq("implied"))

    rule = cloud.cli("implied", "role", "create", prior.name, "--implied-role", implied.name)
    assert rule == {"implies": implied.id, "prior_role": prior.id}
    rows = cloud.cli("implied", "role", "list")
    pairs = {(r["Prior Role Name"], r["Implied Role Name"]) for r in rows}
    assert {(prior.name, implied.name), ("admin", "manager"), ("manager", "member"),
            ("member", "reader")} <= pairs
    by_id = {(r["Prior Role ID"], r["Implied Role ID"]) for r in rows}
    assert (prior.id, implied.id) in by_id

    project = conn.identity.create_project(name=uniq("iproj"), domain_id="default")
    user = conn.identity.create_user(name=uniq("iuser"), password="pw", domain_id="default")
    conn.identity.assign_project_role_to_user(project, user, conn.identity.find_role("admin"))
    token = cloud.token(user.name, "pw", project.name)
    assert token_roles(cloud, token) == {"admin", "manager", "member", "reader"}
    # The explicit grant is admin alone; the effective list adds the implied ones.
    direct = list(conn.identity.role_assignments(user_id=user.id, scope_project_id=project.id))
    assert [a.role["id"] for a in direct] == [conn.identity.find_role("admin").id]

    conn.identity.assign_project_role_to_user(project, user, prior)
    token = cloud.token(user.name, "pw", project.name)
    assert token_roles(cloud, token) == {"admin", "manager", "member", "reader", prior.name,
                                  implied.name}

    # Deleting a role takes its inference rules (and grants) with it.
    conn.identity.delete_role(prior)
    with cloud.http() as http:
        r = http.get("/identity/v3/role_inferences",
                     headers={"X-Auth-Token": conn.authorize()})
        assert r.status_code == 200
        priors = {i["prior_role"]["id"] for i in r.json()["role_inferences"]}
        assert prior.id not in priors
    token = cloud.token(user.name, "pw", project.name)
    assert token_roles(cloud, token) == {"admin", "manager", "member", "reader"}
    conn.identity.delete_role(implied)
    conn.identity.delete_user(user)
    conn.identity.delete_project(project)
