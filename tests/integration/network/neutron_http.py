"""Raw Neutron calls for the network tests: exact statuses, fault bodies, query strings."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.cloud import ADMIN_PASSWORD, DEMO_PASSWORD, Cloud

V2 = "/network/v2.0"


class Neutron:
    """httpx against /network/v2.0 as admin, demo (member of demo), or users made here."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.client = cloud.http()
        self.logins: dict[str, tuple[str, str, str]] = {
            "admin": ("admin", ADMIN_PASSWORD, "admin"),
            "demo": ("demo", DEMO_PASSWORD, "demo")}
        self.tokens: dict[str, str] = {}

    def token(self, who: str = "admin") -> str:
        if who not in self.tokens:
            self.tokens[who] = self.cloud.token(*self.logins[who])
        return self.tokens[who]

    def identity(self, method: str, path: str, json: Any = None) -> Any:
        r = self.client.request(method, f"/identity/v3{path}", json=json,
                                headers={"X-Auth-Token": self.token("admin")})
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    def project_id(self, name: str) -> str:
        return self.identity("GET", f"/projects?name={name}")["projects"][0]["id"]

    def add_user(self, role: str, project: str | None = None) -> str:
        """A new user with `role` on `project` (a new project if None); its login name."""
        name = f"u-{uuid.uuid4().hex[:8]}"
        if project is None:
            project = f"p-{name}"
            self.identity("POST", "/projects", {"project": {"name": project,
                                                            "domain_id": "default"}})
        pid = self.project_id(project)
        user = self.identity("POST", "/users", {"user": {"name": name, "password": "pw-" + name,
                                                         "domain_id": "default"}})["user"]
        role_id = self.identity("GET", f"/roles?name={role}")["roles"][0]["id"]
        self.identity("PUT", f"/projects/{pid}/users/{user['id']}/roles/{role_id}")
        self.logins[name] = (name, "pw-" + name, project)
        return name

    def call(self, method: str, path: str, *, who: str = "admin", json: Any = None,
             params: Any = None, token: str | None = None) -> httpx.Response:
        headers = {"X-Auth-Token": token or self.token(who)}
        return self.client.request(method, V2 + path, headers=headers, json=json,
                                   params=params)

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = self.call(method, path, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else None

    def network(self, who: str = "admin", cidr: str | None = None, **attrs: Any) -> dict:
        """A new network (and a subnet on `cidr`), named uniquely."""
        body = {"name": f"n-{uuid.uuid4().hex[:8]}", **attrs}
        net = self.ok("POST", "/networks", 201, who=who, json={"network": body})["network"]
        if cidr:
            sub = self.ok("POST", "/subnets", 201, who=who, json={"subnet": {
                "network_id": net["id"], "ip_version": 4, "cidr": cidr,
                "name": net["name"] + "-sub"}})["subnet"]
            net["subnet"] = sub
        return net


def fault(r: httpx.Response, code: int, kind: str | None = None) -> str:
    """Assert Neutron's {"NeutronError": {"type", "message", "detail"}}; return the message."""
    assert r.status_code == code, r.text
    body = r.json()
    assert list(body) == ["NeutronError"], body
    error = body["NeutronError"]
    assert set(error) == {"type", "message", "detail"}, error
    if kind is not None:
        assert error["type"] == kind, error
    assert isinstance(error["message"], str) and error["message"]
    return error["message"]
