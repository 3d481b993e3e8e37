"""os-services: nova-compute on the engine's host, nova-scheduler and nova-conductor.

The services are always enabled: cheptel has a single compute host, so disabling it or
forcing it down (PUT) and deleting a service (DELETE) answer 501 once the request is
known to be valid; asking for what already holds (enable, forced_down false) succeeds.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from cheptel.compute import schemas, views_hosts
from cheptel.compute.api.params import check_query, loose_flag, version
from cheptel.compute.service import hosts
from cheptel.errors import BadRequest, Conflict, NotFound, NotImplementedYet
from cheptel.validation import check
from cheptel.web import Ctx, Route

S = "/v2.1/os-services"


REFUSED = "cheptel runs a single compute service: it cannot be disabled, forced down or deleted."


def _services(ctx: Ctx) -> list[hosts.ComputeService]:
    host_ip = urlsplit(ctx.base_url).hostname or "127.0.0.1"
    h = hosts.compute_host(ctx.deps.containers, ctx.deps.settings.data_dir, host_ip)
    return hosts.services(h)


def _find(ctx: Ctx) -> hosts.ComputeService:
    """The service named by the path: a uuid from 2.53, an integer id before (400 if not)."""
    wanted = ctx.params["service_id"]
    if version(ctx).at_least("2.53"):
        try:
            uuid.UUID(wanted)
        except ValueError:
            raise BadRequest(f"Invalid uuid {wanted}") from None
        found = [s for s in _services(ctx) if s.uuid == str(uuid.UUID(wanted))]
    else:
        if not wanted.isdigit():
            raise BadRequest("Invalid input received: id must be an integer.")
        found = [s for s in _services(ctx) if s.legacy_id == int(wanted)]
    if not found:
        raise NotFound(f"Service {wanted} could not be found.")
    return found[0]


def list_services(ctx: Ctx) -> dict:
    v = version(ctx)
    check_query(ctx, schemas.services_query_v275 if v.at_least("2.75")
                else schemas.services_query)
    items = _services(ctx)
    if ctx.query.get("host"):
        items = [s for s in items if s.host == ctx.query["host"]]
    if ctx.query.get("binary"):
        items = [s for s in items if s.binary == ctx.query["binary"]]
    return {"services": [views_hosts.service(s, v, ctx.now) for s in items]}


def update(ctx: Ctx) -> dict:
    """PUT /os-services/{uuid} (2.53+), or the older PUT /os-services/{action}."""
    v = version(ctx)
    if v.at_least("2.53"):
        body = check(schemas.service_update_v253, ctx.body)
        svc = _find(ctx)
        if svc.binary != "nova-compute":
            raise BadRequest(f"Updating a {svc.binary} service is not supported. Only "
                             f"nova-compute services can be updated.")
        if body.get("status") == "enabled" and "disabled_reason" in body:
            raise BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
        if body.get("status") == "disabled" or loose_flag(body.get("forced_down", False)):
            raise NotImplementedYet(REFUSED)
        return {"service": views_hosts.service(svc, v, ctx.now)}
    action = ctx.params["service_id"]
    if action not in ("enable", "disable", "disable-log-reason", "force-down"):
        raise NotFound("Unknown action")
    body = check(schemas.service_update, ctx.body)
    if action == "force-down" and not v.at_least("2.11"):
        raise NotFound("Unknown action")
    if body["binary"] != "nova-compute":
        raise BadRequest(f"Updating a {body['binary']} service is not supported. Only "
                         f"nova-compute services can be updated.")
    if not any(s.host == body["host"] and s.binary == body["binary"] for s in _services(ctx)):
        raise NotFound(f"Service {body['binary']} on host {body['host']} could not be found.")
    if action == "enable":
        return {"service": {"host": body["host"], "binary": body["binary"],
                            "status": "enabled"}}
    if action == "force-down" and not loose_flag(body.get("forced_down", False)):
        return {"service": {"host": body["host"], "binary": body["binary"],
                            "forced_down": False}}
    raise NotImplementedYet(REFUSED)


def delete(ctx: Ctx) -> None:
    svc = _find(ctx)
    if svc.binary == "nova-compute" and hosts.usage(ctx.db, svc.host).running:
        raise Conflict("Unable to delete compute service that is hosting instances. Migrate "
                       "or delete the instances first.")
    raise NotImplementedYet(REFUSED)


ROUTES = [
    Route("GET", S, list_services, "compute:os-services:list"),
    Route("PUT", S + "/{service_id}", update, "compute:os-services:update"),
    Route("DELETE", S + "/{service_id}", delete, "compute:os-services:delete", 204),
]
