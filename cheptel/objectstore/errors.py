"""Swift's statuses that cheptel.errors has no class for (raised like the others).

    CheptelError
     ├── LengthRequired        411  (a PUT with neither Content-Length nor chunked)
     ├── PreconditionFailed    412  (If-Match, If-None-Match, a temp URL's method...)
     ├── RangeNotSatisfiable   416  (carries Content-Range: bytes */<size>)
     └── Unprocessable         422  (the ETag given is not the body's MD5)
"""

from __future__ import annotations

from cheptel.errors import CheptelError


class LengthRequired(CheptelError):
    code = 411
    title = "Length Required"


class PreconditionFailed(CheptelError):
    code = 412
    title = "Precondition Failed"


class RangeNotSatisfiable(CheptelError):
    code = 416
    title = "Requested Range Not Satisfiable"


class Unprocessable(CheptelError):
    code = 422
    title = "Unprocessable Entity"
