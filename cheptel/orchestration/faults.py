"""Heat's fault body (heat/api/middleware/fault.py): {"code", "title", "explanation",
"error": {"type", "message", "traceback"}}; heatclient prints `error.message`."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from cheptel.errors import CheptelError

EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    401: "This server could not verify that you are authorized to access the document you "
         "requested.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    405: "The method specified is not allowed for this resource.",
    409: "There was a conflict when trying to complete your request.",
    413: "The request entity was too large.",
    415: "The request media type is not supported by this server.",
    501: "The server does not support the functionality required to fulfill the request.",
}
TYPES = {400: "HTTPBadRequest", 401: "HTTPUnauthorized", 403: "Forbidden",
         404: "EntityNotFound", 405: "HTTPMethodNotAllowed", 409: "Conflict",
         413: "RequestLimitExceeded", 415: "HTTPUnsupportedMediaType",
         501: "NotSupported"}


def render_fault(exc: CheptelError) -> Response:
    heat_type = getattr(exc, "heat_type", None) or TYPES.get(exc.code, "HeatException")
    body = {"code": exc.code, "title": exc.title,
            "explanation": EXPLANATIONS.get(exc.code, "The server has either erred or is "
                                            "incapable of performing the requested "
                                            "operation."),
            "error": {"type": heat_type, "message": exc.message, "traceback": None}}
    return JSONResponse(body, status_code=exc.code, headers=exc.headers)
