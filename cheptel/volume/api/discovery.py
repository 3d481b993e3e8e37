"""Version discovery: `GET /volume/` (300, every version) and `GET /volume/v3/` (200)."""

from __future__ import annotations

from typing import Any

from cheptel.volume.microversion import MAX, MIN, text
from cheptel.web import Ctx, Reply, Route

UPDATED = "2023-08-31T00:00:00Z"  # the date of 3.71 in Cinder's history


def _v3(ctx: Ctx) -> dict[str, Any]:
    return {"id": "v3.0", "status": "CURRENT", "version": text(MAX),
            "min_version": text(MIN), "updated": UPDATED,
            "links": [{"rel": "describedby", "type": "text/html",
                       "href": "https://docs.openstack.org/"},
                      {"rel": "self", "href": f"{ctx.base_url}/volume/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


def versions(ctx: Ctx) -> Reply:
    return Reply({"versions": [_v3(ctx)]}, status=300)


def v3(ctx: Ctx) -> dict[str, Any]:
    return {"versions": [_v3(ctx)]}


ROUTES: list[Route] = [
    Route("GET", "/", versions, "volume:discovery", 300),
    Route("GET", "/v3/", v3, "volume:discovery"),
]
