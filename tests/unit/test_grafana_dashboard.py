"""The Grafana dashboard shipped in contrib/grafana queries only series /metrics gives:
every metric name in every panel's expression is in a scrape of a cloud with a running
server on a network, a volume, a load balancer, and a periodic pass done."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.unit.loadbalancer import made, subnet
from tests.unit.reconcile import Cloud

DASHBOARD = Path(__file__).parents[2] / "contrib" / "grafana" / "cheptel-overview.json"
NAME = re.compile(r"\b(?:openstack|cheptel)_[a-zA-Z0-9_]+\b")


def test_every_series_the_dashboard_queries_exists(rcloud: Cloud) -> None:
    sid = rcloud.active(networks="auto")
    project = rcloud.show(sid)["tenant_id"]
    r = rcloud.api.client.post(f"/volume/v3/{project}/volumes", json={"volume": {"size": 1}},
                               headers={"X-Auth-Token": rcloud.token})
    assert r.status_code == 202, r.text
    made(rcloud, "loadbalancers", {"name": "web", "vip_subnet_id": subnet(rcloud)})
    rcloud.pass_once()
    r = rcloud.api.client.get("/metrics", headers={"X-Auth-Token": rcloud.api.admin()})
    assert r.status_code == 200
    scraped = {s.name for f in text_string_to_metric_families(r.text) for s in f.samples}
    panels = json.loads(DASHBOARD.read_text())["panels"]
    queried = {name for p in panels for t in p["targets"] for name in NAME.findall(t["expr"])}
    assert len(queried) > 30
    assert sorted(queried - scraped) == []
