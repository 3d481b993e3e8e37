"""The compute (Nova v2.1) route table, gathered from one table per concept.

Each module below starts with its ROUTES table (method, path under /compute, handler,
policy) and registers its POLICIES; this file only concatenates them.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cheptel.compute import microversion
from cheptel.compute.api import (
    aggregates,
    availability_zones,
    compute_services,
    flavors,
    floating_ip_pools,
    hypervisors,
    interfaces,
    keypairs,
    limits,
    migrations,
    os_hosts,
    quotas,
    server_actions,
    server_diagnostics,
    server_external_events,
    server_groups,
    server_password,
    server_topology,
    servers,
    versions,
)
from cheptel.errors import CheptelError
from cheptel.identity.service.catalog import Registration
from cheptel.web import Route, Service

ROUTES: list[Route] = [
    *versions.ROUTES,
    *servers.ROUTES,
    *server_actions.ROUTES,
    *server_password.ROUTES,
    *server_diagnostics.ROUTES,
    *server_external_events.ROUTES,
    *interfaces.ROUTES,
    *flavors.ROUTES,
    *keypairs.ROUTES,
    *limits.ROUTES,
    *quotas.ROUTES,
    *availability_zones.ROUTES,
    *hypervisors.ROUTES,
    *compute_services.ROUTES,
    *aggregates.ROUTES,
    *server_groups.ROUTES,
    *server_topology.ROUTES,
    *migrations.ROUTES,
    *os_hosts.ROUTES,
    *floating_ip_pools.ROUTES,
]

FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
               405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest",
               413: "overLimit", 415: "badMediaType", 429: "overLimit",
               501: "notImplemented", 503: "serviceUnavailable"}


def render_fault(exc: CheptelError) -> Response:
    """Nova's fault body: {"<name>": {"code": N, "message": "..."}}."""
    name = FAULT_NAMES.get(exc.code, "computeFault")
    return JSONResponse({name: {"code": exc.code, "message": exc.message}},
                        status_code=exc.code, headers=exc.headers)


def negotiate(request: Request) -> tuple[microversion.Version, dict[str, str]]:
    """The microversion, and a new request id on every answer (errors included), under
    both names Nova sends: the id its instance actions record (servers.request_id)."""
    rid = f"req-{uuid.uuid4()}"
    ids = {"x-openstack-request-id": rid, "x-compute-request-id": rid}
    try:
        version, headers = microversion.negotiate(request)
    except CheptelError as exc:
        exc.headers = {**(exc.headers or {}), **ids}
        raise
    return version, {**headers, **ids}


SERVICE = Service("/compute", ROUTES, render_fault,
                  Registration("compute", "nova", "/compute/v2.1", "cheptel compute (Nova)"),
                  negotiate)

