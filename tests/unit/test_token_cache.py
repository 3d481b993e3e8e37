"""The in-process token cache: every revocation trigger drops a warm entry at once.

Each test warms the cache for a token (a second request is answered from it: one query,
the revocation generation), pulls a trigger, and checks the very next request. Without the
generation bump for that trigger the warm entry would still answer, and the test fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event

from cheptel.common import iso
from cheptel.errors import Unauthorized
from cheptel.policy import Creds
from tests.unit.conftest import Api, MakeApi


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Account:
    user_id: str
    password: str
    project_id: str
    project_name: str
    domain_id: str = "default"


class Admin:
    """The admin's calls, and the checks on a user's token through the app's cache."""

    def __init__(self, api: Api):
        self.api = api
        self.token = api.admin()

    def call(self, method: str, path: str, json: Any = None, token: str | None = None,
             **headers: str) -> dict:
        r = self.api.call(method, path, token or self.token, json=json, **headers)
        assert r.status_code in (200, 201, 204), f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    def create(self, kind: str, body: dict) -> str:
        return self.call("POST", f"/{kind}s", json={kind: body})[kind]["id"]

    def role_id(self, name: str) -> str:
        return self.call("GET", f"/roles?name={name}")["roles"][0]["id"]

    def account(self, roles: tuple[str, ...] = ("member",), domain_id: str = "default",
                project_domain_id: str = "default") -> Account:
        name = _name("p")
        project_id = self.create("project", {"name": name, "domain_id": project_domain_id})
        password = uuid.uuid4().hex
        user_id = self.create("user", {"name": _name("u"), "domain_id": domain_id,
                                       "password": password})
        for role in roles:
            self.call("PUT", f"/projects/{project_id}/users/{user_id}/roles/"
                             f"{self.role_id(role)}")
        return Account(user_id, password, project_id, name, project_domain_id)

    def login(self, acc: Account, scoped: bool = True) -> str:
        auth: dict = {"identity": {"methods": ["password"], "password": {"user": {
            "id": acc.user_id, "password": acc.password}}}}
        auth["scope"] = {"project": {"id": acc.project_id}} if scoped else "unscoped"
        r = self.api.call("POST", "/auth/tokens", json={"auth": auth})
        assert r.status_code == 201, r.text
        return r.headers["X-Subject-Token"]

    def creds(self, token: str) -> Creds | None:
        """What a request with this token is authenticated as (None: refused)."""
        with self.api.deps.sessions() as db, db.begin():
            try:
                return self.api.deps.authenticate(db, token)
            except Unauthorized:
                return None

    def warm(self, token: str) -> Creds:
        """Authenticate twice and check that the second time came from the cache."""
        first = self.creds(token)
        assert first is not None
        hits = self.api.deps.tokens.hits
        assert self.creds(token) == first
        assert self.api.deps.tokens.hits == hits + 1, "the cache did not answer"
        return first

    def assert_dead(self, token: str) -> None:
        assert self.creds(token) is None
        assert self.api.call("GET", "/auth/projects", token).status_code == 401


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


class Statements:
    """Counts the SQL statements an engine runs."""

    def __init__(self, engine: Any):
        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def statements(api: Api) -> Iterator[Statements]:
    counter = Statements(api.deps.db_engine)
    yield counter
    counter.close()


# -- the cache answers ---------------------------------------------------------------------

def test_a_cached_token_costs_one_query(admin: Admin, statements: Statements) -> None:
    token = admin.login(admin.account())
    first = admin.creds(token)
    cold = statements.count
    assert cold > 3  # token, user, domain, project, roles...
    assert admin.creds(token) == first
    assert statements.count - cold == 1  # the revocation generation


def test_issuing_tokens_keeps_the_cache(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    admin.login(acc)  # a new token (and the purge of expired ones) revokes nothing
    hits = admin.api.deps.tokens.hits
    assert admin.creds(token) is not None
    assert admin.api.deps.tokens.hits == hits + 1


def test_failed_logins_keep_the_cache(make_api: MakeApi) -> None:
    admin = Admin(make_api(lockout_failure_attempts=3, lockout_duration=60))
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    r = admin.api.call("POST", "/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"id": acc.user_id,
                                                       "password": "wrong"}}}}})
    assert r.status_code == 401
    hits = admin.api.deps.tokens.hits
    assert admin.creds(token) is not None
    assert admin.api.deps.tokens.hits == hits + 1


# -- one test a trigger, the cache warm ------------------------------------------------------

def test_token_revoke(admin: Admin) -> None:
    acc = admin.account()
    token, other = admin.login(acc), admin.login(acc)
    admin.warm(token)
    admin.warm(other)
    admin.call("DELETE", "/auth/tokens", token=token, **{"X-Subject-Token": token})
    admin.assert_dead(token)
    assert admin.creds(other) is not None  # only that token


def test_password_change_by_the_user(admin: Admin) -> None:
    acc = admin.account()
    token, unscoped = admin.login(acc), admin.login(acc, scoped=False)
    admin.warm(token)
    admin.warm(unscoped)
    admin.call("POST", f"/users/{acc.user_id}/password", token=token, json={
        "user": {"original_password": acc.password, "password": "changed-by-user"}})
    admin.assert_dead(token)
    admin.assert_dead(unscoped)


def test_password_change_by_the_admin(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    admin.call("PATCH", f"/users/{acc.user_id}", json={"user": {"password": "reset"}})
    admin.assert_dead(token)


def test_user_disable(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    admin.call("PATCH", f"/users/{acc.user_id}", json={"user": {"enabled": False}})
    admin.assert_dead(token)


def test_user_delete(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    admin.call("DELETE", f"/users/{acc.user_id}")
    admin.assert_dead(token)


def test_project_disable(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    admin.call("PATCH", f"/projects/{acc.project_id}", json={"project": {"enabled": False}})
    admin.assert_dead(token)


def test_project_delete(admin: Admin) -> None:
    acc = admin.account()
    token = admin.login(acc)
    admin.warm(token)
    admin.call("DELETE", f"/projects/{acc.project_id}")
    admin.assert_dead(token)


def test_domain_disable_for_its_user(admin: Admin) -> None:
    domain_id = admin.create("domain", {"name": _name("d")})
    acc = admin.account(domain_id=domain_id)
    token, unscoped = admin.login(acc), admin.login(acc, scoped=False)
    admin.warm(token)
    admin.warm(unscoped)
    admin.call("PATCH", f"/domains/{domain_id}", json={"domain": {"enabled": False}})
    admin.assert_dead(token)
    admin.assert_dead(unscoped)


def test_domain_disable_for_a_project_of_that_domain(admin: Admin) -> None:
    domain_id = admin.create("domain", {"name": _name("d")})
    acc = admin.account(project_domain_id=domain_id)  # the user stays in Default
    token = admin.login(acc)
    admin.warm(token)
    admin.call("PATCH", f"/domains/{domain_id}", json={"domain": {"enabled": False}})
    admin.assert_dead(token)


def test_domain_disable_for_a_token_scoped_to_it(admin: Admin) -> None:
    """(A domain is deleted only once disabled: this is what ends its tokens.)"""
    domain_id = admin.create("domain", {"name": _name("d")})
    acc = admin.account()
    admin.call("PUT", f"/domains/{domain_id}/users/{acc.user_id}/roles/"
                      f"{admin.role_id('member')}")
    r = admin.api.call("POST", "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": acc.user_id, "password": acc.password}}},
        "scope": {"domain": {"id": domain_id}}}})
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    admin.warm(token)
    admin.call("PATCH", f"/domains/{domain_id}", json={"domain": {"enabled": False}})
    admin.assert_dead(token)


def test_removal_of_the_only_role(admin: Admin) -> None:
    acc = admin.account(roles=("member",))
    token = admin.login(acc)
    assert admin.warm(token).roles == {"member", "reader"}
    admin.call("DELETE", f"/projects/{acc.project_id}/users/{acc.user_id}/roles/"
                         f"{admin.role_id('member')}")
    admin.assert_dead(token)


def test_removal_of_one_role_of_two(admin: Admin) -> None:
    extra = _name("role")
    admin.create("role", {"name": extra})
    acc = admin.account(roles=("member", extra))
    token = admin.login(acc)
    assert admin.warm(token).roles == {"member", "reader", extra}
    admin.call("DELETE", f"/projects/{acc.project_id}/users/{acc.user_id}/roles/"
                         f"{admin.role_id(extra)}")
    creds = admin.creds(token)
    assert creds is not None and creds.roles == {"member", "reader"}


def test_a_new_grant_is_seen(admin: Admin) -> None:
    acc = admin.account(roles=("reader",))
    token = admin.login(acc)
    assert admin.warm(token).roles == {"reader"}
    admin.call("PUT", f"/projects/{acc.project_id}/users/{acc.user_id}/roles/"
                      f"{admin.role_id('member')}")
    creds = admin.creds(token)
    assert creds is not None and creds.roles == {"member", "reader"}


def test_removal_of_a_group_grant(admin: Admin) -> None:
    acc = admin.account(roles=())
    group_id = admin.create("group", {"name": _name("g"), "domain_id": "default"})
    admin.call("PUT", f"/groups/{group_id}/users/{acc.user_id}")
    admin.call("PUT", f"/projects/{acc.project_id}/groups/{group_id}/roles/"
                      f"{admin.role_id('member')}")
    token = admin.login(acc)
    admin.warm(token)
    admin.call("DELETE", f"/projects/{acc.project_id}/groups/{group_id}/roles/"
                         f"{admin.role_id('member')}")
    admin.assert_dead(token)


def test_removal_from_the_group_that_gave_the_role(admin: Admin) -> None:
    acc = admin.account(roles=())
    group_id = admin.create("group", {"name": _name("g"), "domain_id": "default"})
    admin.call("PUT", f"/projects/{acc.project_id}/groups/{group_id}/roles/"
                      f"{admin.role_id('member')}")
    admin.call("PUT", f"/groups/{group_id}/users/{acc.user_id}")
    token = admin.login(acc)
    admin.warm(token)
    admin.call("DELETE", f"/groups/{group_id}/users/{acc.user_id}")
    admin.assert_dead(token)


def test_delete_of_the_group_that_gave_the_role(admin: Admin) -> None:
    acc = admin.account(roles=())
    group_id = admin.create("group", {"name": _name("g"), "domain_id": "default"})
    admin.call("PUT", f"/projects/{acc.project_id}/groups/{group_id}/roles/"
                      f"{admin.role_id('member')}")
    admin.call("PUT", f"/groups/{group_id}/users/{acc.user_id}")
    token = admin.login(acc)
    admin.warm(token)
    admin.call("DELETE", f"/groups/{group_id}")
    admin.assert_dead(token)


def test_removal_of_an_inherited_grant(admin: Admin) -> None:
    acc = admin.account(roles=())
    member = admin.role_id("member")
    inherit = f"/OS-INHERIT/domains/default/users/{acc.user_id}/roles/{member}"
    admin.call("PUT", inherit + "/inherited_to_projects")
    token = admin.login(acc)
    assert admin.warm(token).roles == {"member", "reader"}
    admin.call("DELETE", inherit + "/inherited_to_projects")
    admin.assert_dead(token)


def test_removal_of_an_implied_role(admin: Admin) -> None:
    prior = _name("prior")
    prior_id = admin.create("role", {"name": prior})
    reader = admin.role_id("reader")
    admin.call("PUT", f"/roles/{prior_id}/implies/{reader}")
    acc = admin.account(roles=(prior,))
    token = admin.login(acc)
    assert admin.warm(token).roles == {prior, "reader"}
    admin.call("DELETE", f"/roles/{prior_id}/implies/{reader}")
    creds = admin.creds(token)
    assert creds is not None and creds.roles == {prior}


def test_role_delete(admin: Admin) -> None:
    extra = _name("role")
    role_id = admin.create("role", {"name": extra})
    acc = admin.account(roles=(extra,))
    token = admin.login(acc)
    assert admin.warm(token).roles == {extra}
    admin.call("DELETE", f"/roles/{role_id}")
    admin.assert_dead(token)


def test_role_rename(admin: Admin) -> None:
    extra = _name("role")
    role_id = admin.create("role", {"name": extra})
    acc = admin.account(roles=("reader", extra))
    token = admin.login(acc)
    admin.warm(token)
    admin.call("PATCH", f"/roles/{role_id}", json={"role": {"name": extra + "-renamed"}})
    creds = admin.creds(token)
    assert creds is not None and creds.roles == {"reader", extra + "-renamed"}


def test_application_credential_delete(admin: Admin) -> None:
    acc = admin.account()
    password_token = admin.login(acc)
    cred = admin.call("POST", f"/users/{acc.user_id}/application_credentials",
                      token=password_token,
                      json={"application_credential": {"name": _name("ac")}},
                      )["application_credential"]
    r = admin.api.call("POST", "/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    admin.warm(token)
    admin.warm(password_token)
    admin.call("DELETE", f"/users/{acc.user_id}/application_credentials/{cred['id']}",
               token=password_token)
    admin.assert_dead(token)
    assert admin.creds(password_token) is not None


def test_application_credential_expiry(admin: Admin) -> None:
    acc = admin.account()
    password_token = admin.login(acc)
    expires = admin.api.clock.now + 120
    cred = admin.call("POST", f"/users/{acc.user_id}/application_credentials",
                      token=password_token,
                      json={"application_credential": {"name": _name("ac"),
                                                       "expires_at": iso(expires)}},
                      )["application_credential"]
    r = admin.api.call("POST", "/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    admin.warm(token)
    admin.api.clock.now = expires
    admin.assert_dead(token)


def test_token_expiry_follows_the_injected_clock(make_api: MakeApi) -> None:
    admin = Admin(make_api(token_lifetime=600))
    t0 = admin.api.clock.now
    token = admin.login(admin.account())
    admin.warm(token)
    admin.api.clock.now = t0 + 599.5
    assert admin.creds(token) is not None
    admin.api.clock.now = t0 + 600
    assert admin.creds(token) is None


# -- another process sharing the database ---------------------------------------------------

def test_a_revocation_by_another_process_is_seen(make_api: MakeApi) -> None:
    here = Admin(make_api())
    there = Admin(make_api())  # a second app on the same database: another host
    acc = here.account()
    token = here.login(acc)
    here.warm(token)
    there.call("PATCH", f"/users/{acc.user_id}", json={"user": {"enabled": False}})
    assert here.creds(token) is None
