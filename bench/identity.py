"""Identity benchmark: token issue (password), token validation, and the cost of auth.

Starts a real `cheptel serve` (on the fake container engine) in a temporary data dir
(bcrypt at the default cost 12 unless CHEPTEL_BCRYPT_ROUNDS says otherwise) and prints
p50/p95 in milliseconds for:
  - POST /v3/auth/tokens with a password (bcrypt dominates by design),
  - GET /v3/auth/tokens (validation of a subject token),
  - the same request (GET /v3, the version document) with and without a token: the
    difference is what authentication and policy add to a request (target <= 0.5 ms);
  - an authenticated GET /v3/projects/{id} and GET /compute/v2.1/flavors against the
    unauthenticated version document.
Run: `make bench` or `.venv/bin/python bench/identity.py [N]`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.cloud import ADMIN_PASSWORD, Cloud  # noqa: E402


def measure(n: int, fn: Callable[[], httpx.Response], status: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = fn()
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == status, (r.status_code, r.text)
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def report(name: str, values: list[float]) -> tuple[float, float]:
    p50, p95 = statistics.median(values), pct(values, 95)
    print(f"{name:<38} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   (n={len(values)})")
    return p50, p95


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = os.environ.get("CHEPTEL_BCRYPT_ROUNDS", "12")
    with tempfile.TemporaryDirectory() as tmp:
        # the fake container engine: nothing here touches a container, nothing is left behind
        cloud = Cloud(Path(tmp) / "cloud", extra_env={"CHEPTEL_BCRYPT_ROUNDS": rounds,
                                                      "CHEPTEL_CONTAINER_ENGINE": "fake"}
                      ).start()
        try:
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "password": ADMIN_PASSWORD, "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
            with httpx.Client(base_url=cloud.base_url, timeout=30) as http:
                url = "/identity/v3/auth/tokens"
                issue = measure(max(n // 10, 20), lambda: http.post(url, json=body), 201)
                token = http.post(url, json=body).headers["X-Subject-Token"]
                auth = {"X-Auth-Token": token}
                check = {**auth, "X-Subject-Token": token}
                project_id = http.get(url, headers=check).json()["token"]["project"]["id"]
                validate = measure(n, lambda: http.get(url, headers=check), 200)
                plain = measure(n, lambda: http.get("/identity/v3"), 200)
                plain_tok = measure(n, lambda: http.get("/identity/v3", headers=auth), 200)
                authed = measure(n, lambda: http.get(f"/identity/v3/projects/{project_id}",
                                                     headers=auth), 200)
                flavors = measure(n, lambda: http.get("/compute/v2.1/flavors",
                                                      headers=auth), 200)
            print(f"cheptel identity bench (bcrypt cost {rounds}, {n} requests a series)")
            report("token issue (password)", issue)
            report("token validation (GET auth/tokens)", validate)
            p50_plain, _ = report("unauthenticated GET /v3", plain)
            p50_tok, _ = report("the same with a token", plain_tok)
            print(f"{'auth + policy overhead (p50)':<38} {p50_tok - p50_plain:8.2f} ms   "
                  f"ratio {p50_tok / p50_plain:.2f}x   (target <= 0.5 ms)")
            p50_auth, _ = report("authenticated GET /v3/projects/{id}", authed)
            print(f"{'  against unauthenticated GET /v3':<38} {p50_auth - p50_plain:8.2f} ms   "
                  f"ratio {p50_auth / p50_plain:.2f}x")
            p50_fl, _ = report("authenticated GET /v2.1/flavors", flavors)
            print(f"{'  against unauthenticated GET /v3':<38} {p50_fl - p50_plain:8.2f} ms   "
                  f"ratio {p50_fl / p50_plain:.2f}x")
        finally:
            cloud.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
