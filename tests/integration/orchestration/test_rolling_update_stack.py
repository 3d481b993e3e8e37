"""Issue 13's rolling update, as a user drives it: the web tier of
web_tier.py (a load balancer, a floating IP on its VIP, an AutoScalingGroup
of three web servers each with its pool member, from a nested template) with
`rolling_updates: {max_batch_size: 1, min_in_service: 2}`; `openstack stack update
--existing --wait` changes the servers' user_data (a parameter the page shows), so each
server must be replaced, while a client loops on the floating IP. Each member's new
server and pool member are made before its old pool member is deleted, and the old
server only after that: the client's requests are all (≥ 99 %) answered, the final
servers are all new and serve the new page."""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.orchestration.web_tier import (
    DEMO,
    Client,
    create,
    explain,
    pages,
    servers,
    wait_serving,
)

STACK = "web-roll"


def test_a_rolling_update_behind_a_load_balancer(heat_cloud: Cloud, tmp_path: Path) -> None:
    c = heat_cloud
    demo = c.sdk(DEMO)
    address = create(c, tmp_path, STACK)
    wait_serving(c, STACK, address, 90)
    before = servers(c, STACK)
    client = Client(address)
    started = time.monotonic()
    try:
        c.cli("stack", "update", "--existing", "--wait", "--parameter", "banner=v2", STACK,
              cloud=DEMO, as_json=False)
    except Exception:
        explain(c, STACK)
        raise
    took = time.monotonic() - started
    after = servers(c, STACK)
    def renewed() -> bool:
        now = pages(address)
        return len(now) == 3 and all(p.endswith(" v2") for p in now)
    support.wait_for(renewed, 60, "the three new servers in rotation")
    client.stop()
    old = sum(1 for _, answer in client.log if answer is not None and answer.endswith(" v1"))
    events = c.cli("stack", "event", "list", "--resource", "herd", STACK, cloud=DEMO)
    batches = [e for e in events if e["resource_status_reason"].startswith("Batch")]
    print(f"update --wait took {took:.1f} s in {len(batches)} batches; {client.summary()} "
          f"({old} by old servers)")
    assert len(batches) == 3, events
    assert len(after) == 3 and not set(after) & set(before), (before, after)
    assert all(demo.compute.get_server(s).status == "ACTIVE" for s in after)
    assert client.answered >= 0.99, client.summary()
    c.cli("stack", "delete", "--yes", "--wait", STACK, cloud=DEMO, as_json=False)
    assert c.cli("loadbalancer", "list", cloud=DEMO) == []
    assert not [s for s in demo.compute.servers() if s.id in set(before) | set(after)]
