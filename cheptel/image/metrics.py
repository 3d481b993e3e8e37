"""Image's series, as openstack-exporter's glance exporter names and labels them
(exporters/glance.go)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.image.models import Image
from cheptel.metrics.families import ServiceMetrics, gauge, total

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "glance"


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    images = list(db.scalars(select(Image).where(Image.status != "deleted")
                             .order_by(Image.created_at, Image.id)))
    yield total(N, "images", "images", len(images))
    yield gauge(N, "image_bytes", "image_bytes", ("id", "name", "tenant_id"),
                (((i.id, i.name, i.owner), i.size or 0) for i in images))
    yield gauge(N, "image_created_at", "image_created_at",
                ("id", "name", "tenant_id", "visibility", "hidden", "status"),
                (((i.id, i.name, i.owner, i.visibility, i.os_hidden, i.status), i.created_at)
                 for i in images))


METRICS = ServiceMetrics(N, collect)
