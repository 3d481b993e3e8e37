"""GET /metrics: the Prometheus exposition of the app's registry, for a token with the
`admin` or `metrics` role (X-Auth-Token, or `Authorization: Bearer <token>` as
Prometheus's `authorization` scrape setting sends it); 401 without a valid token, 403
for any other role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cheptel.errors import CheptelError

if TYPE_CHECKING:
    from cheptel.app import Deps

ROLES = frozenset({"admin", "metrics"})


def _token(request: Request) -> str | None:
    token = request.headers.get("x-auth-token")
    auth = request.headers.get("authorization", "")
    if not token and auth[:7].lower() == "bearer ":
        token = auth[7:].strip()
    return token or None


def _fault(code: int, title: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "title": title, "message": message}},
                        status_code=code)


def metrics_endpoint(deps: Deps) -> Callable[[Request], Awaitable[Response]]:
    def scrape(token: str) -> tuple[bool, bytes]:
        with deps.sessions() as db:
            creds = deps.authenticate(db, token)
        if not creds.roles & ROLES:
            return False, b""
        return True, generate_latest(deps.metrics.registry)

    async def handle(request: Request) -> Response:
        token = _token(request)
        if token is None:
            return _fault(401, "Unauthorized",
                          "The request you have made requires authentication.")
        try:
            allowed, body = await run_in_threadpool(scrape, token)
        except CheptelError as exc:
            return _fault(exc.code, exc.title, exc.message)
        if not allowed:
            return _fault(403, "Forbidden", "Metrics are for the admin and metrics roles.")
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return handle
