"""Boot benchmark: servers through the API (openstacksdk, until ACTIVE) against raw
`docker run -d` of the same image, in one run; then delete latency both ways; then Rally's
boot-and-delete at a concurrency against the same with raw docker.

Starts a real `cheptel serve` (real Docker Engine) in a temporary data dir, boots N
servers one after the other from the bootstrap `busybox` image with flavor m1.tiny, and
N containers with `docker run -d` of the same local image. Prints p50/p95 of each, the
ratio, and the delete latencies (API: until 404; docker: `docker rm -f`). The same on the
`private` network (a Neutron port and its rules, the container plumbed by cheptel)
against `docker run -d` on Docker's default `bridge` network (Docker's own veth and
IPAM). Each API boot and delete is measured beside its docker twin, in turn, so that a
drift of the machine weighs on both. Then M boot-and-delete cycles (create, ACTIVE,
delete, gone) by C workers, each polling every 0.2 s, against M `docker run -d` +
`docker rm -f` by C workers on Docker's `bridge` network, in two halves each taken in turn
(API, docker, API, docker): failures and wall time (target: 0 failures, <= 1.3x).
Run: `make bench` or `.venv/bin/python bench/boot.py [N] [M] [C]` (defaults 10, 100, 5).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cheptel.compute.images import local_ref  # noqa: E402
from tests.integration.cloud import Cloud  # noqa: E402

POLL = 0.02
DOCKER_NET = "bridge"  # Docker's default network: its own veth, IPAM and rules


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def report(name: str, values: list[float]) -> float:
    p50 = statistics.median(values)
    print(f"{name:<34} p50 {p50 * 1000:8.1f} ms   p95 {pct(values, 95) * 1000:8.1f} ms   "
          f"(n={len(values)})")
    return p50


def wait_status(conn, sid: str, want: str, poll: float = POLL) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        server = conn.compute.get_server(sid)
        if server.status == want:
            return
        if server.status == "ERROR":
            raise RuntimeError(f"server {sid} went to ERROR: {server.fault}")
        time.sleep(poll)
    raise RuntimeError(f"server {sid} never reached {want}")


def wait_gone(conn, sid: str, poll: float = POLL) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if conn.compute.find_server(sid, ignore_missing=True) is None:
            return
        time.sleep(poll)
    raise RuntimeError(f"server {sid} was never deleted")


CMD = ["/bin/sh", "-c", "while :; do sleep 3600; done"]


def _docker_run(name: str, network: str, ref: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["docker", "run", "-d", "--init", "--name", name, "--memory", "512m",
                    "--network", network, ref, *CMD], check=True, capture_output=True)
    return time.perf_counter() - t0


def _docker_rm(name: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["docker", "rm", "-f", name], check=True, capture_output=True)
    return time.perf_counter() - t0


def concurrent(cloud: Cloud, image_id: str, flavor_id: str, network_id: str,
               engine_net: str, ref: str, total: int, workers: int, tag: str) -> None:
    """Rally's boot-and-delete: `total` cycles by `workers` threads, API then raw docker."""
    local = threading.local()
    failures: list[str] = []

    def api_cycle(i: int) -> None:
        if not hasattr(local, "conn"):
            local.conn = cloud.sdk("cheptel-demo")
        conn = local.conn
        try:
            s = conn.compute.create_server(name=f"rally-{i}", image_id=image_id,
                                           flavor_id=flavor_id,
                                           networks=[{"uuid": network_id}])
            wait_status(conn, s.id, "ACTIVE", poll=0.2)
            conn.compute.delete_server(s.id)
            wait_gone(conn, s.id, poll=0.2)
        except Exception as exc:  # counted, not raised: the figure is the failure count
            failures.append(f"{i}: {exc}")

    def docker_cycle(i: int) -> None:
        name = f"cheptel-bench-{tag}-rally-{i}"
        try:
            _docker_run(name, engine_net, ref)
        finally:  # a failed run may leave a created container behind
            _docker_rm(name)

    def timed(cycle: Callable[[int], None], cycles: range) -> float:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(cycle, cycles))
        return time.perf_counter() - t0

    # in two halves each, taken in turn (API, docker, API, docker): as for the single
    # boots, a drift of the machine weighs on both sides
    half = total // 2
    api_wall = docker_wall = 0.0
    for cycles in (range(half), range(half, total)):
        api_wall += timed(api_cycle, cycles)
        docker_wall += timed(docker_cycle, cycles)
    print(f"boot-and-delete x{total} at concurrency {workers}, on `private`")
    print(f"{'  API (create, ACTIVE, delete, gone)':<34} wall {api_wall:8.1f} s   "
          f"failures {len(failures)}")
    print(f"{'  docker run -d + docker rm -f':<34} wall {docker_wall:8.1f} s")
    print(f"{'  wall ratio (target <= 1.3x)':<34} {api_wall / docker_wall:8.2f}x")
    for f in failures[:5]:
        print(f"  failure {f}")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    with tempfile.TemporaryDirectory() as tmp:
        cloud = Cloud(Path(tmp) / "cloud", extra_env={"CHEPTEL_BCRYPT_ROUNDS": "4"}).start()
        try:
            conn = cloud.sdk("cheptel-demo")
            image = conn.image.find_image("busybox")
            flavor = conn.compute.find_flavor("m1.tiny")
            # warm-up: loads the image into the engine once, as any first boot does
            first = conn.compute.create_server(name="warm", image_id=image.id,
                                               flavor_id=flavor.id, networks="none")
            wait_status(conn, first.id, "ACTIVE")
            ref = local_ref(cloud.id or "", image.id)
            conn.compute.delete_server(first.id)
            wait_gone(conn, first.id)

            # each API measurement beside its docker twin, taken in turn: a drift of the
            # machine (its load, the engine's state) weighs on both sides alike
            api_boot, api_delete, docker_boot, docker_delete = [], [], [], []
            net_boot, docker_net = [], []
            private = conn.network.find_network("private")
            engine_net = DOCKER_NET
            prefix = f"cheptel-bench-{(cloud.id or '')[:12]}"
            for i in range(n):
                t0 = time.perf_counter()
                s = conn.compute.create_server(name=f"bench-{i}", image_id=image.id,
                                               flavor_id=flavor.id, networks="none")
                wait_status(conn, s.id, "ACTIVE")
                api_boot.append(time.perf_counter() - t0)
                docker_boot.append(_docker_run(f"{prefix}-raw-{i}", "none", ref))
                t0 = time.perf_counter()
                conn.compute.delete_server(s.id)
                wait_gone(conn, s.id)
                api_delete.append(time.perf_counter() - t0)
                docker_delete.append(_docker_rm(f"{prefix}-raw-{i}"))
                # the same on a network: a Neutron port on `private` (plumbed by cheptel)
                # against `docker run` on Docker's own bridge network
                t0 = time.perf_counter()
                s = conn.compute.create_server(name=f"bench-net-{i}", image_id=image.id,
                                               flavor_id=flavor.id,
                                               networks=[{"uuid": private.id}])
                wait_status(conn, s.id, "ACTIVE")
                net_boot.append(time.perf_counter() - t0)
                docker_net.append(_docker_run(f"{prefix}-net-{i}", engine_net, ref))
                conn.compute.delete_server(s.id)
                wait_gone(conn, s.id)
                _docker_rm(f"{prefix}-net-{i}")

            print(f"cheptel boot bench: {n} servers, image busybox, flavor m1.tiny")
            a = report("API boot (create -> ACTIVE)", api_boot)
            d = report("docker run -d", docker_boot)
            print(f"{'boot p50 ratio (API / docker)':<34} {a / d:8.2f}x")
            a = report("API boot on `private` (port+rules)", net_boot)
            d = report("docker run -d on Docker's bridge", docker_net)
            print(f"{'networked boot p50 ratio':<34} {a / d:8.2f}x")
            a = report("API delete (delete -> 404)", api_delete)
            d = report("docker rm -f", docker_delete)
            print(f"{'delete p50 ratio (API / docker)':<34} {a / d:8.2f}x")
            if total:
                concurrent(cloud, image.id, flavor.id, private.id, engine_net, ref, total,
                           workers, (cloud.id or '')[:12])
        finally:
            cloud.close()  # stopped, then `cheptel teardown`: nothing of it stays
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
