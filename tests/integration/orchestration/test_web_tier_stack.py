"""Issue 13's web tier, as a user writes it: a stack (the unmodified `openstack stack
create --wait`, python-heatclient) of a load balancer with an HTTP listener, a pool and a
health monitor, a floating IP on its VIP, and an AutoScalingGroup of three web servers,
each with its pool member, from a nested template named by the environment (web_tier.py). A client
loops on the floating IP while the members' containers are killed one by one behind
cheptel's back (`docker kill`): the group replaces each (no stack update) and the new
server joins the pool; the client's success rate and each replacement's time are
measured. `openstack stack delete --wait` leaves no load balancer, server or port."""

from __future__ import annotations

import subprocess
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

STACK = "web-tier"


def test_a_self_healing_web_tier_behind_a_load_balancer(heat_cloud: Cloud,
                                                         tmp_path: Path) -> None:
    c = heat_cloud
    demo = c.sdk(DEMO)
    address = create(c, tmp_path, STACK)
    wait_serving(c, STACK, address, 60)
    client = Client(address)
    replaced = []
    seen = set(servers(c, STACK))
    for _ in range(3):  # each member killed in turn, its replacement awaited
        before = servers(c, STACK)
        victim = before[0]
        killed = time.monotonic()
        subprocess.run(["docker", "kill", f"cheptel-{victim}"], check=True,
                       capture_output=True)
        def healed(gone: str = victim) -> bool:
            now = servers(c, STACK)
            # a replacement not made yet is a null in the group's output
            return gone not in now and len(now) == 3 and all(
                s and demo.compute.get_server(s).status == "ACTIVE" for s in now)
        support.wait_for(healed, 60, "the killed member replaced")
        new = next(s for s in servers(c, STACK) if s not in before)
        seen.add(new)
        page = f"{demo.compute.get_server(new).name} v1"
        try:
            support.wait_for(lambda p=page: p in pages(address), 30,
                             "the replacement in rotation")
        except AssertionError:
            explain(c, STACK, new)
            raise
        replaced.append(time.monotonic() - killed)
    client.stop()
    print(f"replaced in {', '.join(f'{t:.1f}' for t in replaced)} s (in rotation); "
          f"{client.summary()}")
    assert client.answered >= 0.99, client.summary()
    c.cli("stack", "delete", "--yes", "--wait", STACK, cloud=DEMO, as_json=False)
    assert c.cli("loadbalancer", "list", cloud=DEMO) == []
    assert not [s for s in demo.compute.servers() if s.id in seen]
