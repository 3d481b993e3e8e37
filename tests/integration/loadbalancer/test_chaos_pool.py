"""`cheptel chaos --pool` on the real engine and HAProxy: three busybox web servers behind
a load balancer with an HTTP monitor (delay 1, one failure down), reached through a
floating IP on the VIP; two members killed while this test probes the same address on its
own. The load balancer routes around them: the availability a user saw stays high, the
report's figures agree with this probe's, each kill is seen ERROR in the pool within the
monitor's window, and nothing is left behind but the killed servers SHUTOFF (as Nova)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from cheptel.chaos import _probe
from tests.integration.cloud import Cloud
from tests.integration.compute import support
from tests.integration.loadbalancer.test_web_tier import DEMO, HTTPD, _status


def _service(c: Cloud) -> tuple[dict[str, str], str, str]:
    """Three web servers behind `web`: (server id -> member id, pool id, VIP's FIP)."""
    demo = c.sdk(DEMO)
    private = demo.network.find_network("private")
    subnet = demo.network.get_subnet(private.subnet_ids[0])
    group = demo.network.find_security_group("default", project_id=private.project_id)
    demo.network.create_security_group_rule(  # HAProxy's address (the VIP) is the source
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=8080, port_range_max=8080, remote_ip_prefix=subnet.cidr)
    servers = [demo.compute.create_server(
        name=f"web{i}", image_id=demo.image.find_image("busybox").id,
        flavor_id=demo.compute.find_flavor("m1.tiny").id, networks=[{"uuid": private.id}],
        user_data=support.user_data(HTTPD)) for i in range(3)]
    lb = c.cli("loadbalancer", "create", "--name", "web", "--vip-subnet-id", subnet.id,
               "--wait", cloud=DEMO)
    c.cli("loadbalancer", "listener", "create", "--name", "http", "--protocol", "HTTP",
          "--protocol-port", "80", "--wait", "web", cloud=DEMO)
    pool = c.cli("loadbalancer", "pool", "create", "--name", "pool", "--listener", "http",
                 "--protocol", "HTTP", "--lb-algorithm", "ROUND_ROBIN", "--wait",
                 cloud=DEMO)
    members = {}
    for s in [support.wait_status(demo, s.id, "ACTIVE") for s in servers]:
        address = next(a["addr"] for n in demo.compute.get_server(s.id).addresses.values()
                       for a in n)
        members[s.id] = c.cli("loadbalancer", "member", "create", "--name", s.name,
                              "--address", address, "--protocol-port", "8080",
                              "--subnet-id", subnet.id, "--wait", "pool", cloud=DEMO)["id"]
    c.cli("loadbalancer", "healthmonitor", "create", "--name", "hm", "--type", "HTTP",
          "--delay", "1", "--timeout", "1", "--max-retries", "1", "--max-retries-down", "1",
          "--url-path", "/", "--wait", "pool", cloud=DEMO)
    support.wait_for(lambda: all(_status(c, "member", "pool", m) == "ONLINE"
                                 for m in members.values()), 30, "members ONLINE")
    fip = demo.network.create_ip(floating_network_id=demo.network.find_network("public").id)
    demo.network.update_ip(fip, port_id=lb["vip_port_id"])
    support.wait_for(lambda: _probe(fip.floating_ip_address, 80), 20, "the VIP's FIP")
    return members, pool["id"], fip.floating_ip_address


def test_chaos_on_a_pool_through_its_load_balancer(lb_cloud: Cloud) -> None:
    c = lb_cloud
    members, pool, address = _service(c)
    base = [sys.executable, "-m", "cheptel", "chaos", "--data-dir", str(c.data_dir),
            "--project", "demo", "--pool", pool, "--faults", "kill", "--duration", "20",
            "--every", "8", "--seed", "1", "--grace", "6"]
    dry = subprocess.run([*base, "--dry-run"], env=c.env(), capture_output=True, text=True,
                         timeout=60)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"probing port 80 of load balancer web at {address}" in dry.stdout, dry.stdout
    plan = [line.split()[-3] for line in dry.stdout.splitlines() if "kill" in line]
    assert len(plan) == len(set(plan)) == 2, dry.stdout  # two members killed, one serves

    seen: list[tuple[float, bool]] = []
    done = threading.Event()

    def probe() -> None:  # a user of the service, on its own
        while not done.is_set():
            seen.append((time.time(), _probe(address, 80)))
            time.sleep(0.25)

    user = threading.Thread(target=probe, daemon=True)
    user.start()
    run = subprocess.run(base, env=c.env(), capture_output=True, text=True, timeout=120)
    done.set()
    user.join()
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(Path(run.stdout.strip().splitlines()[-1].split(
        "report saved in ")[1]).read_text())
    window = [ok for t, ok in seen
              if report["started"] <= t <= report["started"] + report["duration"]]
    ours = 100.0 * window.count(True) / len(window)
    tried, availability = report["requests"]["tried"], report["requests"]["availability"]
    killed = [i["server_id"] for i in report["injections"]]
    print(f"chaos through the load balancer: report {availability:.2f}% of {tried}, "
          f"this probe {ours:.2f}% of {len(window)}; member ERROR after "
          f"{[i['detected_after'] for i in report['injections']]} s\n{run.stdout}")
    assert list(report["probes"]) == ["loadbalancer"] and report["pool"]["address"] == address
    assert tried > 40 and abs(tried - len(window)) < 0.3 * len(window), (tried, len(window))
    # the balancer routes around a killed member once its check fails (~2 s): a request
    # or two of ~70 may fail meanwhile (a loaded host: a few more)
    assert availability >= 90 and ours >= 90, (availability, ours)
    assert abs(availability - ours) < 8, (availability, ours)
    # each kill seen ERROR in the pool within the monitor's window; none comes back
    assert sorted(killed) == sorted(set(killed)) and len(killed) == 2, report["injections"]
    assert all(i["detected_after"] is not None and i["detected_after"] < 15
               and i["recovered_after"] is None for i in report["injections"]), report
    for sid, member in members.items():
        assert _status(c, "member", "pool", member) == ("ERROR" if sid in killed
                                                        else "ONLINE")
    # left behind: only the killed servers, SHUTOFF as Nova leaves them
    names = {sid: c.sdk(DEMO).compute.get_server(sid).name for sid in killed}
    assert sorted(report["left"]) == sorted(f"{names[s]} is SHUTOFF" for s in killed), \
        report["left"]
    lb = c.cli("loadbalancer", "show", "web", cloud=DEMO)
    assert (lb["provisioning_status"], lb["operating_status"]) == ("ACTIVE", "DEGRADED")
    assert _probe(address, 80)  # the survivor serves
