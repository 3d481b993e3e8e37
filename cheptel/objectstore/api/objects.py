"""The object routes. `/v1/AUTH_p/c/` (an empty object name) is the container, as Swift
splits the path; every other name is an object."""

from __future__ import annotations

from typing import Any

from cheptel.objectstore.api import containers, formpost, object_writes
from cheptel.objectstore.api.accounts import SMALL
from cheptel.objectstore.api.common import OBJECT
from cheptel.web import Ctx, Route, Stream


def _either(container_handler: Any, object_handler: Any) -> Any:
    def handle(ctx: Ctx) -> Any:
        if ctx.params.get("object", "") == "":
            return container_handler(ctx)
        return object_handler(ctx)
    handle.__doc__ = object_handler.__doc__
    return handle


def _no_container_copy(ctx: Ctx) -> Any:
    from cheptel.errors import MethodNotAllowed

    raise MethodNotAllowed()


UPLOAD = Stream(cap=object_writes.UPLOAD.cap,
                begin=_either(containers.check_create, object_writes.begin_put),
                abort=object_writes.UPLOAD.abort)
def _form_or(handler: Any) -> Any:
    """A multipart form without a token is a form POST (formpost), else `handler`."""
    def handle(ctx: Ctx) -> Any:
        if formpost.is_form(ctx):
            return None if ctx.body is None else formpost.handle(ctx)
        return handler(ctx)
    handle.__doc__ = handler.__doc__
    return handle


POST = Stream(cap=SMALL.cap,
              begin=_form_or(_either(containers.check_update, object_writes.begin_post)),
              abort=SMALL.abort)

ROUTES: list[Route] = [
    Route("GET", OBJECT, _either(containers.show, object_writes.get),
          "object_store:object:get"),
    Route("PUT", OBJECT, _either(containers.create, object_writes.put),
          "object_store:object:put", stream=UPLOAD),
    Route("POST", OBJECT, _form_or(_either(containers.update, object_writes.update)),
          "object_store:object:post", stream=POST),
    Route("DELETE", OBJECT, _either(containers.delete, object_writes.delete),
          "object_store:object:delete"),
    Route("COPY", OBJECT, _either(_no_container_copy, object_writes.copy),
          "object_store:object:copy"),
]
