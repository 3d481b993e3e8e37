"""The scrape-time collector: each service's `openstack_*` series read from the
database, and each running server's usage read from its container."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import select

from cheptel.backends.engine import EngineError

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.service import Service

log = logging.getLogger(__name__)
SERVER = ("id", "name", "tenant_id")


class CloudCollector:
    def __init__(self, deps: Deps, services: Sequence[Service]) -> None:
        self.deps, self.services = deps, services

    def describe(self) -> list[Metric]:
        return []  # scrape-time series: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        with self.deps.sessions() as db:
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
        yield from self._servers()

    def _servers(self) -> Iterator[Metric]:
        """Each running server's usage as its container's cgroup counts it."""
        from cheptel.compute.models import Server  # the compute service's table

        with self.deps.sessions() as db:
            servers = list(db.execute(select(Server.id, Server.name, Server.project_id)
                                      .where(Server.deleted.is_(False))
                                      .order_by(Server.created_at)))
        cpu = CounterMetricFamily("cheptel_server_cpu_seconds",
                                  "CPU time of the server's processes", labels=SERVER)
        memory = GaugeMetricFamily("cheptel_server_memory_bytes",
                                   "Working set of the server (without inactive page cache)",
                                   labels=SERVER)
        limit = GaugeMetricFamily("cheptel_server_memory_limit_bytes",
                                  "Memory limit of the server (its flavor's RAM)", labels=SERVER)
        disk = {d: CounterMetricFamily(f"cheptel_server_block_{d}_bytes",
                                       f"Bytes the server {d} on block devices", labels=SERVER)
                for d in ("read", "written")}
        net = {d: CounterMetricFamily(f"cheptel_server_network_{d}_bytes",
                                      f"Bytes the server's interface {d}",
                                      labels=(*SERVER, "interface"))
               for d in ("received", "transmitted")}
        for sid, name, project in servers:
            try:
                stats = self.deps.containers.stats(f"cheptel-{sid}")
            except EngineError:
                continue
            if stats is None or stats.status != "running":
                continue
            who = [sid, name, project]
            if stats.cpu_total is not None:
                cpu.add_metric(who, stats.cpu_total / 1e9)
            if stats.memory_used is not None:
                memory.add_metric(who, stats.memory_used)
            if stats.memory_limit is not None:
                limit.add_metric(who, stats.memory_limit)
            for direction, value in (("read", stats.disk_read_bytes),
                                     ("written", stats.disk_write_bytes)):
                if value is not None:
                    disk[direction].add_metric(who, value)
            for nic in stats.nics:
                for direction, value in (("received", nic.rx_bytes),
                                         ("transmitted", nic.tx_bytes)):
                    if value is not None:
                        net[direction].add_metric([*who, nic.name], value)
        yield from (cpu, memory, limit, *disk.values(), *net.values())
