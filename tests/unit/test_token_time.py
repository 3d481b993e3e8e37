"""Time-driven identity behaviour with an injected clock: expiry, lockout, app credentials."""

from __future__ import annotations

import httpx

from cheptel.common import iso
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi

# tests/unit/conftest.py START (1_700_000_000) plus so many seconds, as Keystone writes
# expires_at: written out here, not computed with the formatter under test
AT = {300: "2023-11-14T22:18:20.000000Z", 600: "2023-11-14T22:23:20.000000Z",
      900: "2023-11-14T22:28:20.000000Z", 3600: "2023-11-14T23:13:20.000000Z"}


def _expires(api: Api, token: str) -> str:
    r = api.validate(token)
    assert r.status_code == 200, r.text
    return r.json()["token"]["expires_at"]


# -- token lifetime -----------------------------------------------------------------------

def test_token_lifetime_defaults_to_one_hour(api: Api) -> None:
    token = api.token("demo", DEMO_PASSWORD, "demo")
    assert _expires(api, token) == AT[3600]


def test_token_expires_exactly_at_the_configured_lifetime(make_api: MakeApi) -> None:
    api = make_api(token_lifetime=600)
    t0 = api.clock.now
    r = api.login("demo", DEMO_PASSWORD, "demo")
    assert r.status_code == 201
    token = r.headers["X-Subject-Token"]
    assert r.json()["token"]["expires_at"] == AT[600]

    api.clock.advance(599.5)
    assert api.works(token)
    assert api.validate(token).status_code == 200

    api.clock.now = t0 + 600
    assert not api.works(token)
    assert api.validate(token).status_code == 404
    assert api.call("GET", "/auth/tokens", token,
                    **{"X-Subject-Token": token}).status_code == 401


def test_an_expired_token_cannot_be_rescoped(make_api: MakeApi) -> None:
    api = make_api(token_lifetime=60)
    unscoped = api.token("demo", DEMO_PASSWORD)
    api.clock.advance(60)
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}},
                     "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}
    assert api.call("POST", "/auth/tokens", json=body).status_code == 401


def test_a_rescoped_token_keeps_the_original_expiry(make_api: MakeApi) -> None:
    api = make_api(token_lifetime=600)
    t0 = api.clock.now
    unscoped = api.token("demo", DEMO_PASSWORD)
    api.clock.advance(200)
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}},
                     "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}
    r = api.call("POST", "/auth/tokens", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["token"]["expires_at"] == AT[600]
    rescoped = r.headers["X-Subject-Token"]
    api.clock.now = t0 + 600
    assert not api.works(rescoped)


# -- lockout ------------------------------------------------------------------------------

def _fail(api: Api, times: int) -> None:
    for _ in range(times):
        assert api.login("demo", "wrong password", "demo").status_code == 401


def test_no_lockout_by_default(api: Api) -> None:
    assert api.deps.settings.lockout_failure_attempts == 0
    _fail(api, 10)
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 201


def test_lockout_after_n_failures_until_the_duration_passes(make_api: MakeApi) -> None:
    api = make_api(lockout_failure_attempts=3, lockout_duration=300)
    t0 = api.clock.now
    _fail(api, 2)
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 201  # resets the count
    _fail(api, 2)
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 201
    _fail(api, 3)
    locked = api.login("demo", DEMO_PASSWORD, "demo")
    assert locked.status_code == 401
    assert "locked" in locked.json()["error"]["message"]
    api.clock.advance(299)
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 401
    api.clock.now = t0 + 300
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 201
    # The count starts again from zero after the lock.
    _fail(api, 2)
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 201


def test_lockout_is_per_user(make_api: MakeApi) -> None:
    api = make_api(lockout_failure_attempts=2, lockout_duration=300)
    _fail(api, 2)
    assert api.login("demo", DEMO_PASSWORD, "demo").status_code == 401
    assert api.admin()


def test_an_admin_password_reset_unlocks(make_api: MakeApi) -> None:
    api = make_api(lockout_failure_attempts=2, lockout_duration=300)
    _fail(api, 2)
    admin = api.admin()
    users = api.call("GET", "/users?name=demo", admin).json()["users"]
    r = api.call("PATCH", f"/users/{users[0]['id']}", admin,
                 json={"user": {"password": "a new one"}})
    assert r.status_code == 200, r.text
    assert api.login("demo", "a new one", "demo").status_code == 201


# -- application credentials --------------------------------------------------------------

def _app_cred(api: Api, expires_at: float | None) -> httpx.Response:
    """The demo user creates an application credential on the demo project."""
    token = api.token("demo", DEMO_PASSWORD, "demo")
    me = api.validate(token).json()["token"]["user"]["id"]
    body = {"application_credential": {"name": "ci", "expires_at": iso(expires_at)}}
    return api.call("POST", f"/users/{me}/application_credentials", token, json=body)


def _app_login(api: Api, cred: dict) -> httpx.Response:
    return api.call("POST", "/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})


def test_app_credential_expires(api: Api) -> None:
    t0 = api.clock.now
    cred = _app_cred(api, t0 + 300).json()["application_credential"]
    r = _app_login(api, cred)
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    assert r.json()["token"]["expires_at"] == AT[300]  # never outlives the credential

    api.clock.advance(299)
    assert api.works(token)
    assert _app_login(api, cred).status_code == 201

    api.clock.now = t0 + 300
    assert not api.works(token)
    assert api.validate(token).status_code == 404
    assert _app_login(api, cred).status_code == 401


def test_app_credential_without_expiry_gives_normal_tokens(make_api: MakeApi) -> None:
    api = make_api(token_lifetime=900)
    cred = _app_cred(api, None).json()["application_credential"]
    r = _app_login(api, cred)
    assert r.status_code == 201, r.text
    assert r.json()["token"]["expires_at"] == AT[900]
    api.clock.advance(10 * 86400)
    assert _app_login(api, cred).status_code == 201


def test_app_credential_cannot_expire_in_the_past(api: Api) -> None:
    assert _app_cred(api, api.clock.now - 1).status_code == 400
