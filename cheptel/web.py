"""The glue between Starlette and the services: one route wrapper for every handler.

A service declares `Route(method, path, handler, policy)` rows. The wrapper reads and
checks the body (size, JSON, depth, NUL bytes), opens one database transaction,
authenticates the token, enforces the policy, calls the handler and renders its result.
Errors of the cheptel.errors tree are rendered by the service's own fault renderer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from cheptel import policy
from cheptel.errors import (
    BadRequest,
    CheptelError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from cheptel.policy import Creds

log = logging.getLogger("cheptel.web")

FaultRenderer = Callable[[CheptelError], Response]
Authenticator = Callable[[Session, str], Creds]
# A service's per-request hook (e.g. Nova microversions): -> (value for ctx.version, headers
# to add to every response of that request, errors included). May raise a CheptelError.
Negotiator = Callable[[Request], tuple[Any, dict[str, str]]]


@dataclass
class Ctx:
    """What a handler gets: the parsed request, the caller and the app's dependencies."""

    request: Request
    db: Session
    deps: Any  # cheptel.app.Deps
    creds: Creds | None
    body: Any
    params: dict[str, str]
    query: dict[str, str]
    query_multi: dict[str, list[str]]
    policy_name: str
    headers_out: dict[str, str] = field(default_factory=dict)
    enforced: bool = False
    version: Any = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def enforce(self, target: dict[str, object]) -> None:
        """Check the route's policy against a target the handler loaded (deferred routes)."""
        policy.enforce(self.policy_name, self.creds, {**self.params, **target})
        self.enforced = True

    @property
    def now(self) -> float:
        return self.deps.clock()

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    @property
    def base_url(self) -> str:
        return self.deps.settings.base_url


Handler = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Service:
    """One line of app.SERVICES: where a service lives and how it speaks."""

    prefix: str  # URL prefix, e.g. "/identity"
    routes: list[Route]
    render_fault: FaultRenderer
    registration: Any  # cheptel.identity.service.catalog.Registration
    negotiate: Negotiator | None = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    policy: str
    status: int = 200
    deferred: bool = False  # the handler loads the target, then calls ctx.enforce()


class Reply:
    """A handler result with a status or headers other than the route's defaults."""

    def __init__(self, body: Any = None, status: int = 200, headers: dict[str, str] | None = None):
        self.body, self.status, self.headers = body, status, headers or {}


def _check_string(s: str, what: str) -> None:
    if "\x00" in s:
        raise BadRequest(f"{what} in the request body must not contain NUL bytes.")
    if not s.isascii():
        try:  # JSON's \ud800 escapes decode to lone surrogates, which no database stores
            s.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(f"{what} in the request body must be valid Unicode.") from None


def _check_json(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise BadRequest(f"JSON body is nested deeper than {max_depth} levels.")
        if isinstance(item, str):
            _check_string(item, "Strings")
        elif isinstance(item, dict):
            for k, v in item.items():
                _check_string(k, "Keys")
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


async def read_json(request: Request, max_bytes: int, max_depth: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Malformed request body: {exc}") from None
    except RecursionError:
        raise BadRequest(f"JSON body is nested deeper than {max_depth} levels.") from None
    _check_json(value, max_depth)
    return value


def _check_text(values: Iterable[str], what: str) -> None:
    for v in values:
        if "\x00" in v:
            raise BadRequest(f"The {what} must not contain NUL bytes.")
        if len(v) > 4096:
            raise BadRequest(f"A {what} value is longer than 4096 characters.")


def json_response(body: Any, status: int, headers: dict[str, str]) -> Response:
    if body is None or status == 204:
        return Response(status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def endpoint(route: Route, deps: Any, render_fault: FaultRenderer,
             negotiate: Negotiator | None = None) -> Callable:
    settings = deps.settings

    def run(request: Request, body: Any, version: Any, extra: dict[str, str]) -> Response:
        params = dict(request.path_params)
        _check_text(params.values(), "URL")
        _check_text(request.query_params.values(), "query string")
        query_multi: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            query_multi.setdefault(k, []).append(v)
        with deps.sessions() as db, db.begin():
            token = request.headers.get("x-auth-token")
            creds = deps.authenticate(db, token) if token else None
            if route.deferred:
                if creds is None:
                    raise Unauthorized()
            else:
                policy.enforce(route.policy, creds, params)
            ctx = Ctx(
                request=request,
                db=db,
                deps=deps,
                creds=creds,
                body=body,
                params=params,
                query=dict(request.query_params),
                query_multi=query_multi,
                policy_name=route.policy,
                enforced=not route.deferred,
                version=version,
                headers_out=dict(extra),
            )
            result = route.handler(ctx)
            if not ctx.enforced:
                raise RuntimeError(f"{route.method} {route.path} never enforced its policy")
        for hook in ctx.after_commit:  # e.g. wake the reconciler once the intent is stored
            hook()
        status, headers = route.status, ctx.headers_out
        if isinstance(result, Reply):
            status, headers = result.status, {**headers, **result.headers}
            result = result.body
        if isinstance(result, Response):
            return _with_headers(result, headers)
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers)
        return json_response(result, status, headers)

    async def handle(request: Request) -> Response:
        extra: dict[str, str] = {}
        try:
            version = None
            if negotiate is not None:
                version, extra = negotiate(request)
            body = None
            if request.method in ("POST", "PUT", "PATCH"):
                body = await read_json(request, settings.max_body_bytes, settings.max_json_depth)
            return await run_in_threadpool(run, request, body, version, extra)
        except CheptelError as exc:
            return _with_headers(render_fault(exc), extra)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return _with_headers(render_fault(CheptelError()), extra)

    return handle


def _with_headers(response: Response, headers: dict[str, str]) -> Response:
    for k, v in headers.items():
        response.headers[k] = v
    return response


def build_service_app(routes: list[Route], deps: Any, render_fault: FaultRenderer,
                      negotiate: Negotiator | None = None) -> Starlette:
    """A Starlette app for one service: routes wrapped, faults in the service's format."""
    by_path: dict[str, list[Route]] = {}
    for r in routes:
        by_path.setdefault(r.path, []).append(r)
    starlette_routes = []
    for path, group in by_path.items():
        for r in group:
            starlette_routes.append(
                StarletteRoute(path, endpoint(r, deps, render_fault, negotiate),
                               methods=[r.method])
            )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return render_fault(MethodNotAllowed())
        if exc.status_code == 404:
            return render_fault(NotFound(f"Could not find {request.url.path}."))
        return render_fault(CheptelError())

    app = Starlette(routes=starlette_routes, exception_handlers={HTTPException: http_error})
    app.state.routes_table = routes
    return app
