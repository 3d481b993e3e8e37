"""Issue 13's rolling update, as a user drives it: the web tier of
test_web_tier_stack.py (a load balancer, a floating IP on its VIP, an AutoScalingGroup
of three web servers each with its pool member, from a nested template) with
`rolling_updates: {max_batch_size: 1, min_in_service: 2}`; `openstack stack update
--existing --wait` changes the servers' user_data (a parameter the page shows), so each
server must be replaced, while a client loops on the floating IP. Each member's new
server and pool member are made before its old pool member is deleted, and the old
server only after that: the client's requests are all (≥ 99 %) answered, the final
servers are all new and serve the new page."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path

from tests.integration.cloud import Cloud
from tests.integration.compute import support

WEB = """
heat_template_version: 2018-08-31
parameters:
  pool: {type: string}
  network: {type: string}
  subnet: {type: string}
  group: {type: string}
  banner: {type: string}
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: m1.tiny
      networks: [{network: {get_param: network}}]
      security_groups: [{get_param: group}]
      user_data_format: RAW
      user_data:
        str_replace:
          params: {BANNER: {get_param: banner}}
          template: |
            #!/bin/sh
            mkdir -p /var/www /var/lib/cloud/scripts/per-boot
            echo "$(hostname) BANNER" > /var/www/index.html
            boot=/var/lib/cloud/scripts/per-boot/httpd
            printf '#!/bin/sh\\nhttpd -p 8080 -h /var/www\\n' > $boot
            chmod +x $boot
  member:
    type: OS::Octavia::PoolMember
    properties:
      pool: {get_param: pool}
      address: {get_attr: [server, first_address]}
      protocol_port: 8080
      subnet: {get_param: subnet}
outputs:
  OS::stack_id:
    value: {get_resource: server}
"""
TOP = """
heat_template_version: 2018-08-31
parameters:
  network: {type: string}
  subnet: {type: string}
  banner: {type: string, default: v1}
resources:
  web_group:
    type: OS::Neutron::SecurityGroup
    properties:
      rules:
        - {protocol: tcp, port_range_min: 8080, port_range_max: 8080,
           remote_ip_prefix: 0.0.0.0/0}
  lb:
    type: OS::Octavia::LoadBalancer
    properties: {vip_subnet: {get_param: subnet}}
  listener:
    type: OS::Octavia::Listener
    properties: {loadbalancer: {get_resource: lb}, protocol: HTTP, protocol_port: 80}
  pool:
    type: OS::Octavia::Pool
    properties: {listener: {get_resource: listener}, protocol: HTTP,
                 lb_algorithm: ROUND_ROBIN}
  monitor:
    type: OS::Octavia::HealthMonitor
    properties: {pool: {get_resource: pool}, type: HTTP, delay: 1, timeout: 1,
                 max_retries: 1, max_retries_down: 1}
  herd:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 3
      max_size: 5
      rolling_updates: {max_batch_size: 1, min_in_service: 2}
      resource:
        type: My::Web
        properties:
          pool: {get_resource: pool}
          network: {get_param: network}
          subnet: {get_param: subnet}
          group: {get_resource: web_group}
          banner: {get_param: banner}
  fip:
    type: OS::Neutron::FloatingIP
    properties:
      floating_network: public
      port_id: {get_attr: [lb, vip_port_id]}
outputs:
  address:
    value: {get_attr: [fip, floating_ip_address]}
  servers:
    value: {get_attr: [herd, refs]}
"""
ENV = "resource_registry:\n  My::Web: web.yaml\n"
DEMO = "cheptel-demo"
STACK = "web-roll"


def _get(address: str, timeout: float = 2) -> str | None:
    try:
        with urllib.request.urlopen(f"http://{address}/", timeout=timeout) as r:
            return str(r.read().decode().strip())
    except OSError:
        return None


def _explain(c: Cloud) -> None:
    """What a failure needs to be understood: the balancer's tree, the events."""
    for lb in c.cli("loadbalancer", "list", cloud=DEMO):
        print("status tree:", c.cli("loadbalancer", "status", "show", lb["id"], cloud=DEMO,
                                    as_json=False).stdout)
    events = c.cli("stack", "event", "list", "--nested-depth", "2", STACK, cloud=DEMO)
    for e in sorted(events, key=lambda e: e["event_time"])[-60:]:
        print("event:", e["event_time"], e.get("stack_name", ""), e["resource_name"],
              e["resource_status"], e["resource_status_reason"])


def test_a_rolling_update_behind_a_load_balancer(heat_cloud: Cloud, tmp_path: Path) -> None:
    c = heat_cloud
    demo = c.sdk(DEMO)
    private = demo.network.find_network("private")
    for name, text in (("top.yaml", TOP), ("web.yaml", WEB), ("env.yaml", ENV)):
        (tmp_path / name).write_text(text)
    c.cli("stack", "create", "--wait", "-t", str(tmp_path / "top.yaml"), "-e",
          str(tmp_path / "env.yaml"), "--parameter", f"network={private.id}",
          "--parameter", f"subnet={private.subnet_ids[0]}", STACK, cloud=DEMO,
          as_json=False)
    address = c.cli("stack", "output", "show", STACK, "address", cloud=DEMO)["output_value"]

    def servers() -> list[str]:
        return list(c.cli("stack", "output", "show", STACK, "servers",
                          cloud=DEMO)["output_value"] or [])

    def pages() -> set[str]:
        return {p for p in (_get(address) for _ in range(9)) if p is not None}

    support.wait_for(lambda: len(pages()) == 3, 90,
                     "the three servers answering through the load balancer")
    before = servers()
    log: list[tuple[float, str | None]] = []
    done = threading.Event()

    def client() -> None:
        """A user's browser (a 6 s patience, as test_web_tier_stack.py's)."""
        while not done.is_set():
            start = time.monotonic()
            answer = _get(address, timeout=6)
            log.append((time.monotonic() - start, answer))
            time.sleep(0.05)
    loop = threading.Thread(target=client, daemon=True)
    loop.start()
    started = time.monotonic()
    try:
        c.cli("stack", "update", "--existing", "--wait", "--parameter", "banner=v2", STACK,
              cloud=DEMO, as_json=False)
    except Exception:
        _explain(c)
        raise
    took = time.monotonic() - started
    after = servers()
    def renewed() -> bool:
        now = pages()
        return len(now) == 3 and all(p.endswith(" v2") for p in now)
    support.wait_for(renewed, 60, "the three new servers in rotation")
    done.set()
    loop.join()
    ok = sum(1 for _, answer in log if answer is not None)
    slow = sum(1 for t, answer in log if answer is not None and t > 1)
    old = sum(1 for _, answer in log if answer is not None and answer.endswith(" v1"))
    events = c.cli("stack", "event", "list", "--resource", "herd", STACK, cloud=DEMO)
    batches = [e for e in events if e["resource_status_reason"].startswith("Batch")]
    print(f"update --wait took {took:.1f} s in {len(batches)} batches; the client's "
          f"{len(log)} requests: {ok / len(log):.2%} answered ({old} by old servers), "
          f"{slow} in over 1 s")
    assert len(batches) == 3, events
    assert len(after) == 3 and not set(after) & set(before), (before, after)
    assert all(demo.compute.get_server(s).status == "ACTIVE" for s in after)
    assert ok / len(log) >= 0.99, f"{len(log) - ok} of {len(log)} failed"
    c.cli("stack", "delete", "--yes", "--wait", STACK, cloud=DEMO, as_json=False)
    assert c.cli("loadbalancer", "list", cloud=DEMO) == []
    assert not [s for s in demo.compute.servers() if s.id in set(before) | set(after)]
