"""os-availability-zone: the one zone "nova" (and "internal" for the control services)."""

from __future__ import annotations

from urllib.parse import urlsplit

from cheptel.compute import views_hosts
from cheptel.compute.service import hosts
from cheptel.web import Ctx, Route


def list_zones(ctx: Ctx) -> dict:
    return views_hosts.zones(False, hosts.Host(hostname="", up=True), ctx.now)


def detail(ctx: Ctx) -> dict:
    host_ip = urlsplit(ctx.base_url).hostname or "127.0.0.1"
    h = hosts.compute_host(ctx.deps.containers, ctx.deps.settings.data_dir, host_ip)
    return views_hosts.zones(True, h, ctx.now)


ROUTES = [
    Route("GET", "/v2.1/os-availability-zone", list_zones, "compute:availability-zone:list"),
    Route("GET", "/v2.1/os-availability-zone/detail", detail,
          "compute:availability-zone:detail"),
]
