"""Load balancer benchmark: N balancers started through the engine (cheptel.backends.haproxy:
start in the VIP's namespace, until both sockets answer) against the same
file started by a raw `haproxy -W -D` in the same namespace (until its pid file is written
and its stats socket answers),
then N reloads through the engine (a member added: check, state saved, SIGUSR2, the
master answering again).

Needs root and haproxy; makes its own bridge and namespaces (a cloud id of its own) and
removes them. Run: `.venv/bin/python bench/balancers.py [N]` (default 20).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cheptel.backends.balancer import Balancer, Listener, Member, Monitor, Pool  # noqa: E402
from cheptel.backends.haproxy import HaproxyBalancers, alive, ask  # noqa: E402
from cheptel.backends.haproxy_config import Paths, render  # noqa: E402
from cheptel.backends.netlink import NetlinkPlumbing  # noqa: E402
from cheptel.backends.plumbing import (  # noqa: E402
    Bridge,
    RouterNamespace,
    RouterPort,
    balancer_namespace,
    host_veth,
)

CLOUD = "bench-" + uuid.uuid4().hex[:12]


def report(name: str, values: list[float]) -> None:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
    print(f"{name:<44} p50 {statistics.median(values) * 1000:7.1f} ms   "
          f"p95 {p95 * 1000:7.1f} ms   (n={len(values)})")


def up(paths: Paths) -> bool:
    """The pid file written and the stats socket answering (what ensure waits for)."""
    try:
        return bool(paths.pid.read_text().split()) and bool(ask(paths.stats, "show info"))
    except OSError:
        return False


def spec(i: int, namespace: str, members: int = 2) -> Balancer:
    pool = Pool("pool", "HTTP", "ROUND_ROBIN", tuple(
        Member(f"m{j}", f"10.66.1.{10 + j}", 80) for j in range(members)),
        Monitor("HTTP", 5, 2, 2, 3))
    return Balancer(f"lb-{i}", namespace, f"10.66.0.{10 + i}",
                    (Listener("listener", "HTTP", 80, "pool"),), (pool,))


def main(n: int) -> None:
    plumbing = NetlinkPlumbing()
    bridge = "cbb" + uuid.uuid4().hex[:10]
    root = Path(tempfile.mkdtemp(prefix="chlb-"))
    raw_pids: list[int] = []
    plumbing.ensure_bridge(Bridge(bridge, CLOUD, "bench", None))
    engine = HaproxyBalancers(root / "lb")
    try:
        spaces = []
        for i in range(n):
            port = f"vip-{i}"
            space = RouterNamespace(balancer_namespace(CLOUD, f"lb-{i}"), CLOUD, f"lb-{i}", (
                RouterPort(port, host_veth(CLOUD, port), "vip", bridge,
                           f"fa:16:3e:66:00:{i:02x}", (f"10.66.0.{10 + i}/16",)),),
                forwarding=False)
            plumbing.ensure_router(space)
            spaces.append(space.name)
        started = []
        for i, name in enumerate(spaces):
            t = time.monotonic()
            engine.ensure(spec(i, name))
            started.append(time.monotonic() - t)
        t = time.monotonic()
        for i, name in enumerate(spaces):
            engine.ensure(spec(i, name))
        same = (time.monotonic() - t) / n
        reloads = []
        for i, name in enumerate(spaces):
            t = time.monotonic()
            engine.ensure(spec(i, name, members=3))
            reloads.append(time.monotonic() - t)
        for i in range(n):
            engine.remove(f"lb-{i}")
        raw = []
        for i, name in enumerate(spaces):  # the same file, by hand
            paths = Paths(root / "raw" / f"lb-{i}")
            paths.directory.mkdir(parents=True)
            paths.config.write_text(render(replace(spec(i, name)), paths))
            t = time.monotonic()
            subprocess.run(["nsenter", f"--net=/run/netns/{name}", "haproxy", "-W", "-D",
                            "-p", str(paths.pid), "-S", str(paths.master),
                            "-f", str(paths.config)], check=True, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not up(paths):
                time.sleep(0.005)
            raw.append(time.monotonic() - t)
            raw_pids.append(int(paths.pid.read_text().split()[0]))
        report("ensure: start (both sockets answering)", started)
        report("raw haproxy -W -D (until it answers)", raw)
        report("ensure: reload (a member more)", reloads)
        print(f"ensure of an unchanged spec: {same * 1000:.2f} ms")
        print(f"start ratio (p50): {statistics.median(started) / statistics.median(raw):.1f}x")
    finally:
        for pid in raw_pids:
            subprocess.run(["kill", str(pid)], check=False)
        deadline = time.monotonic() + 5
        while any(alive(p) for p in raw_pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        for i in range(n):
            engine.remove(f"lb-{i}")
        for name in plumbing.balancers(CLOUD):
            plumbing.remove_router(name)
        plumbing.remove_bridge(bridge)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
