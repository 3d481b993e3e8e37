"""os-migrations: the cloud's cold and live migrations, always none.

cheptel has one compute host, so no server ever migrates (resize happens in place) and the
listing is empty. What Nova checks is kept (nova/api/openstack/compute/migrations.py,
MigrationsController._index): the index policy (project manager or admin), then the
all_projects policy (admin) unless project_id names the caller's own project; from 2.59
limit and marker (a marker names a migration, so any marker is a 400) and the
changes-since/changes-before bounds (2.66) are validated.
"""

from __future__ import annotations

from cheptel.common import parse_iso
from cheptel.compute.api.params import caller, limit_marker, version
from cheptel.errors import BadRequest
from cheptel.web import Ctx, Route


def _time(ctx: Ctx, name: str) -> float | None:
    if name not in ctx.query:
        return None
    try:
        return parse_iso(ctx.query[name])
    except ValueError:
        raise BadRequest(f"Invalid input for query parameters {name}. Value: "
                         f"{ctx.query[name]}. '{ctx.query[name]}' is not a 'date-time'"
                         ) from None


def index(ctx: Ctx) -> dict:
    creds = caller(ctx)
    project = ctx.query.get("project_id")
    if not project or project != creds.project_id:
        ctx.require("compute:os-migrations:index:all_projects", {})
    v = version(ctx)
    if v.at_least("2.59"):
        _, marker = limit_marker(ctx)
        since = _time(ctx, "changes-since")
        before = _time(ctx, "changes-before") if v.at_least("2.66") else None
        if since is not None and before is not None and before < since:
            raise BadRequest("The value of changes-since must be less than or equal to "
                             "changes-before.")
        if marker is not None:
            raise BadRequest(f"Marker {marker} could not be found.")
    return {"migrations": []}


ROUTES = [
    Route("GET", "/v2.1/os-migrations", index, "compute:os-migrations:index"),
]
