"""The unmodified `openstack` CLI and openstacksdk against a real cheptel: application
credentials, the catalog (services, endpoints, regions) and the SDK's identity calls."""

from __future__ import annotations

import json
import subprocess
import uuid

import openstack
import pytest
from openstack import exceptions

from tests.integration import osc
from tests.integration.cloud import Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def token_body(cloud: Cloud, token: str) -> dict:
    with cloud.http() as http:
        r = http.get("/identity/v3/auth/tokens",
                     headers={"X-Auth-Token": token, "X-Subject-Token": token})
        assert r.status_code == 200, r.text
        return r.json()["token"]


def app_cred_cli(cloud: Cloud, cred: dict, *args: str) -> subprocess.CompletedProcess:
    """The openstack binary authenticated by an application credential alone."""
    argv = ["--os-auth-type", "v3applicationcredential",
           "--os-auth-url", cloud.auth_url, "--os-identity-api-version", "3",
           "--os-application-credential-id", cred["ID"],
           # one word: a secret may start with "-" (URL-safe base64, as Keystone's)
           f"--os-application-credential-secret={cred['Secret']}", *args, "-f", "json"]
    return osc.run(argv, cloud.env())


def app_cred_sdk(cloud: Cloud, **auth: str) -> openstack.connection.Connection:
    return openstack.connect(auth_type="v3applicationcredential",
                             auth={"auth_url": cloud.auth_url, **auth},
                             region_name="RegionOne", load_yaml_config=False,
                             load_envvars=False)


@pytest.fixture
def owner(cloud: Cloud):
    """A user holding admin (so also member and reader) on a project of their own."""
    conn = cloud.sdk()
    project = conn.identity.create_project(name=uniq("acproj"), domain_id="default")
    user = conn.identity.create_user(name=uniq("acuser"), password="ac-pw",
                                     domain_id="default", default_project_id=project.id)
    conn.identity.assign_project_role_to_user(project, user, conn.identity.find_role("admin"))
    yield user, project
    conn.identity.delete_user(user)
    conn.identity.delete_project(project)


def test_application_credentials_with_the_cli_and_the_sdk(cloud: Cloud, owner) -> None:
    user, project = owner
    me = ("--os-username", user.name, "--os-password", "ac-pw",
          "--os-project-name", project.name)
    restricted = cloud.cli(*me, "application", "credential", "create", uniq("ac-r"),
                           "--role", "member", "--description", "member only")
    assert restricted["Secret"] and restricted["Project ID"] == project.id
    assert restricted["Unrestricted"] is False
    assert restricted["Description"] == "member only"
    assert [r["name"] for r in restricted["Roles"]] == ["member"]
    expiring = cloud.cli(*me, "application", "credential", "create", uniq("ac-e"),
                         "--expiration", "2099-01-02T03:04:05")
    assert expiring["Expires At"].startswith("2099-01-02T03:04:05")
    # Without --role the credential takes every role of the creating token.
    assert {r["name"] for r in expiring["Roles"]} == {"admin", "manager", "member", "reader"}
    unrestricted = cloud.cli(*me, "application", "credential", "create", uniq("ac-u"),
                             "--unrestricted")
    assert unrestricted["Unrestricted"] is True

    ours = {restricted["ID"], expiring["ID"], unrestricted["ID"]}
    listed = cloud.cli(*me, "application", "credential", "list")
    assert {a["ID"] for a in listed} == ours
    assert all(a["Project ID"] == project.id for a in listed)
    shown = cloud.cli(*me, "application", "credential", "show", restricted["Name"])
    assert shown["ID"] == restricted["ID"] and "Secret" not in shown
    assert [r["name"] for r in shown["Roles"]] == ["member"]

    # The CLI, authenticated by the restricted credential only.
    proc = app_cred_cli(cloud, restricted, "token", "issue")
    assert proc.returncode == 0, proc.stderr
    issued = json.loads(proc.stdout)
    assert issued["project_id"] == project.id and issued["user_id"] == user.id
    body = token_body(cloud, issued["id"])
    assert body["methods"] == ["application_credential"]
    assert body["application_credential"]["id"] == restricted["ID"]
    assert body["application_credential"]["restricted"] is True
    # Keystone puts the credential's roles (still held by the user) in the token, no more.
    assert [r["name"] for r in body["roles"]] == ["member"]

    # openstacksdk: by id, and by name + user.
    sdk_r = app_cred_sdk(cloud, application_credential_id=restricted["ID"],
                         application_credential_secret=restricted["Secret"])
    assert sdk_r.authorize() and sdk_r.current_project_id == project.id
    sdk_u = app_cred_sdk(cloud, application_credential_name=unrestricted["Name"],
                         application_credential_secret=unrestricted["Secret"],
                         username=user.name, user_domain_id="default")
    assert sdk_u.current_user_id == user.id
    assert {r["name"] for r in token_body(cloud, sdk_u.authorize())["roles"]} == {
        "admin", "manager", "member", "reader"}

    # A restricted credential cannot mint another credential; an unrestricted one can.
    with pytest.raises(exceptions.ForbiddenException):
        sdk_r.identity.create_application_credential(user=user.id, name=uniq("ac-x"))
    child = sdk_u.identity.create_application_credential(user=user.id, name=uniq("ac-c"))
    assert child.secret and child.project_id == project.id
    # A wrong secret is refused.
    with cloud.http() as http:
        r = http.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
            "methods": ["application_credential"], "application_credential": {
                "id": restricted["ID"], "secret": "not-the-secret"}}}})
        assert r.status_code == 401

    deleted = cloud.cli(*me, "application", "credential", "delete", restricted["ID"],
                        expiring["Name"], unrestricted["ID"], child.id, as_json=False)
    assert deleted.returncode == 0, deleted.stderr
    assert list(cloud.sdk().identity.application_credentials(user=user.id)) == []
    # Tokens issued from a deleted credential stop working.
    with cloud.http() as http:
        r = http.get("/identity/v3/auth/projects", headers={"X-Auth-Token": issued["id"]})
        assert r.status_code == 401
    again = app_cred_cli(cloud, restricted, "token", "issue")
    assert again.returncode != 0


def test_catalog_and_endpoint_list_show_identity_in_region_one(cloud: Cloud) -> None:
    catalog = {c["Type"]: c for c in cloud.cli("catalog", "list")}
    identity = catalog["identity"]
    assert identity["Name"] == "keystone"
    endpoints = identity["Endpoints"]
    assert {e["interface"] for e in endpoints} == {"public", "internal", "admin"}
    assert {e["region"] for e in endpoints} == {"RegionOne"}
    assert {e["url"].rstrip("/") for e in endpoints} == {f"{cloud.base_url}/identity"}

    rows = [e for e in cloud.cli("endpoint", "list") if e["Service Type"] == "identity"]
    assert sorted(e["Interface"] for e in rows) == ["admin", "internal", "public"]
    assert all(e["Region"] == "RegionOne" and e["Enabled"] is True for e in rows)
    assert all(e["Service Name"] == "keystone" for e in rows)


def test_region_service_endpoint_create_show_delete(cloud: Cloud) -> None:
    region, sname, stype = uniq("Region"), uniq("svc"), uniq("type")
    created = cloud.cli("region", "create", region, "--description", "test region")
    assert created["region"] == region and created["description"] == "test region"
    service = cloud.cli("service", "create", "--name", sname, "--description", "a service",
                        stype)
    assert service["name"] == sname and service["type"] == stype
    assert service["enabled"] is True
    url = f"http://{sname}.example.invalid/v1"
    endpoint = cloud.cli("endpoint", "create", "--region", region, sname, "public", url)
    assert endpoint["service_id"] == service["id"] and endpoint["url"] == url
    assert endpoint["interface"] == "public" and endpoint["region"] == region

    assert cloud.cli("region", "show", region)["description"] == "test region"
    assert cloud.cli("service", "show", sname)["id"] == service["id"]
    shown = cloud.cli("endpoint", "show", endpoint["id"])
    assert (shown["service_name"], shown["region"], shown["url"]) == (sname, region, url)

    # The new service shows in a new token's catalog.
    conn = cloud.sdk()
    entries = {e["type"]: e for e in token_body(cloud, conn.authorize())["catalog"]}
    assert [(e["url"], e["region_id"], e["region"]) for e in entries[stype]["endpoints"]] == [
        (url, region, region)]

    cloud.cli("endpoint", "delete", endpoint["id"], as_json=False)
    cloud.cli("service", "delete", service["id"], as_json=False)
    cloud.cli("region", "delete", region, as_json=False)
    assert conn.identity.find_service(sname, ignore_missing=True) is None
    with pytest.raises(exceptions.NotFoundException):
        conn.identity.get_region(region)
    with pytest.raises(exceptions.NotFoundException):
        conn.identity.get_endpoint(endpoint["id"])


def test_openstacksdk_identity_proxy_and_cloud_layer(cloud: Cloud) -> None:
    conn = cloud.sdk()
    token = conn.authorize()
    assert token and token_body(cloud, token)["project"]["name"] == "admin"
    assert {"admin", "demo"} <= {p.name for p in conn.identity.projects()}
    assert {"admin", "demo"} <= {u.name for u in conn.identity.users()}

    name = uniq("sdkproj")
    project = conn.identity.create_project(name=name, domain_id="default",
                                           description="from the sdk", tags=["sdk"])
    assert project.id and project.is_enabled and project.tags == ["sdk"]
    assert conn.identity.get_project(project.id).description == "from the sdk"
    assert name in {p.name for p in conn.list_projects()}
    assert conn.get_project(name).id == project.id

    user = conn.identity.create_user(name=uniq("sdkuser"), password="pw",
                                     domain_id="default")
    member = conn.identity.find_role("member")
    conn.identity.assign_project_role_to_user(project, user, member)
    found = list(conn.identity.role_assignments(scope_project_id=project.id))
    assert [(a.user["id"], a.role["id"], a.scope["project"]["id"]) for a in found] == [
        (user.id, member.id, project.id)]
    assert conn.identity.validate_user_has_project_role(project, user, member)
    cloud_layer = conn.list_role_assignments(filters={"project": project.id})
    assert [(a.user["id"], a.role["id"]) for a in cloud_layer] == [(user.id, member.id)]

    as_user = cloud.sdk("cheptel", username=user.name, password="pw", project_name=name)
    assert as_user.authorize() and as_user.current_project_id == project.id
    with pytest.raises(exceptions.ForbiddenException):
        list(as_user.identity.users())

    conn.identity.delete_user(user)
    assert conn.delete_project(project.id)
    assert conn.identity.find_project(name, ignore_missing=True) is None
