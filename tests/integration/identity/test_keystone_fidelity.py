"""Behaviour that must match Keystone's where clients (and Tempest) notice: extra
attributes, name limits, status codes, token bodies, default roles, legacy endpoint
regions, application credential times."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.integration.cloud import ADMIN_PASSWORD, Cloud

PASSWORD = "fidelity-pw-1"


def uniq(prefix: str = "kf") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Env:
    cloud: Cloud
    http: httpx.Client
    admin: str
    user_id: str
    user_name: str
    project_id: str
    project_name: str

    def call(self, method: str, path: str, token: str | None = None, body: object = None,
             **headers: str) -> httpx.Response:
        h = dict(headers)
        if token is not None:
            h["X-Auth-Token"] = token
        return self.http.request(method, "/identity/v3" + path, json=body, headers=h)

    def ok(self, method: str, path: str, body: object = None) -> dict:
        r = self.call(method, path, self.admin, body)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    def member_token(self) -> str:
        return self.cloud.token(self.user_name, PASSWORD, self.project_name)


@pytest.fixture(scope="module")
def env(cloud: Cloud) -> Iterator[Env]:
    http = cloud.http()
    admin = cloud.token("admin", ADMIN_PASSWORD, "admin")
    e = Env(cloud, http, admin, "", uniq("kf-user"), "", uniq("kf-proj"))
    e.project_id = e.ok("POST", "/projects", {"project": {"name": e.project_name}}
                        )["project"]["id"]
    e.user_id = e.ok("POST", "/users", {"user": {"name": e.user_name, "password": PASSWORD}}
                     )["user"]["id"]
    member = e.ok("GET", "/roles?name=member")["roles"][0]["id"]
    e.ok("PUT", f"/projects/{e.project_id}/users/{e.user_id}/roles/{member}")
    yield e
    http.close()


def assert_fault(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == status, r.text


# -- extra attributes ----------------------------------------------------------------------

def test_user_extra_attributes_are_stored_returned_and_merged(env: Env) -> None:
    name = uniq()
    user = env.ok("POST", "/users", {"user": {"name": name, "project_id": env.project_id,
                                              "nickname": {"any": ["json"]}}})["user"]
    assert user["project_id"] == env.project_id and user["nickname"] == {"any": ["json"]}
    updated = env.ok("PATCH", f"/users/{user['id']}", {"user": {
        "id": user["id"], "nickname": "short", "colour": "blue"}})["user"]
    assert (updated["nickname"], updated["colour"], updated["project_id"]) == (
        "short", "blue", env.project_id)
    # as Keystone's update: the raw "extra" dict comes back too
    assert updated["extra"] == {"project_id": env.project_id, "nickname": "short",
                                "colour": "blue"}
    shown = env.ok("GET", f"/users/{user['id']}")["user"]
    assert shown["colour"] == "blue" and "extra" not in shown and "password" not in shown
    listed = env.ok("GET", f"/users?name={name}")["users"]
    assert listed[0]["project_id"] == env.project_id
    # an extra never hides a real attribute, and the id cannot change
    r = env.call("PATCH", f"/users/{user['id']}", env.admin, {"user": {"id": "other"}})
    assert_fault(r, 400)


@pytest.mark.parametrize("coll", ["projects", "domains", "groups", "roles", "services",
                                  "regions"])
def test_extra_attributes_on_other_resources(env: Env, coll: str) -> None:
    key = coll[:-1]
    body = {"type": uniq()} if coll == "services" else {"id": uniq()} if coll == "regions" \
        else {"name": uniq()}
    made = env.ok("POST", f"/{coll}", {key: {**body, "flavour": "vanilla"}})[key]
    assert made["flavour"] == "vanilla"
    env.ok("PATCH", f"/{coll}/{made['id']}", {key: {"colour": "red"}})
    shown = env.ok("GET", f"/{coll}/{made['id']}")[key]
    assert (shown["flavour"], shown["colour"]) == ("vanilla", "red")
    if coll == "domains":
        env.ok("PATCH", f"/domains/{made['id']}", {"domain": {"enabled": False}})
    env.ok("DELETE", f"/{coll}/{made['id']}")


def test_endpoint_extra_attributes(env: Env) -> None:
    svc = env.ok("POST", "/services", {"service": {"type": uniq()}})["service"]["id"]
    ep = env.ok("POST", "/endpoints", {"endpoint": {
        "service_id": svc, "interface": "public", "url": "http://x.invalid/", "note": 1}}
    )["endpoint"]
    assert ep["note"] == 1
    assert env.ok("GET", f"/endpoints/{ep['id']}")["endpoint"]["note"] == 1
    env.ok("DELETE", f"/services/{svc}")


# -- names and status codes ----------------------------------------------------------------

@pytest.mark.parametrize("coll", ["projects", "domains"])
def test_project_and_domain_names_stop_at_64(env: Env, coll: str) -> None:
    key = coll[:-1]
    assert_fault(env.call("POST", f"/{coll}", env.admin, {key: {"name": "a" * 65}}), 400)
    made = env.ok("POST", f"/{coll}", {key: {"name": uniq() + "a" * 51}})[key]
    assert len(made["name"]) == 64
    assert_fault(env.call("PATCH", f"/{coll}/{made['id']}", env.admin,
                          {key: {"name": "b" * 65}}), 400)
    assert_fault(env.call("POST", f"/{coll}", env.admin, {key: {"name": "   "}}), 400)


@pytest.mark.parametrize(("coll", "body"), [
    ("users", {"name": "u", "domain_id": "no-such-domain"}),
    ("groups", {"name": "g", "domain_id": "no-such-domain"}),
    ("projects", {"name": "p", "domain_id": "no-such-domain"}),
    ("projects", {"name": "p", "parent_id": "no-such-project"}),
])
def test_unknown_domain_or_parent_is_404(env: Env, coll: str, body: dict) -> None:
    assert_fault(env.call("POST", f"/{coll}", env.admin, {coll[:-1]: body}), 404)


# -- tokens --------------------------------------------------------------------------------

def test_a_user_validates_and_revokes_its_own_tokens(env: Env) -> None:
    mine = env.member_token()
    subject = env.member_token()
    h = {"X-Subject-Token": subject}
    r = env.call("GET", "/auth/tokens", mine, **h)
    assert r.status_code == 200, r.text
    assert r.json()["token"]["user"]["id"] == env.user_id
    assert env.call("HEAD", "/auth/tokens", mine, **h).status_code == 200
    assert env.call("DELETE", "/auth/tokens", mine, **h).status_code == 204
    # as Keystone: the target cannot be built, so a revoked subject is a 404, not a 403
    assert_fault(env.call("GET", "/auth/tokens", mine, **h), 404)
    assert env.call("HEAD", "/auth/tokens", mine, **h).status_code == 404
    # somebody else's token stays out of reach
    assert_fault(env.call("GET", "/auth/tokens", mine, **{"X-Subject-Token": env.admin}), 403)


def test_an_unscoped_token_has_no_catalog(env: Env) -> None:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": env.user_id, "password": PASSWORD}}}, "scope": "unscoped"}}
    r = env.call("POST", "/auth/tokens", None, body)
    assert r.status_code == 201, r.text
    assert "catalog" not in r.json()["token"] and "roles" not in r.json()["token"]
    unscoped = r.headers["X-Subject-Token"]
    r = env.call("GET", "/auth/tokens", env.admin, **{"X-Subject-Token": unscoped})
    assert "catalog" not in r.json()["token"]
    scoped = env.call("POST", "/auth/tokens", None, {"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped}},
        "scope": {"project": {"id": env.project_id}}}})
    assert isinstance(scoped.json()["token"]["catalog"], list)


# -- application credentials ---------------------------------------------------------------

def test_app_credential_expiry_is_echoed_as_keystone_renders_it(env: Env) -> None:
    token = env.member_token()
    expires = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None)
    for when in (expires, expires.replace(microsecond=0)):
        r = env.call("POST", f"/users/{env.user_id}/application_credentials", token,
                     {"application_credential": {"name": uniq(),
                                                 "expires_at": when.isoformat()}})
        assert r.status_code == 201, r.text
        cred = r.json()["application_credential"]
        assert cred["expires_at"] == when.isoformat()
        shown = env.call("GET", f"/users/{env.user_id}/application_credentials/{cred['id']}",
                         token)
        assert shown.json()["application_credential"]["expires_at"] == when.isoformat()


# -- bootstrap and catalog -----------------------------------------------------------------

def test_default_roles_and_implications_are_keystones(env: Env) -> None:
    ids = {r["name"]: r["id"] for r in env.ok("GET", "/roles")["roles"]}
    assert {"admin", "manager", "member", "reader", "service"} <= set(ids)
    rules = {(i["prior_role"]["name"], j["name"])
             for i in env.ok("GET", "/role_inferences")["role_inferences"]
             for j in i["implies"]}
    assert {("admin", "manager"), ("manager", "member"), ("member", "reader")} <= rules
    assert ("admin", "member") not in rules and not any(p == "service" for p, _ in rules)


def test_legacy_endpoint_region_is_created_but_region_id_must_exist(env: Env) -> None:
    svc = env.ok("POST", "/services", {"service": {"type": uniq()}})["service"]["id"]
    region = uniq("kf-region")
    ep = env.ok("POST", "/endpoints", {"endpoint": {
        "service_id": svc, "interface": "public", "url": "http://x.invalid/",
        "region": region}})["endpoint"]
    assert ep["region_id"] == ep["region"] == region
    assert env.ok("GET", f"/regions/{region}")["region"]["id"] == region
    other = uniq("kf-region")
    env.ok("PATCH", f"/endpoints/{ep['id']}", {"endpoint": {"region": other}})
    assert env.ok("GET", f"/endpoints/{ep['id']}")["endpoint"]["region_id"] == other
    for method, path in (("POST", "/endpoints"), ("PATCH", f"/endpoints/{ep['id']}")):
        r = env.call(method, path, env.admin, {"endpoint": {
            "service_id": svc, "interface": "public", "url": "http://x.invalid/",
            "region_id": uniq("kf-missing")}})
        assert_fault(r, 400)
    env.ok("DELETE", f"/services/{svc}")


def test_implied_role_check_is_a_204(env: Env) -> None:
    prior = env.ok("POST", "/roles", {"role": {"name": uniq()}})["role"]["id"]
    implied = env.ok("POST", "/roles", {"role": {"name": uniq()}})["role"]["id"]
    env.ok("PUT", f"/roles/{prior}/implies/{implied}")
    assert env.call("HEAD", f"/roles/{prior}/implies/{implied}", env.admin).status_code == 204
    assert env.call("GET", f"/roles/{prior}/implies/{implied}", env.admin).status_code == 200
    env.ok("DELETE", f"/roles/{prior}/implies/{implied}")
    assert env.call("HEAD", f"/roles/{prior}/implies/{implied}", env.admin).status_code == 404
    for role in (prior, implied):
        env.ok("DELETE", f"/roles/{role}")


def test_domain_roles_are_never_effective(env: Env) -> None:
    """As Keystone: a domain-specific role only brings the global roles it implies."""
    domain_role = env.ok("POST", "/roles", {"role": {"name": uniq(), "domain_id": "default"}}
                         )["role"]["id"]
    user = env.ok("POST", "/users", {"user": {"name": uniq(), "password": PASSWORD}}
                  )["user"]["id"]
    env.ok("PUT", f"/projects/{env.project_id}/users/{user}/roles/{domain_role}")
    query = f"/role_assignments?effective&user.id={user}&scope.project.id={env.project_id}"
    assert env.ok("GET", query)["role_assignments"] == []
    reader = env.ok("GET", "/roles?name=reader")["roles"][0]["id"]
    env.ok("PUT", f"/roles/{domain_role}/implies/{reader}")
    effective = env.ok("GET", query)["role_assignments"]
    assert [a["role"]["id"] for a in effective] == [reader]
    token = env.cloud.token(env.ok("GET", f"/users/{user}")["user"]["name"], PASSWORD,
                            env.project_name)
    r = env.call("GET", "/auth/tokens", env.admin, **{"X-Subject-Token": token})
    assert [x["name"] for x in r.json()["token"]["roles"]] == ["reader"]
    env.ok("DELETE", f"/users/{user}")
    env.ok("DELETE", f"/roles/{domain_role}")


# -- OS-INHERIT ----------------------------------------------------------------------------

def test_roles_inherited_from_a_domain_reach_its_projects_only(env: Env) -> None:
    domain = env.ok("POST", "/domains", {"domain": {"name": uniq()}})["domain"]["id"]
    project = env.ok("POST", "/projects", {"project": {"name": uniq(), "domain_id": domain}}
                     )["project"]["id"]
    name = uniq()
    user = env.ok("POST", "/users", {"user": {"name": name, "password": PASSWORD,
                                              "domain_id": domain}})["user"]["id"]
    reader = env.ok("GET", "/roles?name=reader")["roles"][0]["id"]
    grant = f"/OS-INHERIT/domains/{domain}/users/{user}/roles/{reader}/inherited_to_projects"
    env.ok("PUT", grant)
    assert env.call("GET", grant, env.admin).status_code == 204
    assert env.call("HEAD", grant, env.admin).status_code == 204
    listed = env.ok("GET", f"/OS-INHERIT/domains/{domain}/users/{user}/roles/"
                           f"inherited_to_projects")["roles"]
    assert [r["id"] for r in listed] == [reader]
    # not a grant on the domain itself
    assert env.ok("GET", f"/domains/{domain}/users/{user}/roles")["roles"] == []
    assert env.call("GET", f"/domains/{domain}/users/{user}/roles/{reader}",
                    env.admin).status_code == 404
    direct = env.ok("GET", f"/role_assignments?user.id={user}")["role_assignments"]
    assert [a["scope"] for a in direct] == [{"domain": {"id": domain},
                                            "OS-INHERIT:inherited_to": "projects"}]
    effective = env.ok("GET", f"/role_assignments?effective&user.id={user}")["role_assignments"]
    assert [(a["scope"], a["role"]["id"]) for a in effective] == [
        ({"project": {"id": project}}, reader)]
    assert effective[0]["links"]["assignment"].endswith(grant)
    r = env.call("POST", "/auth/tokens", None, {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"id": user, "password": PASSWORD}}}}})
    token = r.headers["X-Subject-Token"]
    r = env.call("GET", "/auth/projects", token)
    assert [p["id"] for p in r.json()["projects"]] == [project]
    assert env.call("GET", "/auth/domains", token).json()["domains"] == []
    env.ok("DELETE", grant)
    assert env.ok("GET", f"/role_assignments?effective&user.id={user}")["role_assignments"] == []
    env.ok("PATCH", f"/domains/{domain}", {"domain": {"enabled": False}})
    env.ok("DELETE", f"/domains/{domain}")


def test_roles_inherited_from_a_project_reach_its_subtree(env: Env) -> None:
    parent = env.ok("POST", "/projects", {"project": {"name": uniq()}})["project"]
    child = env.ok("POST", "/projects", {"project": {"name": uniq(), "parent_id": parent["id"]}}
                   )["project"]
    group = env.ok("POST", "/groups", {"group": {"name": uniq()}})["group"]["id"]
    name = uniq()
    user = env.ok("POST", "/users", {"user": {"name": name, "password": PASSWORD}}
                  )["user"]["id"]
    env.ok("PUT", f"/groups/{group}/users/{user}")
    member = env.ok("GET", "/roles?name=member")["roles"][0]["id"]
    grant = (f"/OS-INHERIT/projects/{parent['id']}/groups/{group}/roles/{member}"
             f"/inherited_to_projects")
    env.ok("PUT", grant)
    token = env.cloud.token(name, PASSWORD, child["name"])
    r = env.call("GET", "/auth/tokens", env.admin, **{"X-Subject-Token": token})
    assert {x["name"] for x in r.json()["token"]["roles"]} == {"member", "reader"}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": user, "password": PASSWORD}}}, "scope": {"project": {"id": parent["id"]}}}}
    assert env.call("POST", "/auth/tokens", None, body).status_code == 401
    effective = env.ok("GET", f"/role_assignments?effective&user.id={user}"
                              f"&scope.project.id={child['id']}")["role_assignments"]
    assert {a["role"]["id"] for a in effective} >= {member}
    env.ok("DELETE", grant)
    assert env.ok("GET", f"/role_assignments?effective&user.id={user}"
                         f"&scope.project.id={child['id']}")["role_assignments"] == []
    for path in (f"/users/{user}", f"/groups/{group}", f"/projects/{child['id']}",
                 f"/projects/{parent['id']}"):
        env.ok("DELETE", path)


def test_projects_acting_as_domains_are_domains(env: Env) -> None:
    name = uniq()
    made = env.ok("POST", "/projects", {"project": {"name": name, "domain_id": None,
                                                    "is_domain": True, "mood": "calm"}}
                  )["project"]
    assert (made["is_domain"], made["domain_id"], made["parent_id"], made["mood"]) == (
        True, None, None, "calm")
    assert made["id"] in [d["id"] for d in env.ok("GET", "/domains")["domains"]]
    listed = env.ok("GET", "/projects?is_domain=true")["projects"]
    assert made["id"] in [p["id"] for p in listed] and all(p["is_domain"] for p in listed)
    assert made["id"] not in [p["id"] for p in env.ok("GET", "/projects")["projects"]]
    assert env.ok("GET", f"/projects/{made['id']}")["project"]["name"] == name
    # it holds projects as any domain does
    inner = env.ok("POST", "/projects", {"project": {"name": uniq(), "domain_id": made["id"]}}
                   )["project"]
    assert inner["parent_id"] == made["id"]
    env.ok("DELETE", f"/projects/{inner['id']}")
    assert_fault(env.call("POST", "/projects", env.admin, {"project": {
        "name": uniq(), "is_domain": True, "parent_id": env.project_id}}), 400)
    assert_fault(env.call("DELETE", f"/projects/{made['id']}", env.admin), 403)  # enabled
    assert env.ok("PATCH", f"/projects/{made['id']}", {"project": {"enabled": False}}
                  )["project"]["enabled"] is False
    env.ok("DELETE", f"/projects/{made['id']}")
    assert env.call("GET", f"/domains/{made['id']}", env.admin).status_code == 404
