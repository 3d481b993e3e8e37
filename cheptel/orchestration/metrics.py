"""Orchestration's series, as openstack-exporter's heat exporter names and labels them
(exporters/heat.go): each stack's status (the exporter's status number) and a count of
stacks by status, every status of its table included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy.orm import Session

from cheptel.metrics.families import ServiceMetrics, gauge, status_code
from cheptel.orchestration.service import stacks

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "heat"
# the exporter's table (stack_status): a status's number is its index
STATUSES = tuple(f"{action}_{status}" for action in (
    "INIT", "CREATE", "DELETE", "UPDATE", "ROLLBACK", "SUSPEND", "RESUME", "ADOPT",
    "SNAPSHOT", "CHECK") for status in ("IN_PROGRESS", "FAILED", "COMPLETE"))


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    every = stacks.every(db, nested=False)  # an admin's global list: no deleted, no nested
    yield gauge(N, "stack_status", "stack_status", ("id", "name", "project_id", "status"), (
        ((s.id, s.name, s.project_id, f"{s.action}_{s.status}"),
         status_code(STATUSES, f"{s.action}_{s.status}")) for s in every))
    counts = dict.fromkeys(STATUSES, 0)
    for s in every:
        counts[f"{s.action}_{s.status}"] = counts.get(f"{s.action}_{s.status}", 0) + 1
    yield gauge(N, "stack_status_counter", "stack_status_counter", ("status",),
                (((k,), v) for k, v in counts.items()))


METRICS = ServiceMetrics(N, collect)
