"""GET /info: Swift's capabilities (swift/proxy/server.py register_swift_info): the core
limits and the middleware cheptel implements. Clients change how they upload on what is
listed here (SLO segments, bulk delete), so only what works is listed."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from cheptel.objectstore.api import bulk, extract, formpost, staticweb, symlinks
from cheptel.objectstore.schemas import CORE
from cheptel.objectstore.service import large, quotas, tempurl, versioning
from cheptel.web import Ctx, Route

CROSSDOMAIN: dict[str, dict[str, Any]] = {"crossdomain": {}}
POLICY = ('<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM '
          '"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n<cross-domain-policy>\n'
          '<allow-access-from domain="*" secure="false" />\n</cross-domain-policy>')

# the middleware cheptel implements, with what /info says of each
MIDDLEWARE: dict[str, dict[str, Any]] = {"tempurl": tempurl.INFO, **large.INFO,
                                              **quotas.INFO, **bulk.INFO,
                                              **extract.INFO,
                                              **versioning.INFO,
                                              **formpost.INFO,
                                              **staticweb.INFO, **CROSSDOMAIN,
                                              **symlinks.INFO}


def middleware() -> list[str]:
    return sorted(MIDDLEWARE)


def capabilities() -> dict[str, Any]:
    return {"swift": {**CORE, "version": "2.35.0"}, **MIDDLEWARE}


def info(ctx: Ctx) -> dict[str, Any]:
    return capabilities()


def healthcheck(ctx: Ctx) -> Response:
    """swift/common/middleware/healthcheck.py: 200 OK while the service answers."""
    return Response("OK", media_type="text/plain")


def crossdomain(ctx: Ctx) -> Response:
    """swift/common/middleware/crossdomain.py: Flash's policy file, everyone allowed."""
    return Response(POLICY, media_type="application/xml; charset=utf-8")


ROUTES: list[Route] = [
    Route("GET", "/info", info, "object_store:info"),
    Route("GET", "/healthcheck", healthcheck, "object_store:healthcheck"),
    Route("GET", "/crossdomain.xml", crossdomain, "object_store:crossdomain"),
]
