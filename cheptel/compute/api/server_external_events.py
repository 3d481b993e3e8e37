"""POST /os-server-external-events (admin or service role): events other services send
about servers; see cheptel/compute/service/external_events.py for what each does."""

from __future__ import annotations

from cheptel.compute import schemas
from cheptel.compute.api.servers import request_id
from cheptel.compute.service import external_events
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

# os_compute_api:os-server-external-events:create


def create(ctx: Ctx) -> Reply:
    body = check(schemas.events_for(ctx.version), ctx.body)
    assert ctx.creds is not None
    events, status, converge = external_events.create(ctx.db, ctx.creds, body["events"],
                                                      ctx.now, request_id(ctx))
    if converge:
        ctx.after_commit.append(ctx.deps.reconciler.kick_network)
    return Reply({"events": events}, status=status)


ROUTES = [
    Route("POST", "/v2.1/os-server-external-events", create,
          "compute:server_external_events:create"),
]
