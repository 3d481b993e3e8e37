"""The glue between Starlette and the services: one route wrapper for every handler.

A service declares `Route(method, path, handler, policy)` rows and hands them with its
policy table to build_service_app, which refuses a route naming a policy the table lacks.
Every route takes one path, endpoint(): negotiate, check the media type, read and check
the body (size, JSON without NaN or infinite numbers, depth, NUL bytes), then _run() in
one database transaction: authenticate the token, enforce the policy, call the handler;
then render its result. Errors of the cheptel.errors tree are rendered by the service's
own fault renderer.

A route with `stream=Stream(...)` takes raw data instead of JSON (image uploads): the same
_run() steps, with a begin step before the body is spooled and an abort step if it fails
(see Stream). A route with `content_types` refuses other request media types with a 415.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from cheptel.errors import (
    BadRequest,
    CheptelError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from cheptel.policy import Creds, PolicyTable
from cheptel.spool import CHUNK, Spooled, SpoolWriter, spool_directory

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.config import Settings
    from cheptel.service import Service

log = logging.getLogger("cheptel.web")

FaultRenderer = Callable[[CheptelError], Response]
# A service's per-request hook (e.g. Nova microversions): -> (value for ctx.version, headers
# to add to every response of that request, errors included). May raise a CheptelError.
Negotiator = Callable[[Request], tuple[Any, dict[str, str]]]


@dataclass
class Ctx:
    """What a handler gets: the parsed request, the caller and the app's dependencies."""

    request: Request
    db: Session
    deps: Deps
    policies: PolicyTable  # the service's table, handed to build_service_app
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
        self.policies.enforce(self.policy_name, self.creds, {**self.params, **target})
        self.enforced = True

    def require(self, policy_name: str, target: dict[str, object]) -> None:
        """Enforce another policy of the service's table (an attribute, an option)."""
        self.policies.enforce(policy_name, self.creds, target)

    def allowed(self, policy_name: str, target: dict[str, object]) -> bool:
        return self.policies.allowed(policy_name, self.creds, target)

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
class Route:
    method: str
    path: str
    handler: Handler
    policy: str
    status: int = 200
    deferred: bool = False  # the handler loads the target, then calls ctx.enforce()
    stream: Stream | None = None  # the body is data, spooled to disk (see Stream)
    content_types: tuple[str, ...] = ()  # if set, any other request media type is a 415


@dataclass(frozen=True)
class Stream:
    """A route whose body is data, not JSON: spooled to a temp file, never held in memory.

    Three steps, each in its own transaction, so that no database lock is held while the
    bytes arrive: (1) authenticate, enforce the policy, then `begin(ctx)` checks the
    target and marks it busy (a deferred route calls ctx.enforce() there); (2) the body is
    spooled under DATA_DIR/tmp, its size checked against `cap(settings)` as it comes, md5
    and sha512 computed on the fly; (3) the route's handler runs with ctx.body = Spooled
    (it moves the file into place). If the body is cut short or too large, or step 3
    fails, `abort(ctx)` runs (same caller, ctx.body None) and the temp file is deleted.
    """

    cap: Callable[[Settings], int]
    begin: Handler
    abort: Handler


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


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e999: no service can store or render it
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


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
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant,
                           parse_float=_finite)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Malformed request body: {exc}") from None
    except RecursionError:
        raise BadRequest(f"JSON body is nested deeper than {max_depth} levels.") from None
    _check_json(value, max_depth)
    return value


def _media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def _check_media(route: Route, request: Request) -> None:
    if route.content_types and _media_type(request) not in route.content_types:
        allowed = ", ".join(route.content_types)
        headers = {"Accept-Patch": allowed} if request.method == "PATCH" else None
        raise UnsupportedMediaType(
            f"The request media type {_media_type(request) or None} is not supported by "
            f"this server. Expected one of: {allowed}.", headers=headers)


def _fault(render_fault: FaultRenderer, exc: CheptelError, request: Request) -> Response:
    exc.request = request
    return render_fault(exc)


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


def _run(route: Route, deps: Deps, policies: PolicyTable, request: Request,
         version: Any, extra: dict[str, str], handler: Handler, *, first: bool,
         creds: Creds | None, body: Any) -> tuple[Creds | None, Any, dict[str, str]]:
    """One step of a request in one transaction: on the first step, authenticate and
    enforce the route's policy (or leave it to a deferred handler); then call `handler`
    and run its after-commit hooks. -> (the caller, the result, the headers to send)."""
    params = dict(request.path_params)
    if first:
        _check_text(params.values(), "URL")
        _check_text(request.query_params.values(), "query string")
    query_multi: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        query_multi.setdefault(k, []).append(v)
    with deps.sessions() as db, db.begin():
        if first:
            token = request.headers.get("x-auth-token")
            creds = deps.authenticate(db, token) if token else None
            if route.deferred:
                if creds is None:
                    raise Unauthorized()
            else:
                policies.enforce(route.policy, creds, params)
        ctx = Ctx(request=request, db=db, deps=deps, policies=policies, creds=creds,
                  body=body, params=params, query=dict(request.query_params),
                  query_multi=query_multi, policy_name=route.policy,
                  enforced=not (first and route.deferred), version=version,
                  headers_out=dict(extra))
        result = handler(ctx)
        if not ctx.enforced:
            raise RuntimeError(f"{route.method} {route.path} never enforced its policy")
    for hook in ctx.after_commit:  # e.g. wake the reconciler once the intent is stored
        hook()
    return creds, result, ctx.headers_out


def _render(route: Route, request: Request, result: Any, headers: dict[str, str]) -> Response:
    status = route.status
    if isinstance(result, Reply):
        status, headers = result.status, {**headers, **result.headers}
        result = result.body
    if isinstance(result, Response):
        return _with_headers(result, headers)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    return json_response(result, status, headers)


class Step(Protocol):
    """_run() with the request's fixed parts bound: one transaction of the request."""

    def __call__(self, handler: Handler, *, first: bool, creds: Creds | None,
                 body: Any) -> tuple[Creds | None, Any, dict[str, str]]: ...


async def _streamed(route: Route, spec: Stream, settings: Settings, request: Request,
                    step: Step) -> tuple[Any, dict[str, str]]:
    """A `stream=` route's steps around the handler: begin, spool, handler (or abort)."""
    creds, begun, done, spooled = None, False, False, None
    try:
        creds, _, _ = await run_in_threadpool(step, spec.begin, first=True, creds=None,
                                              body=None)
        begun = True
        spooled = await spool_body(request, spool_directory(settings.data_dir),
                                   spec.cap(settings))
        _, result, headers = await run_in_threadpool(step, route.handler, first=False,
                                                     creds=creds, body=spooled)
        done = True
        return result, headers
    finally:  # before the answer leaves: a client told "failed" finds the target reset
        if begun and not done:
            try:
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(step, spec.abort, first=False, creds=creds,
                                            body=None)
            except Exception:
                log.exception("abort failed on %s %s", request.method, request.url.path)
        if spooled is not None:
            spooled.discard()


def endpoint(route: Route, deps: Deps, policies: PolicyTable, render_fault: FaultRenderer,
             negotiate: Negotiator | None = None) -> Callable[[Request], Awaitable[Response]]:
    """The one request path of every route: negotiate, check the media type, read the
    body (JSON, or spooled data for a `stream=` route), run the handler, render."""
    settings = deps.settings

    async def handle(request: Request) -> Response:
        extra: dict[str, str] = {}
        try:
            version = None
            if negotiate is not None:
                version, extra = negotiate(request)
            _check_media(route, request)
            step = partial(_run, route, deps, policies, request, version, extra)
            if route.stream is not None:
                result, headers = await _streamed(route, route.stream, settings, request, step)
            else:
                body = None
                if request.method in ("POST", "PUT", "PATCH"):
                    body = await read_json(request, settings.max_body_bytes,
                                           settings.max_json_depth)
                _, result, headers = await run_in_threadpool(step, route.handler, first=True,
                                                              creds=None, body=body)
            return _render(route, request, result, headers)
        except CheptelError as exc:
            return _with_headers(_fault(render_fault, exc, request), extra)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return _with_headers(_fault(render_fault, CheptelError(), request), extra)

    return handle


def _with_headers(response: Response, headers: dict[str, str]) -> Response:
    for k, v in headers.items():
        response.headers[k] = v
    return response


async def spool_body(request: Request, directory: Path, cap: int) -> Spooled:
    """Write the request body to a new file in `directory`, at most `cap` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge(f"The incoming data is larger than the limit of {cap} bytes.")
    writer = await run_in_threadpool(SpoolWriter, directory, cap)
    try:
        pending: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            pending.append(chunk)
            size += len(chunk)
            if size >= CHUNK:  # hash and write in a worker thread, a megabyte at a time
                await run_in_threadpool(writer.write, b"".join(pending))
                pending, size = [], 0
        if pending:
            await run_in_threadpool(writer.write, b"".join(pending))
        return await run_in_threadpool(writer.finish)
    except ClientDisconnect:
        writer.discard()
        raise BadRequest("The request body was cut short.") from None
    except BaseException:
        writer.discard()
        raise


def _notifying(route: Route, on_write: Callable[[Deps], None]) -> Route:
    def handler(ctx: Ctx) -> Any:
        result = route.handler(ctx)
        ctx.after_commit.append(lambda: on_write(ctx.deps))
        return result
    return replace(route, handler=handler)


def _counted(handle: Callable[[Request], Awaitable[Response]], deps: Deps, service: str,
             route: Route) -> Callable[[Request], Awaitable[Response]]:
    """Count and time each answer of the route (cheptel.metrics.registry)."""
    requests, latency = deps.metrics.requests, deps.metrics.latency
    path = route.path

    async def counted(request: Request) -> Response:
        started = time.perf_counter()
        response = await handle(request)
        latency.labels(service, request.method, path).observe(time.perf_counter() - started)
        requests.labels(service, request.method, path, str(response.status_code)).inc()
        return response
    return counted


def _by_method(handlers: dict[str, Callable[[Request], Awaitable[Response]]]
               ) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        return await handlers[request.method](request)
    return handle


def check_policies(routes: Iterable[Route], policies: PolicyTable) -> None:
    """Refuse to build a service whose route names a policy its table lacks."""
    missing = sorted({f"{r.method} {r.path}: {r.policy}" for r in routes
                      if r.policy not in policies})
    if missing:
        raise ValueError("routes name policies missing from the table: " + "; ".join(missing))


def build_service_app(service: Service, deps: Deps) -> Starlette:
    """A Starlette app for one service: routes wrapped, policies checked against the
    service's table, faults in the service's format."""
    policies = PolicyTable(service.policies)
    check_policies(service.routes, policies)
    routes = service.routes
    if service.on_write is not None:
        on_write = service.on_write
        routes = [_notifying(r, on_write) if r.method in ("POST", "PUT", "PATCH", "DELETE")
                  else r for r in routes]
    render_fault = service.render_fault
    by_path: dict[str, list[Route]] = {}
    for r in routes:
        by_path.setdefault(r.path, []).append(r)
    starlette_routes = []
    for path, group in by_path.items():  # one route a path: a request tries fewer patterns
        handlers: dict[str, Callable[[Request], Awaitable[Response]]] = {}
        for r in group:  # the first route of a method wins; a GET answers HEAD too
            handle = _counted(endpoint(r, deps, policies, render_fault, service.negotiate),
                              deps, service.type, r)
            for method in (r.method, "HEAD") if r.method == "GET" else (r.method,):
                handlers.setdefault(method, handle)
        starlette_routes.append(StarletteRoute(path, _by_method(handlers), methods=handlers))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return _fault(render_fault, MethodNotAllowed(), request)
        if exc.status_code == 404:
            return _fault(render_fault, NotFound(f"Could not find {request.url.path}."), request)
        return _fault(render_fault, CheptelError(), request)

    app = Starlette(routes=starlette_routes, exception_handlers={HTTPException: http_error})
    app.router.redirect_slashes = service.redirect_slashes
    app.state.policies = policies
    return app
