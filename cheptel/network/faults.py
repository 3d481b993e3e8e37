"""Neutron's fault body: {"NeutronError": {"type", "message", "detail"}}.

The type is the error's `neutron_type` (see cheptel.network.errors), else the name WebOb
gives its HTTP class; a 401 comes from keystonemiddleware in front of Neutron: Keystone's
JSON error.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from cheptel.errors import CheptelError

# what WebOb names the HTTP errors Neutron raises without a type of its own
HTTP_TYPES = {400: "HTTPBadRequest", 403: "PolicyNotAuthorized", 404: "HTTPNotFound",
              405: "HTTPMethodNotAllowed", 406: "HTTPNotAcceptable", 409: "HTTPConflict",
              413: "HTTPRequestEntityTooLarge", 415: "HTTPUnsupportedMediaType",
              501: "HTTPNotImplemented", 503: "HTTPServiceUnavailable"}
INTERNAL = "Request Failed: internal server error while processing your request."


def render_fault(exc: CheptelError) -> Response:
    """{"NeutronError": {"type", "message", "detail"}}; a 401 is keystonemiddleware's."""
    headers = dict(exc.headers)
    if exc.code == 401:
        headers.setdefault("WWW-Authenticate", "Keystone")
        doc: dict[str, dict[str, object]] = {
            "error": {"code": 401, "title": "Unauthorized", "message": exc.message}}
    else:
        kind = getattr(exc, "neutron_type", None) or HTTP_TYPES.get(
            exc.code, "HTTPInternalServerError")
        message = exc.message if exc.code != 500 else INTERNAL
        doc = {"NeutronError": {"type": kind, "message": message, "detail": ""}}
    return Response(json.dumps(doc), status_code=exc.code, headers=headers,
                    media_type="application/json")
