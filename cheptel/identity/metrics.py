"""Identity's series, as openstack-exporter's identity exporter names and labels them
(exporters/keystone.go)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.identity.models import Domain, Group, Project, ProjectTag, Region, User
from cheptel.metrics.families import ServiceMetrics, gauge, total

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "identity"


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    domains = list(db.scalars(select(Domain).order_by(Domain.name)))
    yield total(N, "domains", "domains", len(domains))
    yield gauge(N, "domain_info", "domain_info", ("description", "enabled", "id", "name"),
                (((d.description, d.enabled, d.id, d.name), 1) for d in domains))
    yield total(N, "users", "users", _count(db, User))
    yield total(N, "groups", "groups", _count(db, Group))
    projects = list(db.scalars(select(Project).order_by(Project.name)))
    tags: dict[str, list[str]] = {}
    for t in db.scalars(select(ProjectTag).order_by(ProjectTag.name)):
        tags.setdefault(t.project_id, []).append(t.name)
    yield total(N, "projects", "projects", len(projects))
    yield gauge(N, "project_info", "project_info", (
        "is_domain", "description", "domain_id", "enabled", "id", "name", "parent_id",
        "tags"), (((False, p.description, p.domain_id, p.enabled, p.id, p.name,
                    p.parent_id or "", ",".join(tags.get(p.id, []))), 1) for p in projects))
    yield total(N, "regions", "regions", _count(db, Region))


METRICS = ServiceMetrics(N, collect)
