"""Amphorae (Octavia's AmphoraController): cheptel has none, each load balancer being
one HAProxy in a network namespace on the host. The admin's listing is empty and every
amphora is unknown, with Octavia's order of checks: an amphora is looked up before the
policy on a show, a failover or a configuration (a 404 to anyone, deferred routes), and
after it on a delete or the statistics."""

from __future__ import annotations

from typing import Any

from cheptel.errors import NotFound
from cheptel.loadbalancer.api.common import caller, listing
from cheptel.loadbalancer.faults import missing
from cheptel.web import Ctx, Route

# AmphoraResponse's attributes: the filters Octavia accepts on the listing
ATTRIBUTES = {"id", "loadbalancer_id", "compute_id", "lb_network_ip", "vrrp_ip", "ha_ip",
              "vrrp_port_id", "ha_port_id", "cert_expiration", "cert_busy", "role",
              "status", "vrrp_interface", "vrrp_id", "vrrp_priority", "cached_zone",
              "created_at", "updated_at", "image_id", "compute_flavor"}


def list_amphorae(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return listing(ctx, "amphorae", [], ATTRIBUTES)


def unknown(ctx: Ctx) -> Any:
    caller(ctx)
    raise missing("Amphora", ctx.params["amphora_id"])


def no_stats(ctx: Ctx) -> Any:
    caller(ctx)
    raise NotFound(f"Amphora stats for {ctx.params['amphora_id']} not found.")


AMPHORAE = "/v2/octavia/amphorae"
AMPHORA = AMPHORAE + "/{amphora_id}"

ROUTES: list[Route] = [
    Route("GET", AMPHORAE, list_amphorae, "amphora:get_all"),
    Route("GET", AMPHORA, unknown, "amphora:get_one", deferred=True),
    Route("DELETE", AMPHORA, unknown, "amphora:delete", 204),
    Route("PUT", AMPHORA + "/failover", unknown, "amphora:put_failover", 202,
          deferred=True),
    Route("PUT", AMPHORA + "/config", unknown, "amphora:put_config", 202, deferred=True),
    Route("GET", AMPHORA + "/stats", no_stats, "amphora:get_stats"),
]
