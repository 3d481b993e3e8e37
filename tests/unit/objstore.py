"""Helpers of the object store's unit tests: a Swift client over the in-process app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Api


@dataclass
class Swift:
    api: Api
    token: str | None
    project: str  # the account's project id

    @property
    def base(self) -> str:
        return f"/object-store/v1/AUTH_{self.project}"

    def call(self, method: str, path: str = "", body: bytes | None = None,
             token: str | None = "", **headers: str) -> httpx.Response:
        h = {k.replace("_", "-"): v for k, v in headers.items()}
        tok = self.token if token == "" else token
        if tok:
            h["X-Auth-Token"] = tok
        return self.api.client.request(method, self.base + path, content=body, headers=h,
                                       follow_redirects=False)

    def ok(self, method: str, path: str = "", body: bytes | None = None, **headers: str
           ) -> httpx.Response:
        r = self.call(method, path, body, **headers)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text[:300]}"
        return r

    def names(self, path: str = "", **query: Any) -> list[Any]:
        q = "&".join(f"{k}={v}" for k, v in {"format": "json", **query}.items())
        r = self.ok("GET", f"{path}?{q}")
        return [e.get("name", e.get("subdir")) for e in r.json()]


def login(api: Api, user: str, password: str, project: str) -> tuple[str, str]:
    r = api.login(user, password, project)
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"], r.json()["token"]["project"]["id"]


def admin(api: Api) -> Swift:
    token, project = login(api, "admin", ADMIN_PASSWORD, "admin")
    return Swift(api, token, project)


def demo(api: Api) -> Swift:
    token, project = login(api, "demo", DEMO_PASSWORD, "demo")
    return Swift(api, token, project)


def user_with_role(api: Api, name: str, role: str, project: str = "demo") -> Swift:
    """A new user holding `role` (made if missing) on `project`."""
    adm = api.admin()
    roles = api.call("GET", f"/roles?name={role}", adm).json()["roles"]
    role_id = roles[0]["id"] if roles else api.call(
        "POST", "/roles", adm, json={"role": {"name": role}}).json()["role"]["id"]
    pid = api.call("GET", f"/projects?name={project}", adm).json()["projects"][0]["id"]
    uid = api.call("POST", "/users", adm, json={"user": {
        "name": name, "password": "pw-" + name, "domain_id": "default"}}).json()["user"]["id"]
    assert api.call("PUT", f"/projects/{pid}/users/{uid}/roles/{role_id}", adm
                    ).status_code == 204
    token, _ = login(api, name, "pw-" + name, project)
    return Swift(api, token, pid)
