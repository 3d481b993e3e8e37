"""Issue 12's end-to-end scenario, driven by the unmodified `openstack loadbalancer ...`
(python-octaviaclient) against a real cheptel: three busybox web servers behind an HTTP
listener with a health monitor, reached through a floating IP on the VIP from the host.
Requests are spread over all three; a stopped server leaves the rotation within the
monitor's interval (no failed request past that window) and comes back when started;
delete --cascade leaves no HAProxy, no namespace, no VIP port."""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from cheptel.backends.plumbing import balancer_namespace
from tests.integration.cloud import Cloud
from tests.integration.compute import support

# the web server is a service of the guest: cloud-init's per-boot script starts it at
# every boot, so a stopped and started server serves again
HTTPD = """#!/bin/sh
mkdir -p /var/www /var/lib/cloud/scripts/per-boot
hostname > /var/www/index.html
printf '#!/bin/sh\\nhttpd -p 8080 -h /var/www\\n' > /var/lib/cloud/scripts/per-boot/httpd
chmod +x /var/lib/cloud/scripts/per-boot/httpd
"""
DEMO = "cheptel-demo"


def _get(address: str, timeout: float = 2.0) -> str | None:
    try:
        with urllib.request.urlopen(f"http://{address}/", timeout=timeout) as r:
            return str(r.read().decode().strip())
    except OSError:
        return None


def _status(c: Cloud, kind: str, *args: str) -> str:
    return str(c.cli("loadbalancer", kind, "show", *args, cloud=DEMO)["operating_status"])


def test_three_web_servers_behind_a_load_balancer(lb_cloud: Cloud, tmp_path: Path) -> None:
    c = lb_cloud
    demo = c.sdk(DEMO)
    private = demo.network.find_network("private")
    subnet = demo.network.get_subnet(private.subnet_ids[0])
    # the members see HAProxy's address (the VIP) as the source: Octavia's documented rule
    group = demo.network.find_security_group("default", project_id=private.project_id)
    demo.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=8080, port_range_max=8080, remote_ip_prefix=subnet.cidr)
    servers = [demo.compute.create_server(
        name=f"web{i}", image_id=demo.image.find_image("busybox").id,
        flavor_id=demo.compute.find_flavor("m1.tiny").id, networks=[{"uuid": private.id}],
        user_data=support.user_data(HTTPD)) for i in range(3)]
    servers = [support.wait_status(demo, s.id, "ACTIVE") for s in servers]
    names = {s.id: s.name for s in servers}

    lb = c.cli("loadbalancer", "create", "--name", "web", "--vip-subnet-id", subnet.id,
               "--wait", cloud=DEMO)
    assert lb["provisioning_status"] == "ACTIVE", lb
    c.cli("loadbalancer", "listener", "create", "--name", "http", "--protocol", "HTTP",
          "--protocol-port", "80", "--wait", "web", cloud=DEMO)
    c.cli("loadbalancer", "pool", "create", "--name", "pool", "--listener", "http",
          "--protocol", "HTTP", "--lb-algorithm", "ROUND_ROBIN", "--wait", cloud=DEMO)
    members = {}
    for s in servers:
        address = next(a["addr"] for n in demo.compute.get_server(s.id).addresses.values()
                       for a in n)
        made = c.cli("loadbalancer", "member", "create", "--name", s.name, "--address",
                     address, "--protocol-port", "8080", "--subnet-id", subnet.id, "--wait",
                     "pool", cloud=DEMO)
        members[s.id] = made["id"]
    c.cli("loadbalancer", "healthmonitor", "create", "--name", "hm", "--type", "HTTP",
          "--delay", "1", "--timeout", "1", "--max-retries", "1", "--max-retries-down", "1",
          "--url-path", "/", "--wait", "pool", cloud=DEMO)
    support.wait_for(lambda: all(_status(c, "member", "pool", m) == "ONLINE"
                                 for m in members.values()), 30, "members ONLINE")
    assert c.cli("loadbalancer", "show", "web", cloud=DEMO)["operating_status"] == "ONLINE"

    # a floating IP on the VIP port reaches the listener from the host
    public = demo.network.find_network("public")
    fip = demo.network.create_ip(floating_network_id=public.id)
    demo.network.update_ip(fip, port_id=lb["vip_port_id"])
    address = fip.floating_ip_address
    support.wait_for(lambda: _get(address) is not None, 20, "the VIP through the FIP")
    seen = Counter(_get(address) for _ in range(30))
    assert set(seen) == set(names.values()), seen  # round robin: all three, no failure

    # one stops: out of rotation within the monitor's interval, none failed past it (a
    # client loops all along)
    victim = servers[0]
    log: list[tuple[float, str | None]] = []
    done = threading.Event()

    def client() -> None:
        while not done.is_set():
            log.append((time.monotonic(), _get(address, timeout=1.0)))
    loop = threading.Thread(target=client, daemon=True)
    loop.start()
    time.sleep(1)
    demo.compute.stop_server(victim.id)
    stopped = time.monotonic()
    support.wait_status(demo, victim.id, "SHUTOFF")
    support.wait_for(lambda: _status(c, "member", "pool", members[victim.id]) == "ERROR",
                     20, "the stopped member ERROR")
    out = time.monotonic()
    time.sleep(3)
    done.set()
    loop.join()
    failed = [t for t, answer in log if answer is None]
    print(f"stopped member ERROR after {out - stopped:.1f} s; the client's {len(log)} "
          f"requests: {len(failed)} failed")
    assert not [t for t in failed if t > out], "failed requests past the monitor's window"
    answers = [answer for t, answer in log if t > out]
    assert answers and names[victim.id] not in answers
    assert c.cli("loadbalancer", "show", "web", cloud=DEMO)["operating_status"] == \
        "DEGRADED"
    # started again, it comes back
    demo.compute.start_server(victim.id)
    support.wait_for(lambda: _status(c, "member", "pool", members[victim.id]) == "ONLINE",
                     40, "the restarted member ONLINE")
    support.wait_for(lambda: names[victim.id] in {_get(address) for _ in range(6)}, 10,
                     "the restarted member in rotation")

    # a member on another subnet of the same router: reached through it
    far_net = demo.network.create_network(name="far")
    far_subnet = demo.network.create_subnet(network_id=far_net.id, ip_version=4,
                                            cidr="10.0.1.0/24")
    router = demo.network.find_router("router1")
    demo.network.add_interface_to_router(router, subnet_id=far_subnet.id)
    far = support.wait_status(demo, demo.compute.create_server(
        name="far", image_id=demo.image.find_image("busybox").id,
        flavor_id=demo.compute.find_flavor("m1.tiny").id, networks=[{"uuid": far_net.id}],
        user_data=support.user_data(HTTPD)).id, "ACTIVE")
    far_ip = next(a["addr"] for n in demo.compute.get_server(far.id).addresses.values()
                  for a in n)
    far_member = c.cli("loadbalancer", "member", "create", "--address", far_ip,
                       "--protocol-port", "8080", "--subnet-id", far_subnet.id, "--wait",
                       "pool", cloud=DEMO)["id"]
    support.wait_for(lambda: _status(c, "member", "pool", far_member) == "ONLINE", 30,
                     "the member behind the router ONLINE")
    support.wait_for(lambda: "far" in {_get(address) for _ in range(8)}, 10,
                     "the member behind the router in rotation")

    stats = c.cli("loadbalancer", "stats", "show", "web", cloud=DEMO)
    assert stats["total_connections"] >= 60, stats  # summed over the reloads

    # delete --cascade: no HAProxy, no namespace, no VIP port left
    c.cli("loadbalancer", "delete", "--cascade", "--wait", "web", cloud=DEMO, as_json=False)
    assert c.cli("loadbalancer", "list", cloud=DEMO) == []
    assert demo.network.find_port(lb["vip_port_id"]) is None
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                check=True).stdout
    assert balancer_namespace(support.cloud_id(c), lb["id"]) not in namespaces
    running = subprocess.run(["pgrep", "-f", f"lb/{lb['id']}"], capture_output=True)
    assert running.returncode == 1, running.stdout


def _haproxies(lb_id: str) -> int:
    found = subprocess.run(["pgrep", "-f", f"lb/{lb_id}/"], capture_output=True, text=True)
    return len(found.stdout.split())


def _masters(lb_id: str) -> int:
    """HAProxy masters of the balancer: its processes whose parent is none of them."""
    rows = [line.split(None, 2) for line in subprocess.run(
        ["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True,
        check=True).stdout.splitlines()]
    ours = {r[0]: r[1] for r in rows if len(r) == 3 and f"lb/{lb_id}/" in r[2]
            and "haproxy" in r[2]}
    return sum(1 for ppid in ours.values() if ppid not in ours)


def _crash(c: Cloud) -> None:
    """kill -9 of cheptel with the work just recorded, then a start on the same data."""
    c.kill()
    c.start()


def test_kill_9_during_create_update_and_delete_leaves_nothing_pending(
        lb_cloud: Cloud) -> None:
    """A cheptel killed right after accepting each write: the restart drives the load
    balancer on from the database (nothing left PENDING_*), adopts the HAProxy that kept
    running (one master per balancer, not two), and a delete finishes with no process,
    namespace or port left."""
    c = lb_cloud
    demo = c.sdk(DEMO)
    subnet = demo.network.find_network("private").subnet_ids[0]
    lb = c.cli("loadbalancer", "create", "--name", "crash", "--vip-subnet-id", subnet,
               cloud=DEMO)
    _crash(c)
    support.wait_for(lambda: c.cli("loadbalancer", "show", lb["id"], cloud=DEMO)[
        "provisioning_status"] == "ACTIVE", 60, "the balancer ACTIVE after the crash")
    c.cli("loadbalancer", "listener", "create", "--protocol", "TCP", "--protocol-port",
          "2222", "--name", "crash-l", lb["id"], cloud=DEMO)
    _crash(c)
    support.wait_for(lambda: c.cli("loadbalancer", "listener", "show", "crash-l",
                                   cloud=DEMO)["provisioning_status"] == "ACTIVE", 60,
                     "the listener ACTIVE after the crash")
    support.wait_for(lambda: c.cli("loadbalancer", "show", lb["id"], cloud=DEMO)[
        "provisioning_status"] == "ACTIVE", 30, "the balancer ACTIVE")
    assert _masters(lb["id"]) == 1
    _crash(c)  # with nothing pending: the running HAProxy is adopted, not doubled
    time.sleep(2)
    assert _masters(lb["id"]) == 1
    c.cli("loadbalancer", "delete", "--cascade", lb["id"], cloud=DEMO, as_json=False)
    _crash(c)
    support.wait_for(lambda: c.cli("loadbalancer", "show", lb["id"], cloud=DEMO,
                                   check=False, as_json=False).returncode != 0, 60,
                     "the balancer gone after the crash")
    support.wait_for(lambda: _haproxies(lb["id"]) == 0, 10, "no HAProxy left")
    # the VIP's namespace goes with the network pass the delete kicks (it follows the
    # rows: the balancer's are gone by now)
    space = balancer_namespace(support.cloud_id(c), lb["id"])
    support.wait_for(lambda: space not in subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout, 10,
        "the VIP's namespace removed")
    assert demo.network.find_port(lb["vip_port_id"]) is None
