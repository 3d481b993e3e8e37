"""Every revocation trigger, on the real server: a token that worked stops working within 1 s.

"Stops working" means two things, both checked: a request authenticated by the token
answers 401, and the admin validating it (GET /v3/auth/tokens, X-Subject-Token) gets 404.
Each test makes its own project, user and grants, so the tests share the cloud safely.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.cloud import ADMIN_PASSWORD, Cloud, private_database

V3 = "/identity/v3"
WITHIN = 1.0  # seconds a revocation may take to be seen


def _name(prefix: str) -> str:
    return f"rev-{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Account:
    user_id: str
    password: str
    project_id: str


class Admin:
    """The admin's HTTP calls against a cloud, and the token checks the tests share."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.http = cloud.http()
        self.token = cloud.token("admin", ADMIN_PASSWORD, "admin")

    def call(self, method: str, path: str, json: Any = None, token: str | None = None,
             expect: tuple[int, ...] = (200, 201, 204), **headers: str) -> dict:
        headers["X-Auth-Token"] = token or self.token
        r = self.http.request(method, V3 + path, json=json, headers=headers)
        assert r.status_code in expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    def create(self, kind: str, body: dict) -> str:
        return self.call("POST", f"/{kind}s", json={kind: body})[kind]["id"]

    def role_id(self, name: str) -> str:
        return self.call("GET", f"/roles?name={name}")["roles"][0]["id"]

    def grant(self, project_id: str, actor: str, actor_id: str, role: str) -> None:
        self.call("PUT", f"/projects/{project_id}/{actor}s/{actor_id}/roles/"
                         f"{self.role_id(role)}")

    def account(self, roles: tuple[str, ...] = ("member",), domain_id: str = "default",
                project_domain_id: str = "default") -> Account:
        """A new project and a new user holding `roles` on it."""
        project_id = self.create("project", {"name": _name("p"), "domain_id": project_domain_id})
        password = uuid.uuid4().hex
        user_id = self.create("user", {"name": _name("u"), "domain_id": domain_id,
                                       "password": password})
        for role in roles:
            self.grant(project_id, "user", user_id, role)
        return Account(user_id, password, project_id)

    def issue(self, identity: dict, scope: dict | str | None = None) -> httpx.Response:
        auth: dict = {"identity": identity}
        if scope is not None:
            auth["scope"] = scope
        return self.http.post(f"{V3}/auth/tokens", json={"auth": auth})

    def login(self, acc: Account, project: bool = True) -> str:
        r = self.issue({"methods": ["password"], "password": {"user": {
            "id": acc.user_id, "password": acc.password}}},
            {"project": {"id": acc.project_id}} if project else "unscoped")
        assert r.status_code == 201, r.text
        return r.headers["X-Subject-Token"]

    def own_request(self, token: str) -> int:
        """The status of a request authenticated by `token` (any user may make it)."""
        return self.http.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code

    def validate(self, token: str) -> httpx.Response:
        return self.http.get(f"{V3}/auth/tokens", headers={
            "X-Auth-Token": self.token, "X-Subject-Token": token})

    def role_names(self, token: str) -> set[str]:
        r = self.validate(token)
        assert r.status_code == 200, r.text
        return {role["name"] for role in r.json()["token"]["roles"]}

    def assert_works(self, token: str) -> None:
        assert self.own_request(token) == 200
        assert self.validate(token).status_code == 200

    def assert_dead(self, token: str, within: float = WITHIN) -> None:
        """Poll (at most `within` seconds) until the token is refused both ways."""
        deadline = time.monotonic() + within
        while True:
            seen = (self.own_request(token), self.validate(token).status_code)
            if seen == (401, 404) or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        assert seen == (401, 404), f"token still answers {seen} after {within} s"


@pytest.fixture
def admin(cloud: Cloud) -> Iterator[Admin]:
    a = Admin(cloud)
    yield a
    a.http.close()


# -- one test a trigger -------------------------------------------------------------------

def test_delete_auth_tokens(admin: Admin) -> None:
    acc = admin.account()
    token, other = admin.login(acc), admin.login(acc)
    admin.assert_works(token)
    admin.call("DELETE", "/auth/tokens", token=token, **{"X-Subject-Token": token})
    admin.assert_dead(token)
    admin.assert_works(other)  # only that token
    admin.call("DELETE", "/auth/tokens", **{"X-Subject-Token": other})  # by the admin
    admin.assert_dead(other)


def test_password_change_by_the_user(admin: Admin) -> None:
    acc = admin.account()
    token, unscoped = admin.login(acc), admin.login(acc, project=False)
    admin.assert_works(token)
    admin.call("POST", f"/users/{acc.user_id}/password", token=token, json={
        "user": {"original_password": acc.password, "password": "changed-by-user"}})
    admin.assert_dead(token)
    admin.assert_dead(unscoped)
    acc.password = "changed-by-user"
    admin.assert_works(admin.login(acc))


def test_password_change_by_the_admin(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.assert_works(token)
    admin.call("PATCH", f"/users/{acc.user_id}", json={"user": {"password": "reset-by-admin"}})
    admin.assert_dead(token)
    acc.password = "reset-by-admin"
    admin.assert_works(admin.login(acc))


def test_user_disable(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.assert_works(token)
    admin.call("PATCH", f"/users/{acc.user_id}", json={"user": {"enabled": False}})
    admin.assert_dead(token)
    admin.call("PATCH", f"/users/{acc.user_id}", json={"user": {"enabled": True}})
    admin.assert_dead(token, within=0)  # re-enabling does not bring old tokens back


def test_user_delete(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.assert_works(token)
    admin.call("DELETE", f"/users/{acc.user_id}")
    admin.assert_dead(token)


def test_project_disable(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.assert_works(token)
    admin.call("PATCH", f"/projects/{acc.project_id}", json={"project": {"enabled": False}})
    admin.assert_dead(token)


def test_project_delete(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.assert_works(token)
    admin.call("DELETE", f"/projects/{acc.project_id}")
    admin.assert_dead(token)


def test_removal_of_the_only_role(admin: Admin) -> None:
    acc = admin.account(roles=("member",))
    token = admin.login(acc)
    admin.assert_works(token)
    assert admin.role_names(token) == {"member", "reader"}
    admin.call("DELETE", f"/projects/{acc.project_id}/users/{acc.user_id}/roles/"
                         f"{admin.role_id('member')}")
    admin.assert_dead(token)


def test_removal_from_the_group_that_gave_the_role(admin: Admin) -> None:
    acc = admin.account(roles=())
    group_id = admin.create("group", {"name": _name("g"), "domain_id": "default"})
    admin.grant(acc.project_id, "group", group_id, "member")
    admin.call("PUT", f"/groups/{group_id}/users/{acc.user_id}")
    token = admin.login(acc)
    admin.assert_works(token)
    admin.call("DELETE", f"/groups/{group_id}/users/{acc.user_id}")
    admin.assert_dead(token)


def test_application_credential_delete(admin: Admin) -> None:
    acc = admin.account()
    password_token = admin.login(acc)
    cred = admin.call("POST", f"/users/{acc.user_id}/application_credentials",
                      token=password_token,
                      json={"application_credential": {"name": _name("ac")}},
                      )["application_credential"]
    r = admin.issue({"methods": ["application_credential"],
                     "application_credential": {"id": cred["id"], "secret": cred["secret"]}})
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    admin.assert_works(token)
    admin.call("DELETE", f"/users/{acc.user_id}/application_credentials/{cred['id']}",
               token=password_token)
    admin.assert_dead(token)
    admin.assert_works(password_token)  # the user's own token is not the credential's


def test_domain_disable_for_a_user_of_that_domain(admin: Admin) -> None:
    domain_id = admin.create("domain", {"name": _name("d")})
    # The user lives in the new domain; the project stays in Default.
    acc = admin.account(domain_id=domain_id)
    token, unscoped = admin.login(acc), admin.login(acc, project=False)
    admin.assert_works(token)
    admin.assert_works(unscoped)
    admin.call("PATCH", f"/domains/{domain_id}", json={"domain": {"enabled": False}})
    admin.assert_dead(token)
    admin.assert_dead(unscoped)
    admin.call("DELETE", f"/domains/{domain_id}")  # leave no disabled domain behind


# -- partial changes, rescoping, expiry ---------------------------------------------------

def test_role_removal_that_leaves_other_roles_drops_that_role_only(admin: Admin) -> None:
    extra = _name("role")
    admin.create("role", {"name": extra})
    acc = admin.account(roles=("member", extra))
    token = admin.login(acc)
    assert admin.role_names(token) == {"member", "reader", extra}
    admin.call("DELETE", f"/projects/{acc.project_id}/users/{acc.user_id}/roles/"
                         f"{admin.role_id(extra)}")
    deadline = time.monotonic() + WITHIN
    while admin.role_names(token) != {"member", "reader"} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert admin.role_names(token) == {"member", "reader"}
    admin.assert_works(token)


def test_rescoped_token_keeps_the_original_expiry(admin: Admin) -> None:
    acc = admin.account()
    r = admin.issue({"methods": ["password"], "password": {"user": {
        "id": acc.user_id, "password": acc.password}}})
    assert r.status_code == 201, r.text
    unscoped, original = r.headers["X-Subject-Token"], r.json()["token"]
    expires = original["expires_at"]
    r = admin.issue({"methods": ["token"], "token": {"id": unscoped}},
                    {"project": {"id": acc.project_id}})
    assert r.status_code == 201, r.text
    rescoped = r.headers["X-Subject-Token"]
    assert r.json()["token"]["expires_at"] == expires
    assert admin.validate(rescoped).json()["token"]["expires_at"] == expires
    assert r.json()["token"]["audit_ids"][1:] == original["audit_ids"]  # the audit chain
    admin.assert_works(rescoped)


def test_an_expired_token_is_refused(cloud: Cloud, tmp_path: Path) -> None:
    # A cloud of its own with a 2 s token lifetime (the shared one keeps the default).
    short = Cloud(tmp_path / "short", database_url=private_database(cloud.database_url),
                  extra_env={"CHEPTEL_TOKEN_LIFETIME": "2"}).start()
    try:
        admin = Admin(short)
        acc = admin.account()
        token = admin.login(acc)
        admin.assert_works(token)
        deadline = time.monotonic() + 15
        while admin.own_request(token) == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert admin.own_request(token) == 401
        admin.token = short.token("admin", ADMIN_PASSWORD, "admin")  # the old one expired too
        assert admin.validate(token).status_code == 404
        r = admin.issue({"methods": ["token"], "token": {"id": token}},
                        {"project": {"id": acc.project_id}})
        assert r.status_code == 401
        admin.http.close()
    finally:
        short.close()


def test_a_revocation_on_another_host_is_seen_at_once(postgres_url: str,
                                                      tmp_path: Path) -> None:
    """Two hosts on one PostgreSQL database (hosts share a database only on PostgreSQL: no
    SQLite run): a token each host has validated (and cached) dies on both the moment the
    other host disables its user."""
    url = private_database(postgres_url)
    fake = {"CHEPTEL_CONTAINER_ENGINE": "fake"}
    one = Cloud(tmp_path / "one", database_url=url, extra_env=fake).start()
    two = Cloud(tmp_path / "two", database_url=url, extra_env=fake).start()
    try:
        here, there = Admin(one), Admin(two)
        acc = here.account()
        token = here.login(acc)
        for _ in range(3):  # validated, then answered from each host's cache
            here.assert_works(token)
            assert there.own_request(token) == 200
        there.call("PATCH", f"/users/{acc.user_id}", json={"user": {"enabled": False}})
        assert here.own_request(token) == 401  # no polling: the very next request
        here.call("PATCH", f"/users/{acc.user_id}", json={"user": {"enabled": True}})
        token = here.login(acc)
        assert there.own_request(token) == 200
        here.call("DELETE", f"/projects/{acc.project_id}/users/{acc.user_id}/roles/"
                            f"{here.role_id('member')}")
        assert there.own_request(token) == 401
        here.http.close()
        there.http.close()
    finally:
        one.stop()
        two.stop()
