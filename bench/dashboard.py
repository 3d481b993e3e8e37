"""Dashboard benchmark: how soon Horizon answers after `cheptel serve`, and its page times.

Starts a real `cheptel serve` (fake container engine: the pages' API calls are the
subject, not Docker) with the dashboard in a temporary data dir and prints:
  - seconds from the process start to the API's first answer and to /dashboard's login
    page, on the first start (static files collected and compressed once) and on a
    restart (reused);
  - warm page times (server side: the HTML of each page, the API calls Horizon makes for
    it included; not the browser's rendering) over the pages below, p50 and p95, against
    the target p95 <= 300 ms.
Run: `make bench` or `.venv/bin/python bench/dashboard.py [rounds]`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.cloud import ADMIN_PASSWORD, Cloud  # noqa: E402
from tests.integration.dashboard.horizon import errors, login  # noqa: E402

PAGES = ["project/", "project/instances/", "project/images/", "project/key_pairs/",
         "project/networks/", "project/routers/", "project/security_groups/",
         "project/floating_ips/", "project/volumes/", "project/network_topology/",
         "admin/", "admin/instances/", "admin/hypervisors/", "admin/flavors/",
         "identity/", "identity/users/", "identity/domains/"]
TARGET_P95_MS = 300.0


def start(cloud: Cloud) -> tuple[float, float]:
    """-> (seconds to the API's answer, seconds to the dashboard's login page)."""
    t0 = time.monotonic()
    cloud.start()
    api = time.monotonic() - t0
    while True:
        r = httpx.get(f"{cloud.base_url}/dashboard/auth/login/", timeout=30)
        if r.status_code == 200:
            return api, time.monotonic() - t0
        time.sleep(0.1)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="cheptel-bench-dashboard-") as tmp:
        cloud = Cloud(Path(tmp) / "cloud", extra_env={"CHEPTEL_DASHBOARD": "1",
                                                       "CHEPTEL_CONTAINER_ENGINE": "fake"})
        try:
            api, dash = start(cloud)
            print(f"first start: API {api:.1f} s, dashboard {dash:.1f} s "
                  f"(static files prepared)")
            cloud.stop()
            api, dash = start(cloud)
            print(f"restart:     API {api:.1f} s, dashboard {dash:.1f} s (static files reused)")
            client = login(cloud, "admin", ADMIN_PASSWORD)
            for page in PAGES:  # cold: templates compiled, clients made
                r = client.get(f"/dashboard/{page}")
                if r.status_code != 200 or errors(r.text):
                    print(f"  {page}: {r.status_code} {errors(r.text)}")
            times = []
            for _ in range(rounds):
                for page in PAGES:
                    t = time.perf_counter()
                    client.get(f"/dashboard/{page}")
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p50 = statistics.median(times)
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"warm pages ({len(PAGES)} pages x {rounds}): p50 {p50:.0f} ms, "
                  f"p95 {p95:.0f} ms, max {times[-1]:.0f} ms "
                  f"(target p95 <= {TARGET_P95_MS:.0f} ms: ratio {p95 / TARGET_P95_MS:.2f})")
        finally:
            cloud.close()


if __name__ == "__main__":
    main()
