"""Object storage's series, as openstack-exporter's object_store exporter names them
(exporters/objectstore.go: `objects` and `bytes` by `container_name`). The exporter
reads its own account only; cheptel gives every account's containers, so `tenant_id`
is added to tell same-named containers of two projects apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.metrics.families import ServiceMetrics, gauge
from cheptel.objectstore.models import SwiftContainer, SwiftObject

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "object_store"


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    rows = list(db.execute(
        select(SwiftContainer.name, SwiftContainer.project_id, func.count(SwiftObject.id),
               func.coalesce(func.sum(SwiftObject.size), 0))
        .join(SwiftObject, SwiftObject.container_id == SwiftContainer.id, isouter=True)
        .group_by(SwiftContainer.id, SwiftContainer.name, SwiftContainer.project_id)
        .order_by(SwiftContainer.project_id, SwiftContainer.name)))
    labels = ("container_name", "tenant_id")
    yield gauge(N, "objects", "objects", labels,
                (((name, project), count) for name, project, count, _ in rows))
    yield gauge(N, "bytes", "bytes", labels,
                (((name, project), size) for name, project, _, size in rows))


METRICS = ServiceMetrics(N, collect)
