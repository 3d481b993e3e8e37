"""API benchmark without containers: start time, memory, and listing 1,000 servers.

Starts a real `cheptel serve` on the fake container engine (servers are database rows and
Neutron ports; no Docker work) in a temporary data dir and prints, each beside its
baseline or target, as a ratio:
  - cold start (first start: migrations and bootstrap) and restart, to the first answer,
    against a bare Starlette app under uvicorn started the same way (target <= 2 s);
  - idle RSS of the serve process, then with 500 servers (targets 150 MB and 250 MB);
  - GET /compute/v2.1/servers/detail with 100 and with 1,000 servers (each on the
    `private` network: a port, a fixed IP, the default security group, metadata and a
    tag), p50 and p99, against GET /servers (names only) of the same 1,000
    (target: p99 <= 200 ms at 1,000).
Run: `make bench` or `.venv/bin/python bench/api.py [requests a series]`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.cloud import (  # noqa: E402
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    Cloud,
    free_port,
)

COMPUTE = "/compute/v2.1"
BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
import uvicorn

async def root(request):
    return JSONResponse({"ok": True})

uvicorn.run(Starlette(routes=[Route("/", root)]), host="127.0.0.1",
            port=int(__import__("sys").argv[1]), log_level="warning")
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(
        values) > 1 else values[0]


def until_answers(url: str, proc: subprocess.Popen, t0: float) -> float:
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.005)


def bare_start() -> float:
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)])
    try:
        return until_answers(f"http://127.0.0.1:{port}/", proc, t0)
    finally:
        proc.terminate()
        proc.wait()


def cheptel_start(cloud: Cloud) -> float:
    """Start (as Cloud.start does) and time the first answer of GET /identity/v3."""
    t0 = time.perf_counter()
    cloud.start()
    assert cloud.proc is not None
    return until_answers(cloud.auth_url, cloud.proc, t0)


def line(name: str, value: float, unit: str, base: float, base_name: str) -> None:
    print(f"{name:<44} {value:9.1f} {unit:<3} {base_name} {base:9.1f} {unit:<3} "
          f"ratio {value / base:5.2f}x")


def boot_rows(http: httpx.Client, token: str, network_id: str, count: int, batch: int = 50
              ) -> None:
    """`count` servers on `private`, `batch` a request (min_count = max_count)."""
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.52"}
    made = 0
    while made < count:
        n = min(batch, count - made)
        r = http.post(f"{COMPUTE}/servers", headers=headers, json={"server": {
            "name": f"row-{made}", "imageRef": IMAGE[0], "flavorRef": "1",
            "networks": [{"uuid": network_id}], "min_count": n, "max_count": n,
            "metadata": {"role": "bench"}, "tags": ["bench"]}})
        assert r.status_code == 202, r.text
        made += n


IMAGE: list[str] = []


def settle(http: httpx.Client, headers: dict) -> None:
    """Until the reconciler has nothing left to build (no write competes with the reads)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if not http.get(f"{COMPUTE}/servers?status=BUILD", headers=headers).json()["servers"]:
            return
        time.sleep(0.5)
    raise RuntimeError("servers still building after 600 s")


def series(http: httpx.Client, path: str, headers: dict, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = http.get(path, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    return times


def report(name: str, values: list[float], count: int) -> tuple[float, float]:
    p50, p99 = statistics.median(values), pct(values, 99)
    print(f"{name:<44} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   ({count} servers, "
          f"n={len(values)})")
    return p50, p99


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    # bcrypt at its default cost: the first start hashes the admin and demo passwords
    env = {"CHEPTEL_BCRYPT_ROUNDS": "12",
           "CHEPTEL_CONTAINER_ENGINE": "fake", "CHEPTEL_PRIVATE_CIDR": "10.77.0.0/21",
           "CHEPTEL_AUTO_CIDR_POOL": "10.77.0.0/16", "CHEPTEL_PUBLIC_CIDR": "172.24.250.0/24"}
    with tempfile.TemporaryDirectory() as tmp:
        bare = min(bare_start() for _ in range(3))
        cloud = Cloud(Path(tmp) / "cloud", extra_env=env)
        cold = cheptel_start(cloud)
        cloud.stop()
        warm = cheptel_start(cloud)
        print("cheptel API bench (fake container engine)")
        line("cold start to first answer (first start)", cold, "s", bare, "bare uvicorn")
        line("restart to first answer", warm, "s", bare, "bare uvicorn")
        print(f"{'  target <= 2 s: ratio to the target':<44} {max(cold, warm) / 2:9.2f}x")
        try:
            assert cloud.proc is not None
            pid = cloud.proc.pid
            time.sleep(1)
            idle = rss_mb(pid)
            print(f"{'idle RSS':<44} {idle:9.1f} MB  target 150 MB ratio {idle / 150:5.2f}x")
            admin = cloud.token("admin", ADMIN_PASSWORD, "admin")
            demo = cloud.token("demo", DEMO_PASSWORD, "demo")
            with httpx.Client(base_url=cloud.base_url, timeout=300) as http:
                ah = {"X-Auth-Token": admin}
                check = {**ah, "X-Subject-Token": demo}
                project = http.get("/identity/v3/auth/tokens", headers=check).json()[
                    "token"]["project"]["id"]
                r = http.put(f"{COMPUTE}/os-quota-sets/{project}", headers=ah, json={
                    "quota_set": {"instances": -1, "cores": -1, "ram": -1}})
                assert r.status_code == 200, r.text
                r = http.put(f"/network/v2.0/quotas/{project}", headers=ah,
                             json={"quota": {"port": -1}})
                assert r.status_code == 200, r.text
                dh = {"X-Auth-Token": demo}
                IMAGE.append(http.get("/image/v2/images?name=busybox", headers=dh).json()[
                    "images"][0]["id"])
                net = http.get("/network/v2.0/networks?name=private", headers=dh).json()[
                    "networks"][0]["id"]
                boot_rows(http, demo, net, 100)
                settle(http, dh)
                small = series(http, f"{COMPUTE}/servers/detail", dh, n)
                boot_rows(http, demo, net, 400)
                settle(http, dh)
                time.sleep(2)
                rss500 = rss_mb(pid)
                boot_rows(http, demo, net, 500)
                settle(http, dh)
                big = series(http, f"{COMPUTE}/servers/detail", dh, n)
                names = series(http, f"{COMPUTE}/servers", dh, n)
            print(f"{'RSS with 500 servers':<44} {rss500:9.1f} MB  target 250 MB ratio "
                  f"{rss500 / 250:5.2f}x")
            report("GET /servers/detail", small, 100)
            d50, d99 = report("GET /servers/detail", big, 1000)
            s50, s99 = report("GET /servers (names only)", names, 1000)
            print(f"{'detail / names-only at 1,000 (p50, p99)':<44} {d50 / s50:5.2f}x "
                  f"{d99 / s99:5.2f}x")
            print(f"{'detail p99 at 1,000: target <= 200 ms':<44} {d99:9.1f} ms  ratio "
                  f"{d99 / 200:5.2f}x")
        finally:
            cloud.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
