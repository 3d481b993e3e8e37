"""Raw Nova calls for the compute tests: exact microversions, statuses and fault bodies."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.cloud import ADMIN_PASSWORD, DEMO_PASSWORD, Cloud

FAULTS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
          405: "badMethod", 409: "conflictingRequest", 501: "notImplemented"}
PASSWORDS = {"admin": ADMIN_PASSWORD, "demo": DEMO_PASSWORD}


class Nova:
    """httpx against /compute/v2.1 as admin (project admin) or demo (member of demo)."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.client = cloud.http()
        self.tokens: dict[str, str] = {}

    def token(self, who: str = "admin") -> str:
        if who not in self.tokens:
            self.tokens[who] = self.cloud.token(who, PASSWORDS[who], who)
        return self.tokens[who]

    def call(self, method: str, path: str, *, who: str = "admin", token: str | None = None,
             version: str = "2.1", json: Any = None) -> httpx.Response:
        headers = {"X-Auth-Token": token or self.token(who),
                   "OpenStack-API-Version": f"compute {version}"}
        return self.client.request(method, f"/compute/v2.1{path}", headers=headers, json=json)

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = self.call(method, path, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else None

    def project_id(self, name: str) -> str:
        r = self.client.get("/identity/v3/projects", params={"name": name},
                            headers={"X-Auth-Token": self.token("admin")})
        assert r.status_code == 200, r.text
        return r.json()["projects"][0]["id"]

    def user_id(self, name: str) -> str:
        r = self.client.get("/identity/v3/users", params={"name": name},
                            headers={"X-Auth-Token": self.token("admin")})
        assert r.status_code == 200, r.text
        return r.json()["users"][0]["id"]


def fault(r: httpx.Response, code: int) -> str:
    """Assert Nova's fault body {"<name>": {"code", "message"}}; return the message."""
    assert r.status_code == code, r.text
    body = r.json()
    name = FAULTS[code]
    assert list(body) == [name], body
    assert body[name]["code"] == code
    assert isinstance(body[name]["message"], str) and body[name]["message"]
    assert "Traceback" not in r.text
    return body[name]["message"]
