"""The network (Neutron v2.0) route table, gathered from one table per concept.

Each module below starts with its policies and ends with its ROUTES (method, path under
/network, handler, policy); this file concatenates them and renders Neutron's faults.
Route policies check the role (reader reads, member writes, in the token's project);
which resources a caller sees, and which attributes only an admin or a network's owner
may set, is decided below the route (a resource of another project is a 404).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cheptel.errors import CheptelError
from cheptel.identity.service.catalog import Registration
from cheptel.network.api import (
    agents,
    floatingips,
    networks,
    ports,
    quotas,
    routers,
    security_groups,
    service_providers,
    subnetpools,
    subnets,
    tags,
    versions,
)
from cheptel.web import Route, Service

ROUTES: list[Route] = [
    *versions.ROUTES,
    *networks.ROUTES,
    *subnets.ROUTES,
    *subnetpools.ROUTES,
    *ports.ROUTES,
    *routers.ROUTES,
    *floatingips.ROUTES,
    *security_groups.ROUTES,
    *quotas.ROUTES,
    *tags.ROUTES,
    *agents.ROUTES,
    *service_providers.ROUTES,
]

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
        doc: dict = {"error": {"code": 401, "title": "Unauthorized", "message": exc.message}}
    else:
        kind = getattr(exc, "neutron_type", None) or HTTP_TYPES.get(
            exc.code, "HTTPInternalServerError")
        message = exc.message if exc.code != 500 else INTERNAL
        doc = {"NeutronError": {"type": kind, "message": message, "detail": ""}}
    return Response(json.dumps(doc), status_code=exc.code, headers=headers,
                    media_type="application/json")


def request_id(request: Request) -> tuple[None, dict[str, str]]:
    """Every answer carries a request id, as Neutron's oslo middleware adds it."""
    return None, {"X-Openstack-Request-Id": f"req-{uuid.uuid4()}"}


REGISTRATION = Registration("network", "neutron", "/network", "cheptel network (Neutron v2.0)")

def wake_dataplane(deps: Any) -> None:
    """Every committed network change rebuilds the dataplane (within the second)."""
    if deps.reconciler is not None:
        deps.reconciler.kick_network()


SERVICE = Service("/network", ROUTES, render_fault, REGISTRATION, request_id,
                  on_write=wake_dataplane)
