"""One exception tree for every service; each service renders its own fault body.

    CheptelError (code 500, "Internal Server Error")
     ├── BadRequest          400
     │    └── ValidationError    400  (a field of the request body)
     ├── Unauthorized        401
     ├── Forbidden           403
     ├── NotFound            404
     ├── MethodNotAllowed    405
     ├── NotAcceptable       406
     ├── Conflict            409
     ├── Gone                410
     ├── PayloadTooLarge     413
     ├── UnsupportedMediaType 415
     ├── NotImplementedYet   501
     └── ServiceUnavailable  503

Raise them anywhere below the handlers; the route wrapper (cheptel.web) turns them into
the service's own OpenStack fault format. Anything else becomes a 500 with no details.
Before rendering, the wrapper sets `request` on the error (a renderer may negotiate the
media type, as Glance does).
"""

from __future__ import annotations

from typing import Any


class CheptelError(Exception):
    code = 500
    title = "Internal Server Error"
    request: Any = None  # the starlette Request being answered, set by cheptel.web

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message or self.title)
        self.message = message or self.default_message()
        self.headers = headers or {}

    def default_message(self) -> str:
        return "An unexpected error prevented the server from fulfilling your request."


class BadRequest(CheptelError):
    code = 400
    title = "Bad Request"

    def default_message(self) -> str:
        return "The request could not be understood."


class ValidationError(BadRequest):
    def __init__(self, field: str | None, detail: str):
        where = f" for field '{field}'" if field else ""
        super().__init__(f"Invalid input{where}: {detail}")


class Unauthorized(CheptelError):
    code = 401
    title = "Unauthorized"

    def default_message(self) -> str:
        return "The request you have made requires authentication."


class Forbidden(CheptelError):
    code = 403
    title = "Forbidden"

    def default_message(self) -> str:
        return "You are not authorized to perform the requested action."


class NotFound(CheptelError):
    code = 404
    title = "Not Found"

    def default_message(self) -> str:
        return "The resource could not be found."


class MethodNotAllowed(CheptelError):
    code = 405
    title = "Method Not Allowed"

    def default_message(self) -> str:
        return "The method is not allowed for the requested URL."


class NotAcceptable(CheptelError):
    code = 406
    title = "Not Acceptable"


class Conflict(CheptelError):
    code = 409
    title = "Conflict"

    def default_message(self) -> str:
        return "Conflict occurred attempting to store the resource."


class Gone(CheptelError):
    code = 410
    title = "Gone"


class PayloadTooLarge(CheptelError):
    code = 413
    title = "Request Entity Too Large"

    def default_message(self) -> str:
        return "Request is too large."


class UnsupportedMediaType(CheptelError):
    code = 415
    title = "Unsupported Media Type"


class NotImplementedYet(CheptelError):
    code = 501
    title = "Not Implemented"

    def default_message(self) -> str:
        return "The action you have requested has not been implemented."


class ServiceUnavailable(CheptelError):
    code = 503
    title = "Service Unavailable"
