"""The compute (Nova v2.1) route table, gathered from one table per concept.

Each module below holds its handlers and its ROUTES table (method, path under /compute,
handler, policy; the policies are in cheptel.compute.policies); this file concatenates
them, and negotiates each request's microversion.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request

from cheptel.compute import microversion
from cheptel.compute.api import (
    aggregates,
    availability_zones,
    compute_services,
    consoles,
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
    simple_tenant_usage,
    snapshots,
    versions,
    volume_attachments,
    volumes,
)
from cheptel.errors import CheptelError
from cheptel.web import Route

ROUTES: list[Route] = [
    *versions.ROUTES,
    *servers.ROUTES,
    *server_actions.ROUTES,
    *consoles.ROUTES,
    *server_password.ROUTES,
    *server_diagnostics.ROUTES,
    *server_external_events.ROUTES,
    *interfaces.ROUTES,
    *volume_attachments.ROUTES,
    *volumes.ROUTES,
    *snapshots.ROUTES,
    *simple_tenant_usage.ROUTES,
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
