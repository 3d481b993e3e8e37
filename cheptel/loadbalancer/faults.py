"""Octavia's fault body (wsme, octavia/api/root_controller.py): {"faultcode",
"faultstring", "debuginfo"}; python-octaviaclient and openstacksdk print `faultstring`.
"faultcode" is "Client" for a 4xx, "Server" otherwise."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from cheptel.errors import CheptelError, Conflict, Forbidden, NotFound

POLICY = "Policy does not allow this request to be performed."


def render_fault(exc: CheptelError) -> Response:
    message = exc.message
    if isinstance(exc, Forbidden) and message.startswith(Forbidden().message[:-1]):
        message = POLICY  # a refused policy: Octavia's PolicyForbidden
    body = {"faultcode": "Client" if exc.code < 500 else "Server",
            "faultstring": message, "debuginfo": None}
    return JSONResponse(body, status_code=exc.code, headers=exc.headers)


class NotImplementedFeature(CheptelError):
    """Octavia's ProviderUnsupportedOptionError / ProviderNotImplementedError: 501."""

    code = 501
    title = "Not Implemented"


def missing(resource: str, obj_id: str) -> NotFound:
    return NotFound(f"{resource} {obj_id} not found.")


def immutable(resource: str, obj_id: str) -> Conflict:
    return Conflict(f"{resource} {obj_id} is immutable and cannot be updated.")


def unsupported(option: str) -> NotImplementedFeature:
    return NotImplementedFeature(
        f"Provider 'amphora' does not support a requested option: {option}")
