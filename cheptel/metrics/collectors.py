"""The scrape-time collector: each service's series (`openstack_*`, and compute's
`cheptel_server_*` read from the containers) at the moment of the scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.service import Service

log = logging.getLogger(__name__)


class CloudCollector:
    def __init__(self, deps: Deps, services: Sequence[Service]) -> None:
        self.deps, self.services = deps, services

    def describe(self) -> list[Metric]:
        return []  # scrape-time series: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        # one scrape: the facts several services share (the engine's host_info) read once
        with self.deps.metrics.scrape(), self.deps.sessions() as db:
            for service in self.services:
                if service.metrics is None:
                    continue
                name = service.metrics.exporter
                try:  # the exporter's `up`: 0 when its series cannot be read
                    found = list(service.metrics.collect(db, self.deps))
                    up = 1
                except Exception:  # noqa: BLE001 - one service's failure leaves the others
                    log.exception("metrics of %s failed", service.type)
                    db.rollback()
                    found, up = [], 0
                yield GaugeMetricFamily(f"openstack_{name}_up", "up", value=up)
                yield from found
