"""State survives a restart (clean stop or kill -9) and the bootstrap runs only once."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integration.cloud import ADMIN_PASSWORD, DEMO_PASSWORD, Cloud

V3 = "/identity/v3"
USER_PASSWORD = "restart-user-password"


def _call(http: httpx.Client, token: str, method: str, path: str, json: Any = None,
          expect: int | None = None) -> httpx.Response:
    r = http.request(method, V3 + path, json=json, headers={"X-Auth-Token": token})
    if expect is not None:
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
    return r


def _validate(http: httpx.Client, admin: str, token: str) -> int:
    return http.get(f"{V3}/auth/tokens", headers={
        "X-Auth-Token": admin, "X-Subject-Token": token}).status_code


def _app_login(http: httpx.Client, cred_id: str, secret: str) -> httpx.Response:
    return http.post(f"{V3}/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred_id, "secret": secret}}}})


@dataclass
class World:
    """What the first run created, and what it saw of the bootstrap."""

    project: str = ""
    user: str = ""
    group: str = ""
    role: str = ""
    cred: str = ""
    secret: str = ""
    admin_token: str = ""
    user_token: str = ""
    app_token: str = ""
    roles: list[tuple[str, str]] = field(default_factory=list)
    clouds_yaml: bytes = b""


def _populate(cloud: Cloud) -> World:
    w = World()
    w.admin_token = cloud.token("admin", ADMIN_PASSWORD, "admin")
    with cloud.http() as http:
        def call(method: str, path: str, json: Any = None, expect: int = 201) -> dict:
            r = _call(http, w.admin_token, method, path, json, expect)
            return r.json() if r.content else {}

        w.project = call("POST", "/projects", {"project": {"name": "kept"}})["project"]["id"]
        w.user = call("POST", "/users", {"user": {
            "name": "keeper", "password": USER_PASSWORD, "default_project_id": w.project,
        }})["user"]["id"]
        w.group = call("POST", "/groups", {"group": {"name": "keepers"}})["group"]["id"]
        call("PUT", f"/groups/{w.group}/users/{w.user}", expect=204)
        w.role = call("GET", "/roles?name=member", expect=200)["roles"][0]["id"]
        call("PUT", f"/projects/{w.project}/users/{w.user}/roles/{w.role}", expect=204)
        reader = call("GET", "/roles?name=reader", expect=200)["roles"][0]["id"]
        call("PUT", f"/projects/{w.project}/groups/{w.group}/roles/{reader}", expect=204)
        w.user_token = cloud.token("keeper", USER_PASSWORD, "kept")
        cred = _call(http, w.user_token, "POST", f"/users/{w.user}/application_credentials",
                     {"application_credential": {"name": "kept-cred"}}, 201)
        w.cred = cred.json()["application_credential"]["id"]
        w.secret = cred.json()["application_credential"]["secret"]
        r = _app_login(http, w.cred, w.secret)
        assert r.status_code == 201, r.text
        w.app_token = r.headers["X-Subject-Token"]
        w.roles = _roles(http, w.admin_token)
    w.clouds_yaml = cloud.clouds_file.read_bytes()
    return w


def _roles(http: httpx.Client, token: str) -> list[tuple[str, str]]:
    found = _call(http, token, "GET", "/roles", expect=200).json()["roles"]
    return sorted((r["name"], r["id"]) for r in found)


def _check_bootstrap_once(cloud: Cloud, w: World, http: httpx.Client, admin: str) -> None:
    admins = _call(http, admin, "GET", "/users?name=admin", expect=200).json()["users"]
    assert len(admins) == 1
    demos = _call(http, admin, "GET", "/users?name=demo", expect=200).json()["users"]
    assert len(demos) == 1
    domains = _call(http, admin, "GET", "/domains", expect=200).json()["domains"]
    assert [d["id"] for d in domains if d["name"] == "Default"] == ["default"]
    assert [d["id"] for d in domains].count("default") == 1
    roles = _roles(http, admin)
    assert roles == w.roles
    names = [name for name, _ in roles]
    assert len(names) == len(set(names))
    assert {"admin", "member", "reader"} <= set(names)
    projects = _call(http, admin, "GET", "/projects?name=admin", expect=200).json()["projects"]
    assert len(projects) == 1
    assert cloud.clouds_file.read_bytes() == w.clouds_yaml
    assert stat.S_IMODE(os.stat(cloud.clouds_file).st_mode) == 0o600


def _check_world(cloud: Cloud, w: World) -> None:
    # Passwords from the first run still work (the bootstrap did not reset them).
    admin = cloud.token("admin", ADMIN_PASSWORD, "admin")
    cloud.token("demo", DEMO_PASSWORD, "demo")
    with cloud.http() as http:
        _check_bootstrap_once(cloud, w, http, admin)
        assert _call(http, admin, "GET", f"/projects/{w.project}", expect=200).json()[
            "project"]["name"] == "kept"
        user = _call(http, admin, "GET", f"/users/{w.user}", expect=200).json()["user"]
        assert (user["name"], user["default_project_id"]) == ("keeper", w.project)
        assert _call(http, admin, "GET", f"/groups/{w.group}", expect=200).json()[
            "group"]["name"] == "keepers"
        _call(http, admin, "GET", f"/groups/{w.group}/users/{w.user}", expect=204)
        _call(http, admin, "GET", f"/projects/{w.project}/users/{w.user}/roles/{w.role}",
              expect=204)
        cred = _call(http, admin, "GET", f"/users/{w.user}/application_credentials/{w.cred}",
                     expect=200).json()["application_credential"]
        assert cred["name"] == "kept-cred" and cred["project_id"] == w.project

        # The user logs in again; the grants (direct and through the group) are intact.
        token = cloud.token("keeper", USER_PASSWORD, "kept")
        r = http.get(f"{V3}/auth/tokens", headers={"X-Auth-Token": token,
                                                   "X-Subject-Token": token})
        assert r.status_code == 200, r.text
        assert {x["name"] for x in r.json()["token"]["roles"]} == {"member", "reader"}

        # The application credential still authenticates, to the same project.
        r = _app_login(http, w.cred, w.secret)
        assert r.status_code == 201, r.text
        assert r.json()["token"]["project"]["id"] == w.project
        assert r.json()["token"]["application_credential"]["id"] == w.cred


def _check_old_tokens(cloud: Cloud, w: World) -> None:
    with cloud.http() as http:
        for token in (w.admin_token, w.user_token, w.app_token):
            assert _validate(http, w.admin_token, token) == 200
            assert _call(http, token, "GET", "/auth/projects").status_code == 200


def test_clean_restart_keeps_everything(new_cloud: Cloud) -> None:
    new_cloud.start()
    w = _populate(new_cloud)
    new_cloud.stop()
    assert not new_cloud.alive()
    new_cloud.start()
    _check_world(new_cloud, w)
    _check_old_tokens(new_cloud, w)
    # And once more: a second restart changes nothing either.
    new_cloud.stop()
    new_cloud.start()
    _check_world(new_cloud, w)
    _check_old_tokens(new_cloud, w)


def test_restart_after_kill_9_keeps_everything(new_cloud: Cloud) -> None:
    new_cloud.start()
    w = _populate(new_cloud)
    new_cloud.kill()
    assert not new_cloud.alive()
    new_cloud.start()
    _check_world(new_cloud, w)
    _check_old_tokens(new_cloud, w)


def test_the_serve_log_reports_the_bootstrap_once(new_cloud: Cloud) -> None:
    new_cloud.start()
    new_cloud.stop()
    new_cloud.start()
    new_cloud.stop()
    assert new_cloud.log.read_text().count("bootstrapped:") == 1
