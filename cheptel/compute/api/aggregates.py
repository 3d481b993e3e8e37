"""os-aggregates: one host needs no host aggregates. The list is empty (clients such as
`openstack hypervisor show` read it); creating one is not implemented."""

from __future__ import annotations

from cheptel.errors import NotFound, NotImplementedYet
from cheptel.web import Ctx, Route

A = "/v2.1/os-aggregates"


def list_aggregates(ctx: Ctx) -> dict:
    return {"aggregates": []}


def show(ctx: Ctx) -> dict:
    raise NotFound(f"Aggregate {ctx.params['aggregate_id']} could not be found.")


def create(ctx: Ctx) -> dict:
    raise NotImplementedYet("Host aggregates are not supported by cheptel (one host).")


ROUTES = [
    Route("GET", A, list_aggregates, "compute:os-aggregates:index"),
    Route("POST", A, create, "compute:os-aggregates:create"),
    Route("GET", A + "/{aggregate_id}", show, "compute:os-aggregates:show"),
]
