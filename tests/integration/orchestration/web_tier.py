"""Issue 13's web tier, as a user writes it, shared by the tests that drive it (healing,
rolling update, chaos): a load balancer with an HTTP listener, a pool and a health
monitor, a floating IP on its VIP, and an AutoScalingGroup of three busybox web servers
(`rolling_updates: {max_batch_size: 1, min_in_service: 2}`), each with its pool member,
from a nested template named by the environment. Each server's page is its hostname and
the stack's `banner` parameter ("<name> v1")."""

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


def get(address: str, timeout: float = 2) -> str | None:
    """The page at `address`, or None."""
    try:
        with urllib.request.urlopen(f"http://{address}/", timeout=timeout) as r:
            return str(r.read().decode().strip())
    except OSError:
        return None


def pages(address: str, tries: int = 9) -> set[str]:
    """The pages seen in `tries` requests (round robin: each server's)."""
    return {p for p in (get(address) for _ in range(tries)) if p is not None}


def create(c: Cloud, tmp_path: Path, stack: str) -> str:
    """`openstack stack create --wait` of the web tier on `private`: its floating IP."""
    private = c.sdk(DEMO).network.find_network("private")
    for name, text in (("top.yaml", TOP), ("web.yaml", WEB), ("env.yaml", ENV)):
        (tmp_path / name).write_text(text)
    c.cli("stack", "create", "--wait", "-t", str(tmp_path / "top.yaml"), "-e",
          str(tmp_path / "env.yaml"), "--parameter", f"network={private.id}",
          "--parameter", f"subnet={private.subnet_ids[0]}", stack, cloud=DEMO,
          as_json=False, timeout=600)
    return str(c.cli("stack", "output", "show", stack, "address", cloud=DEMO)["output_value"])


def servers(c: Cloud, stack: str) -> list[str]:
    """The group's servers (the `servers` output)."""
    return list(c.cli("stack", "output", "show", stack, "servers",
                      cloud=DEMO)["output_value"] or [])


def wait_serving(c: Cloud, stack: str, address: str, timeout: float = 90) -> None:
    """Until the three servers answer through the load balancer; else what is seen, the
    load balancer's state and the stack's, printed."""
    try:
        support.wait_for(lambda: len(pages(address)) == 3, timeout,
                         "the three servers answering through the load balancer")
    except AssertionError:
        print("pages seen:", pages(address), "members:", servers(c, stack))
        explain(c, stack)
        raise


def explain(c: Cloud, stack: str, server: str | None = None) -> None:
    """What a failure needs to be understood, printed (pytest shows it with the failure):
    the load balancer's status tree, the server, the stack's last events, and what cheptel
    logged beyond its routine lines."""
    for lb in c.cli("loadbalancer", "list", cloud=DEMO):
        print("status tree:", c.cli("loadbalancer", "status", "show", lb["id"], cloud=DEMO,
                                    as_json=False).stdout)
    if server:
        print("server:", c.cli("server", "show", server, cloud=DEMO))
    events = c.cli("stack", "event", "list", "--nested-depth", "2", stack, cloud=DEMO)
    for e in sorted(events, key=lambda e: e["event_time"])[-60:]:
        print("event:", e["event_time"], e.get("stack_name", ""), e["resource_name"],
              e["resource_status"], e["resource_status_reason"])
    print("cheptel's log:", *[line for line in c.log.read_text().splitlines()
                               if line[:1].isdigit()][-60:], sep="\n")


class Client:
    """A user's browser looping on the address: a 6 s patience (a request HAProxy sent
    to a member killed before its check saw it is retried on another after Octavia's
    5 s connect timeout). Each request's (seconds, page or None) is in `log`."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.log: list[tuple[float, str | None]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._done.is_set():
            start = time.monotonic()
            answer = get(self.address, timeout=6)
            self.log.append((time.monotonic() - start, answer))
            time.sleep(0.05)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    @property
    def answered(self) -> float:
        """The share of requests answered."""
        return sum(1 for _, a in self.log if a is not None) / len(self.log)

    def summary(self) -> str:
        slow = sum(1 for took, a in self.log if a is not None and took > 1)
        return (f"the client's {len(self.log)} requests: {self.answered:.2%} answered, "
                f"{slow} in over 1 s")
