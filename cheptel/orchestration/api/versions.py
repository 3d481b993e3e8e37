"""Version discovery: `GET /orchestration/` (300: Heat's one version, v1.0)."""

from __future__ import annotations

from typing import Any

from cheptel.web import Ctx, Reply, Route


def _v1(ctx: Ctx) -> dict[str, Any]:
    return {"id": "v1.0", "status": "CURRENT",
            "links": [{"rel": "self", "href": f"{ctx.base_url}/orchestration/v1/"}]}


def versions(ctx: Ctx) -> Reply:
    return Reply({"versions": [_v1(ctx)]}, status=300)


ROUTES = [Route("GET", "/", versions, "orchestration:discovery", 300)]
