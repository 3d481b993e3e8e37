"""Keystone's error body: {"error": {"code", "title", "message"}}."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from cheptel.errors import CheptelError


def render_fault(exc: CheptelError) -> Response:
    """Keystone's error body: {"error": {"code", "title", "message"}}."""
    headers = dict(exc.headers)
    if exc.code == 401:
        headers.setdefault("WWW-Authenticate", "Keystone")
    body = {"error": {"code": exc.code, "title": exc.title, "message": exc.message}}
    return JSONResponse(body, status_code=exc.code, headers=headers)
