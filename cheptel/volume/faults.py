"""Cinder's fault body (cinder/api/openstack/wsgi.py Fault): {"<name>": {"code", "message"}}."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from cheptel.errors import CheptelError

FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
               405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest",
               413: "overLimit", 415: "badMediaType", 501: "notImplemented",
               503: "serviceUnavailable"}


def render_fault(exc: CheptelError) -> Response:
    name = FAULT_NAMES.get(exc.code, "computeFault")  # Cinder's default name, too
    return JSONResponse({name: {"code": exc.code, "message": exc.message}},
                        status_code=exc.code, headers=exc.headers)
