"""Placement's error body (placement/util.py json_error_formatter):
{"errors": [{"status", "title", "detail", "request_id"}]}; a 401 comes from
keystonemiddleware in front of it: Keystone's {"error": {"code", "title", "message"}}."""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse, Response

from cheptel.errors import CheptelError


def render_fault(exc: CheptelError) -> Response:
    if exc.code == 401:
        return JSONResponse({"error": {"code": 401, "title": "Unauthorized",
                                       "message": exc.message}},
                            status_code=401, headers=exc.headers)
    return JSONResponse({"errors": [{"status": exc.code, "title": exc.title,
                                     "detail": exc.message,
                                     "request_id": f"req-{uuid.uuid4()}"}]},
                        status_code=exc.code, headers=exc.headers)
