"""Glance's error bodies: WebOb's, in the media type the client's Accept header prefers.

Glance raises webob.exc.HTTP* errors, and WebOb picks the body from the request's
Accept header, trying text/html then application/json (on a tie, HTML wins, so the
`Accept: */*` of most clients gets HTML); with no acceptable type it answers text/plain:

    application/json  {"message": "<explanation><br /><br />\\n\\n\\n", "code": "404 Not Found",
                       "title": "Not Found"}
    text/html         <html>...<h1>404 Not Found</h1> <explanation><br /><br /> ...</html>
    text/plain        404 Not Found\\n\\n<explanation>\\n\\n

openstacksdk reads the JSON `message`, or the HTML with its tags stripped. A 401 comes
from keystonemiddleware in front of Glance: Keystone's JSON error, always.
"""

from __future__ import annotations

import html
import json

from starlette.responses import Response

from cheptel.errors import CheptelError

OFFERS = ("text/html", "application/json")


def _quality(accept: str, offer: str) -> float:
    """The q the Accept header gives `offer` (the most specific matching range wins)."""
    best, best_rank = 0.0, -1
    kind = offer.split("/")[0]
    for item in accept.split(","):
        media, *params = [p.strip() for p in item.split(";")]
        media = media.lower()
        rank = {offer: 2, f"{kind}/*": 1, "*/*": 0}.get(media, -1)
        if rank <= best_rank:
            continue
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best, best_rank = q, rank
    return best


def media_type(accept: str | None) -> str:
    """WebOb's choice among HTML and JSON for this Accept header, else text/plain."""
    if not accept or not accept.strip():
        return "text/plain"
    scored = [(_quality(accept, o), -i, o) for i, o in enumerate(OFFERS)]
    q, _, offer = max(scored)
    return offer if q > 0 else "text/plain"


def _status(exc: CheptelError) -> str:
    return f"{exc.code} {exc.title}"


def body(exc: CheptelError, kind: str) -> str:
    message = exc.message
    if kind == "application/json":
        return json.dumps({"message": f"{message}<br /><br />\n\n\n", "code": _status(exc),
                           "title": exc.title})
    if kind == "text/html":
        return (f"<html>\n <head>\n  <title>{_status(exc)}</title>\n </head>\n <body>\n"
                f"  <h1>{_status(exc)}</h1>\n  {html.escape(message)}<br /><br />\n\n\n\n"
                f" </body>\n</html>")
    return f"{_status(exc)}\n\n{message.replace(chr(10), ' ')}\n\n   "


def render_fault(exc: CheptelError) -> Response:
    headers = dict(exc.headers)
    if exc.code == 401:
        headers.setdefault("WWW-Authenticate", "Keystone")
        doc = {"error": {"code": 401, "title": "Unauthorized", "message": exc.message}}
        return Response(json.dumps(doc), status_code=401, headers=headers,
                        media_type="application/json")
    accept = exc.request.headers.get("accept") if exc.request is not None else None
    kind = media_type(accept)
    charset = "; charset=UTF-8"
    return Response(body(exc, kind), status_code=exc.code, headers=headers,
                    media_type=kind + charset)
