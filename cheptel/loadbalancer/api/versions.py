"""Version discovery: `GET /load-balancer/` lists Octavia's v2.0 ... v2.30 (the last
CURRENT), all at `v2`; `/v2` and `/v2.0` serve the same routes."""

from __future__ import annotations

from typing import Any

from cheptel.web import Ctx, Route

LAST_MINOR = 30


def versions(ctx: Ctx) -> dict[str, Any]:
    href = f"{ctx.base_url}/load-balancer/v2"
    return {"versions": [
        {"id": f"v2.{minor}", "status": "CURRENT" if minor == LAST_MINOR else "SUPPORTED",
         "updated": "2016-12-11T00:00:00Z", "links": [{"href": href, "rel": "self"}]}
        for minor in range(LAST_MINOR + 1)]}


ROUTES = [Route("GET", "/", versions, "loadbalancer:discovery")]
