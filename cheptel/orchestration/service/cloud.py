"""How a stack's resources reach the other services: their own routes, called in-process.

Heat calls each service's API with the user's token; cheptel calls the same routes'
handlers in the engine's transaction, with the stack owner's credentials (no token to
expire mid-stack). Each call takes the route's path: the service's negotiate hook, its
policy table (or the deferred handler's own check), its validation, its visibility
checks, its views; nothing of theirs is bypassed, and a project never reaches another's
resources. Their after-commit hooks (reconciler kicks, the network's on_write) are
collected and run once the engine's transaction has committed.

`Cloud` is the interface the resource types see; InProcess is the one implementation
(the unit tests run it over the fake container engine, as the other services' tests do).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path

from cheptel.errors import MethodNotAllowed, NotFound
from cheptel.policy import Creds, PolicyTable
from cheptel.web import Ctx, Reply, Route

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.service import Service


class Cloud(Protocol):
    """The other services' APIs, as the stack's owner (errors of cheptel.errors)."""

    @property
    def project_id(self) -> str: ...

    def call(self, service: str, method: str, path: str, body: Any = None,
             query: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        """The answer's body (None for 204); raises the route's CheptelError. `headers`:
        the request's own (Swift's metadata and ACLs)."""

    def call_headers(self, service: str, method: str, path: str,
                     query: dict[str, str] | None = None) -> dict[str, str]:
        """The answer's headers (Swift's container counters), names lower-case."""


@dataclass(frozen=True)
class _Table:
    service: Service
    policies: PolicyTable
    routes: list[tuple[re.Pattern[str], Route]]


@cache
def _table(service_type: str) -> _Table:
    from cheptel.services import SERVICES  # the list names this service too

    for s in SERVICES:
        if s.type == service_type:
            return _Table(s, PolicyTable(s.policies),
                          [(compile_path(r.path)[0], r) for r in s.routes])
    raise LookupError(f"no service of type {service_type}")


def _match(table: _Table, method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    for pattern, route in table.routes:
        m = pattern.match(path)
        if m:
            if route.method == method:
                return route, m.groupdict()
            allowed = True
    if allowed:
        raise MethodNotAllowed()
    raise NotFound(f"Could not find {path}.")


@dataclass
class InProcess:
    deps: Deps
    db: Session
    creds: Creds
    # hooks to run after the engine's transaction commits
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def project_id(self) -> str:
        return self.creds.project_id or ""

    def call(self, service: str, method: str, path: str, body: Any = None,
             query: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        result = self._answer(service, method, path, body, query, headers)
        if isinstance(result, Reply):
            result = result.body
        if isinstance(result, Response):
            return json.loads(bytes(result.body)) if result.body else None
        return result

    def call_headers(self, service: str, method: str, path: str,
                     query: dict[str, str] | None = None) -> dict[str, str]:
        result = self._answer(service, method, path, None, query, None)
        found = result.headers if isinstance(result, (Reply, Response)) else {}
        return {k.lower(): v for k, v in (found or {}).items()}

    def _answer(self, service: str, method: str, path: str, body: Any,
                query: dict[str, str] | None, headers: dict[str, str] | None) -> Any:
        table = _table(service)
        route, params = _match(table, method, path)
        raw = json.dumps(body).encode() if body is not None else b""
        extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {"type": "http", "method": method, "path": table.service.prefix + path,
                 "root_path": "", "query_string": urlencode(query or {}).encode(),
                 "headers": [(b"content-type", b"application/json"),
                             (b"content-length", str(len(raw)).encode()), *extra],
                 "server": ("127.0.0.1", 80), "scheme": "http", "path_params": params}
        request = Request(scope)
        version = None
        if table.service.negotiate is not None:
            version, _ = table.service.negotiate(request)
        if not route.deferred:
            table.policies.enforce(route.policy, self.creds, params)
        query_multi: dict[str, list[str]] = {}
        for k, v in (query or {}).items():
            query_multi.setdefault(k, []).append(v)
        ctx = Ctx(request=request, db=self.db, deps=self.deps, policies=table.policies,
                  creds=self.creds, body=body, params=params, query=dict(query or {}),
                  query_multi=query_multi, policy_name=route.policy,
                  enforced=not route.deferred, version=version)
        result = route.handler(ctx)
        if not ctx.enforced:
            raise RuntimeError(f"{route.method} {route.path} never enforced its policy")
        self.after_commit.extend(ctx.after_commit)
        on_write = table.service.on_write
        if on_write is not None and method in ("POST", "PUT", "PATCH", "DELETE"):
            deps = self.deps
            self.after_commit.append(lambda: on_write(deps))
        return result
