"""Swift's error bodies (swift/common/swob.py): HTML for the standard explanation,
text/plain when the error carries its own message (swift/common/constraints.py's 400s:
"Container name length of 300 longer than 256").

    <html><h1>Not Found</h1><p>The resource could not be found.</p></html>

swob answers a 401 with `Www-Authenticate`; a HEAD carries no body (cheptel.web).
"""

from __future__ import annotations

from starlette.responses import Response

from cheptel.errors import CheptelError

REASONS: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "The server could not comply with the request since it is either "
          "malformed or otherwise incorrect."),
    401: ("Unauthorized", "This server could not verify that you are authorized to access "
          "the document you requested."),
    403: ("Forbidden", "Access was denied to this resource."),
    404: ("Not Found", "The resource could not be found."),
    405: ("Method Not Allowed", "The method is not allowed for this resource."),
    406: ("Not Acceptable", "The resource is not available in a format acceptable to your "
          "browser."),
    409: ("Conflict", "There was a conflict when trying to complete your request."),
    410: ("Gone", "This resource is no longer available."),
    411: ("Length Required", "Content-Length header required."),
    412: ("Precondition Failed", "A precondition for this request was not met."),
    413: ("Request Entity Too Large", "The body of your request was too large for this "
          "server."),
    415: ("Unsupported Media Type", "The request media type is not supported by this "
          "server."),
    416: ("Requested Range Not Satisfiable", "The Range requested is not available."),
    422: ("Unprocessable Entity", "Unable to process the contained instructions"),
    500: ("Internal Error", "The server has either erred or is incapable of performing the "
          "requested operation."),
    501: ("Not Implemented", "The requested method is not implemented by this server."),
    503: ("Service Unavailable", "The server is currently unavailable. Please try again at a "
          "later time."),
}

# the statuses whose body says why (constraints, temp URLs and forms, quotas, SLO
# manifests); others are swob's
WORDED = (400, 401, 413, 422)
# the messages of cheptel.errors' defaults: they mean "no message of its own"
_DEFAULTS = {cls().message for cls in CheptelError.__subclasses__()} | {CheptelError().message}


def standard_body(code: int) -> str:
    title, explanation = REASONS.get(code, REASONS[500])
    return f"<html><h1>{title}</h1><p>{explanation}</p></html>"


def render_fault(exc: CheptelError) -> Response:
    headers = dict(exc.headers)
    if exc.code == 401:
        headers.setdefault("Www-Authenticate", 'Swift realm="unknown"')
    if exc.code not in WORDED or exc.message in _DEFAULTS:
        return Response(standard_body(exc.code), status_code=exc.code, headers=headers,
                        media_type="text/html; charset=UTF-8")
    return Response(exc.message, status_code=exc.code, headers=headers,
                    media_type="text/plain; charset=UTF-8")
