"""Issue 13's web tier, as a user writes it: a stack (the unmodified `openstack stack
create --wait`, python-heatclient) of a load balancer with an HTTP listener, a pool and a
health monitor, a floating IP on its VIP, and an AutoScalingGroup of three web servers,
each with its pool member, from a nested template named by the environment. A client
loops on the floating IP while the members' containers are killed one by one behind
cheptel's back (`docker kill`): the group replaces each (no stack update) and the new
server joins the pool; the client's success rate and each replacement's time are
measured. `openstack stack delete --wait` leaves no load balancer, server or port."""

from __future__ import annotations

import subprocess
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
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: m1.tiny
      networks: [{network: {get_param: network}}]
      security_groups: [{get_param: group}]
      user_data_format: RAW
      user_data: |
        #!/bin/sh
        mkdir -p /var/www /var/lib/cloud/scripts/per-boot
        hostname > /var/www/index.html
        printf '#!/bin/sh\\nhttpd -p 8080 -h /var/www\\n' > /var/lib/cloud/scripts/per-boot/httpd
        chmod +x /var/lib/cloud/scripts/per-boot/httpd
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
      resource:
        type: My::Web
        properties:
          pool: {get_resource: pool}
          network: {get_param: network}
          subnet: {get_param: subnet}
          group: {get_resource: web_group}
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


def _get(address: str, timeout: float = 2) -> str | None:
    try:
        with urllib.request.urlopen(f"http://{address}/", timeout=timeout) as r:
            return str(r.read().decode().strip())
    except OSError:
        return None


def _explain(c: Cloud, server: str) -> None:
    """What a failure needs to be understood, printed (pytest shows it with the failure):
    the load balancer's status tree, the replacement server, the group's events, and
    what cheptel logged beyond its routine lines."""
    for lb in c.cli("loadbalancer", "list", cloud=DEMO):
        print("status tree:", c.cli("loadbalancer", "status", "show", lb["id"], cloud=DEMO,
                                    as_json=False).stdout)
    print("server:", c.cli("server", "show", server, cloud=DEMO))
    events = c.cli("stack", "event", "list", "--nested-depth", "2", "web-tier", cloud=DEMO)
    for e in sorted(events, key=lambda e: e["event_time"])[-40:]:
        print("event:", e["event_time"], e.get("stack_name", ""), e["resource_name"],
              e["resource_status"], e["resource_status_reason"])
    print("cheptel's log:", *[line for line in c.log.read_text().splitlines()
                               if line[:1].isdigit()][-60:], sep="\n")


def test_a_self_healing_web_tier_behind_a_load_balancer(heat_cloud: Cloud,
                                                         tmp_path: Path) -> None:
    c = heat_cloud
    demo = c.sdk(DEMO)
    private = demo.network.find_network("private")
    for name, text in (("top.yaml", TOP), ("web.yaml", WEB), ("env.yaml", ENV)):
        (tmp_path / name).write_text(text)
    c.cli("stack", "create", "--wait", "-t", str(tmp_path / "top.yaml"), "-e",
          str(tmp_path / "env.yaml"), "--parameter", f"network={private.id}",
          "--parameter", f"subnet={private.subnet_ids[0]}", "web-tier", cloud=DEMO,
          as_json=False)
    address = c.cli("stack", "output", "show", "web-tier", "address",
                    cloud=DEMO)["output_value"]

    def servers() -> list[str]:
        return list(c.cli("stack", "output", "show", "web-tier", "servers",
                          cloud=DEMO)["output_value"] or [])

    support.wait_for(lambda: len({_get(address) for _ in range(9)} - {None}) == 3, 60,
                     "the three servers answering through the load balancer")
    log: list[tuple[float, str | None]] = []
    done = threading.Event()

    def client() -> None:
        """A user's browser: waits 6 s (a request HAProxy sent to a member killed before
        its check saw it is retried on another after Octavia's 5 s connect timeout)."""
        while not done.is_set():
            start = time.monotonic()
            answer = _get(address, timeout=6)
            log.append((time.monotonic() - start, answer))
            time.sleep(0.05)
    loop = threading.Thread(target=client, daemon=True)
    loop.start()
    replaced = []
    seen = set(servers())
    for _ in range(3):  # each member killed in turn, its replacement awaited
        before = servers()
        victim = before[0]
        killed = time.monotonic()
        subprocess.run(["docker", "kill", f"cheptel-{victim}"], check=True,
                       capture_output=True)
        def healed(gone: str = victim) -> bool:
            now = servers()
            return gone not in now and len(now) == 3 and all(
                demo.compute.get_server(s).status == "ACTIVE" for s in now)
        support.wait_for(healed, 60, "the killed member replaced")
        new = next(s for s in servers() if s not in before)
        seen.add(new)
        name = demo.compute.get_server(new).name
        try:
            support.wait_for(lambda n=name: n in {_get(address) for _ in range(9)}, 30,
                             "the replacement in rotation")
        except AssertionError:
            _explain(c, new)
            raise
        replaced.append(time.monotonic() - killed)
    done.set()
    loop.join()
    ok = sum(1 for _, answer in log if answer is not None)
    slow = sum(1 for took, answer in log if answer is not None and took > 1)
    print(f"replaced in {', '.join(f'{t:.1f}' for t in replaced)} s (in rotation); the "
          f"client's {len(log)} requests: {ok / len(log):.2%} answered, {slow} in over 1 s")
    assert ok / len(log) >= 0.99, f"{len(log) - ok} of {len(log)} failed"
    c.cli("stack", "delete", "--yes", "--wait", "web-tier", cloud=DEMO, as_json=False)
    assert c.cli("loadbalancer", "list", cloud=DEMO) == []
    assert not [s for s in demo.compute.servers() if s.id in seen]
