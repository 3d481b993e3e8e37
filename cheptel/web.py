"""The glue between Starlette and the services: one route wrapper for every handler.

A service declares `Route(method, path, handler, policy)` rows. The wrapper reads and
checks the body (size, JSON without NaN or infinite numbers, depth, NUL bytes), opens one
database transaction, authenticates the token, enforces the policy, calls the handler and
renders its result.
Errors of the cheptel.errors tree are rendered by the service's own fault renderer.

A route with `stream=Stream(...)` takes raw data instead of JSON (image uploads): see
Stream. A route with `content_types` refuses other request media types with a 415.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
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
    UnsupportedMediaType,
)
from cheptel.policy import Creds
from cheptel.spool import CHUNK, Spooled, SpoolWriter, spool_directory

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
    # called with the app's deps after every successful write (POST/PUT/PATCH/DELETE) has
    # committed: how the network service wakes the dataplane
    on_write: Callable[[Any], None] | None = None
    # False: a path with a trailing slash it does not declare is a 404, never a redirect to
    # the path without it (Glance's router has no such aliases)
    redirect_slashes: bool = True


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

    cap: Callable[[Any], int]
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


def endpoint(route: Route, deps: Any, render_fault: FaultRenderer,
             negotiate: Negotiator | None = None) -> Callable:
    if route.stream is not None:
        return stream_endpoint(route, deps, render_fault, negotiate)
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
            _check_media(route, request)
            body = None
            if request.method in ("POST", "PUT", "PATCH"):
                body = await read_json(request, settings.max_body_bytes, settings.max_json_depth)
            return await run_in_threadpool(run, request, body, version, extra)
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


def stream_endpoint(route: Route, deps: Any, render_fault: FaultRenderer,
                    negotiate: Negotiator | None = None) -> Callable:
    """The wrapper of a `stream=` route: begin, spool, handler (or abort); see Stream."""
    spec = route.stream
    assert spec is not None

    def step(request: Request, handler: Handler, first: bool, creds: Creds | None,
             body: Any, version: Any, extra: dict[str, str]) -> tuple[Any, Any, dict]:
        params = dict(request.path_params)
        query_multi: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            query_multi.setdefault(k, []).append(v)
        with deps.sessions() as db, db.begin():
            if first:
                _check_text(params.values(), "URL")
                _check_text(request.query_params.values(), "query string")
                token = request.headers.get("x-auth-token")
                creds = deps.authenticate(db, token) if token else None
                if route.deferred:
                    if creds is None:
                        raise Unauthorized()
                else:
                    policy.enforce(route.policy, creds, params)
            ctx = Ctx(request=request, db=db, deps=deps, creds=creds, body=body, params=params,
                      query=dict(request.query_params), query_multi=query_multi,
                      policy_name=route.policy, enforced=not (first and route.deferred),
                      version=version, headers_out=dict(extra))
            result = handler(ctx)
            if not ctx.enforced:
                raise RuntimeError(f"{route.method} {route.path} never enforced its policy")
        for hook in ctx.after_commit:
            hook()
        return creds, result, ctx.headers_out

    async def abort(request: Request, creds: Creds | None, version: Any,
                    extra: dict[str, str]) -> None:
        try:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(step, request, spec.abort, False, creds, None,
                                        version, extra)
        except Exception:
            log.exception("abort failed on %s %s", request.method, request.url.path)

    async def handle(request: Request) -> Response:
        extra: dict[str, str] = {}
        creds, begun, done, spooled = None, False, False, None
        try:
            version = None
            if negotiate is not None:
                version, extra = negotiate(request)
            _check_media(route, request)
            creds, _, _ = await run_in_threadpool(step, request, spec.begin, True, None, None,
                                                  version, extra)
            begun = True
            spooled = await spool_body(request, spool_directory(deps.settings.data_dir),
                                       spec.cap(deps.settings))
            _, result, headers = await run_in_threadpool(step, request, route.handler, False,
                                                         creds, spooled, version, extra)
            done = True
            status = route.status
            if isinstance(result, Reply):
                status, headers = result.status, {**headers, **result.headers}
                result = result.body
            return json_response(result, status, headers)
        except CheptelError as exc:
            return _with_headers(_fault(render_fault, exc, request), extra)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return _with_headers(_fault(render_fault, CheptelError(), request), extra)
        finally:  # before the answer leaves: a client told "failed" finds the target reset
            if begun and not done:
                await abort(request, creds, version, extra)
            if spooled is not None:
                spooled.discard()

    return handle


def _notifying(route: Route, on_write: Callable[[Any], None]) -> Route:
    def handler(ctx: Ctx) -> Any:
        result = route.handler(ctx)
        ctx.after_commit.append(lambda: on_write(ctx.deps))
        return result
    return replace(route, handler=handler)


def build_service_app(routes: list[Route], deps: Any, render_fault: FaultRenderer,
                      negotiate: Negotiator | None = None,
                      on_write: Callable[[Any], None] | None = None,
                      redirect_slashes: bool = True) -> Starlette:
    """A Starlette app for one service: routes wrapped, faults in the service's format."""
    if on_write is not None:
        routes = [_notifying(r, on_write) if r.method in ("POST", "PUT", "PATCH", "DELETE")
                  else r for r in routes]
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
            return _fault(render_fault, MethodNotAllowed(), request)
        if exc.status_code == 404:
            return _fault(render_fault, NotFound(f"Could not find {request.url.path}."), request)
        return _fault(render_fault, CheptelError(), request)

    app = Starlette(routes=starlette_routes, exception_handlers={HTTPException: http_error})
    app.router.redirect_slashes = redirect_slashes
    app.state.routes_table = routes
    return app
