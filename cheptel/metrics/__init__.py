"""Prometheus metrics at /metrics (docs/metrics.md).

Three kinds of series, from one registry per app (cheptel.metrics.registry):
- the clouds' resources, named and labelled as openstack-exporter names them
  (`openstack_nova_*`, `openstack_neutron_*`, ...): each service declares a
  ServiceMetrics in its spec (its metrics.py reads its tables at scrape time);
- each running server's usage from its container (`cheptel_server_*`, compute's
  metrics.py);
- the control plane's own: requests and their latency per service and route, reconciler
  passes, repairs and queue depth (`cheptel_*`).
"""
