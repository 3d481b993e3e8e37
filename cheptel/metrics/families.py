"""Small builders for the scrape-time series (prometheus_client's metric families)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from collections.abc import Callable

    from cheptel.app import Deps


@dataclass(frozen=True)
class ServiceMetrics:
    """A service's series: `openstack_<exporter>_*`, as openstack-exporter names them
    (its exporter name: nova, neutron, glance, cinder, identity, heat, loadbalancer ...)."""

    exporter: str
    collect: Callable[[Session, Deps], Iterable[Metric]]


def label(value: Any) -> str:
    """A label value as the exporter prints it: booleans lower case, None empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def gauge(exporter: str, name: str, doc: str, labels: Sequence[str] = (),
          samples: Iterable[tuple[Sequence[Any], float]] = ()) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"openstack_{exporter}_{name}", doc, labels=list(labels))
    for values, value in samples:
        family.add_metric([label(v) for v in values], float(value))
    return family


def total(exporter: str, name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"openstack_{exporter}_{name}", doc, value=float(value))


def status_code(known: Sequence[str], status: str) -> int:
    """The exporter's status number: the index in its table, -1 for a status it does
    not know."""
    return known.index(status) if status in known else -1
