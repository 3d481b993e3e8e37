"""The route walk's world: one in-process cloud with one of each resource, and what it sends.

tests/unit/test_bad_input_walk.py walks every route of cheptel.services.SERVICES with bad
bodies and queries; this module builds the cloud it walks (`World`), fills path
parameters with the ids of real objects (`World.path`), derives bodies from the route's
own valid body (`bodies`), and checks that a failure is in the service's fault format and
committed nothing to the database (`fault_problem`, `WriteCounter`).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, event
from starlette.testclient import TestClient

from cheptel.service import Service
from cheptel.web import Route
from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD

PARAM = re.compile(r"{([^}:]+)(?::[a-z]+)?}")
NOVA_FAULTS = {"badRequest", "unauthorized", "forbidden", "itemNotFound", "badMethod",
               "notAcceptable", "conflictingRequest", "overLimit", "badMediaType",
               "notImplemented", "serviceUnavailable"}
# the media type a route's JSON body is sent with when it names its own (Glance's patches)
WALK_PASSWORD = "walk-user-secret"


def service_of(prefix: str) -> str:
    return prefix.strip("/")


def is_list(route: Route) -> bool:
    """A GET whose path ends in a fixed segment: a collection, or a document."""
    return route.method == "GET" and not route.path.rstrip("/").endswith("}")


def fault_problem(service: str, r: httpx.Response) -> str | None:
    """Why this answer is not an acceptable failure (or success): None if it is."""
    if r.status_code >= 500 and r.status_code != 501:
        return f"{r.status_code} {r.text[:200]}"
    if r.status_code < 400:
        return None
    if "Traceback" in r.text or 'File "' in r.text:
        return f"{r.status_code} with a traceback"
    if service == "object-store":  # Swift's bodies: swob's HTML, or a reason in plain text
        kind = r.headers.get("content-type", "")
        ok = kind.startswith(("text/html", "text/plain")) and (
            r.request.method == "HEAD" or bool(r.text.strip()))
        return None if ok else f"{r.status_code} not Swift's fault format: {r.text[:200]}"
    try:
        body = r.json()
    except ValueError:
        return f"{r.status_code} not JSON: {r.text[:120]!r}"
    if not isinstance(body, dict):
        return f"{r.status_code} body not an object: {r.text[:120]}"
    code = r.status_code
    keystone = isinstance(body.get("error"), dict) and body["error"].get("code") == code
    if service == "identity" or (code == 401 and service in ("image", "network")):
        ok = keystone and bool(body["error"].get("message")) and bool(body["error"].get("title"))
    elif service in ("compute", "volume"):  # Cinder's faults are Nova's shape
        (name, inner), = body.items() if len(body) == 1 else ((None, None),)
        ok = (name in NOVA_FAULTS or (code == 501 and name == "computeFault")) and \
            isinstance(inner, dict) and inner.get("code") == code and bool(inner.get("message"))
    elif service == "placement":
        errors = body.get("errors")
        ok = (code == 401 and keystone) or (
            len(body) == 1 and isinstance(errors, list) and len(errors) == 1
            and errors[0].get("status") == code and bool(errors[0].get("detail")))
    elif service == "orchestration":  # Heat's fault middleware
        inner = body.get("error")
        ok = set(body) == {"code", "title", "explanation", "error"} and body["code"] == code \
            and isinstance(inner, dict) and bool(inner.get("message")) \
            and bool(inner.get("type"))
    elif service == "load-balancer":  # Octavia's wsme body
        ok = set(body) == {"faultcode", "faultstring", "debuginfo"} and \
            bool(body["faultstring"]) and body["faultcode"] in ("Client", "Server")
    elif service == "network":
        inner = body.get("NeutronError")
        ok = len(body) == 1 and isinstance(inner, dict) and \
            set(inner) == {"type", "message", "detail"} and bool(inner["message"])
    else:  # Glance: WebOb's JSON, as asked for with Accept: application/json
        ok = set(body) == {"message", "code", "title"} and \
            str(body["code"]).startswith(f"{code} ")
    return None if ok else f"{code} not {service}'s fault format: {r.text[:200]}"


class WriteCounter:
    """Counts the transactions that committed a write (INSERT, UPDATE, DELETE) to the
    database: a failed request must not move it."""

    def __init__(self, engine: Engine):
        self.commits = 0
        self._dirty: set[int] = set()
        event.listen(engine, "before_cursor_execute", self._execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def _execute(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self._dirty.add(id(conn))

    def _commit(self, conn: Any) -> None:
        if id(conn) in self._dirty:
            self._dirty.discard(id(conn))
            self.commits += 1

    def _rollback(self, conn: Any) -> None:
        self._dirty.discard(id(conn))


def _files(top: str | os.PathLike[str], rel: str = "") -> list[tuple[str, int]]:
    """(path under `top`, size) of each file but the database's (with scandir: the walk
    looks twice a request, and pathlib's rglob cost four times as much)."""
    out = []
    with os.scandir(top) as entries:
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                out += _files(e.path, f"{rel}{e.name}/")
            elif e.is_file() and not e.name.startswith("cheptel.db"):
                out.append((rel + e.name, e.stat().st_size))
    return out


def outside_state(world: World) -> tuple:
    """What a request may change outside the database: files under the data directory
    (image data, spooled uploads), the fake engine's containers, images, volumes and the
    host's bridges."""
    engine = world.deps.containers
    return (sorted(_files(world.deps.settings.data_dir)), sorted(engine.containers),
            sorted(engine.images), sorted(engine.volumes), sorted(engine.plumbing.links))


@dataclass
class World:
    """The walked cloud: its client, tokens, the ids of its objects and valid bodies."""

    client: TestClient
    deps: Any
    admin: str = ""
    member: str = ""
    writes: WriteCounter | None = None
    ids: dict[str, str] = field(default_factory=dict)  # "prefix param" or "prefix seg param"
    templates: dict[str, Any] = field(default_factory=dict)  # "prefix METHOD path" -> body

    def headers(self, service: str, token: str | None, media: str | None = None,
                version: str = "latest") -> dict[str, str]:
        h = {"Accept": "application/json"}
        if token:
            h["X-Auth-Token"] = token
        if service == "compute":
            h["OpenStack-API-Version"] = f"compute {version}"
        if service == "volume":
            h["OpenStack-API-Version"] = "volume latest"
        if media:
            h["Content-Type"] = media
        return h

    def send(self, prefix: str, method: str, path: str, token: str | None, body: Any = None,
             *, raw: bytes | None = None, media: str | None = "application/json",
             query: str = "", version: str = "latest") -> httpx.Response:
        content = raw if raw is not None else (
            None if body is None else json.dumps(body).encode())
        url = prefix + path + (f"?{query}" if query else "")
        return self.client.request(method, url, content=content, headers=self.headers(
            service_of(prefix), token, media if content is not None else None, version))

    def ok(self, prefix: str, method: str, path: str, body: Any = None,
           token: str | None = None, template: str | None = None) -> Any:
        """A setup call that must succeed; its body becomes the route's template."""
        r = self.send(prefix, method, self.fill(prefix, path), token or self.admin, body)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text[:300]}"
        if body is not None:
            self.templates[f"{prefix} {method} {template or path}"] = body
        return r.json() if r.content else None

    def template(self, prefix: str, route: Route) -> Any:
        """A valid body for a write: the setup's, or for a PUT/PATCH the object's own."""
        known = self.templates.get(f"{prefix} {route.method} {route.path}")
        if known is not None or route.method == "POST":
            return known
        r = self.send(prefix, "GET", self.fill(prefix, route.path), self.admin)
        return r.json() if r.status_code == 200 and r.content else None

    def fill(self, prefix: str, path: str, real: bool = True, odd: str | None = None) -> str:
        """The path with every parameter replaced by a real object's id (or a random one,
        or `odd`, already quoted)."""
        segments = path.split("/")
        for i, seg in enumerate(segments):
            m = PARAM.fullmatch(seg)
            if not m:
                continue
            name = m.group(1)
            before = segments[i - 1] if i else ""
            value = self.ids.get(f"{prefix} {before} {name}") or self.ids.get(f"{prefix} {name}")
            segments[i] = odd if odd is not None else (
                value if real and value else uuid.uuid4().hex)
        return "/".join(segments)

    def known(self, prefix: str, path: str) -> list[str]:
        """The parameters of `path` that have no real object behind them."""
        segments = path.split("/")
        missing = []
        for i, seg in enumerate(segments):
            m = PARAM.fullmatch(seg)
            if m and not (self.ids.get(f"{prefix} {segments[i - 1]} {m.group(1)}")
                          or self.ids.get(f"{prefix} {m.group(1)}")):
                missing.append(m.group(1))
        return missing


def _shifted(value: Any) -> list[Any]:
    """Values of another JSON type than `value` (and numbers no column holds)."""
    if isinstance(value, bool):
        return ["maybe", 2]
    if isinstance(value, (int, float)):
        return ["x", 2**64, -1]
    if isinstance(value, str):
        return [12345, ["x"], 2**64]
    if isinstance(value, list):
        return ["x", [{"a": [1]}], {"a": 1}]
    if isinstance(value, dict):
        return ["x", [], {"\u00e9": [[]]}]
    return [[], {"x": 1}]


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """The paths to every member of `value` (dict keys and list indices), to depth 4."""
    if len(path) >= 4:
        return
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for k, v in items:
        yield (*path, k)
        yield from _leaves(v, (*path, k))


def _replace(value: Any, path: tuple, new: Any) -> Any:
    copy = json.loads(json.dumps(value))
    node = copy
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = new
    return copy


TYPE_BODIES: list[bytes] = [b"[]", b'"x"', b"1", b"null", b"true", b"{}", b"-1.5", b"[{}]",
                            b'{"": null}']


def bodies(template: Any) -> Iterator[tuple[str, bytes]]:
    """Wrong-typed bodies: whole bodies, then each member of a valid one shifted in turn."""
    for raw in TYPE_BODIES:
        yield raw.decode(), raw
    if template is None:
        return
    if isinstance(template, dict) and len(template) == 1:
        (root, _), = template.items()
        for v in ([], "x", 1, None, True, {}, {"\u00e9": {"x": []}}):
            yield f"{root}={json.dumps(v)}", json.dumps({root: v}).encode()
    seen: set[str] = set()
    for path in _leaves(template):
        old = template
        for k in path:
            old = old[k]
        for new in _shifted(old):
            body = json.dumps(_replace(template, path, new))
            if body not in seen:
                seen.add(body)
                where = "/".join(str(p) for p in path)
                yield f"{where}={json.dumps(new)[:30]}", body.encode()


def method_routes(services: list[Service], methods: tuple[str, ...]) -> Iterator[tuple]:
    for s in services:
        for r in s.routes:
            if r.method in methods:
                yield s.prefix, r


def admin_login(client: TestClient, user: str, password: str, project: str) -> str:
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}
    r = client.post("/identity/v3/auth/tokens", json={"auth": auth})
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"]


__all__ = ["ADMIN_PASSWORD", "DEMO_PASSWORD"]
