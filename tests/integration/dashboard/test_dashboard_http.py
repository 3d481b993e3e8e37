"""Horizon served by a real `cheptel serve` at /dashboard: the API first, then the
dashboard (503 "being prepared" until then), login as admin, pages without error banners,
and a restart that reuses the prepared static files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cheptel.dashboard import installed
from tests.integration.cloud import ADMIN_PASSWORD, DEMO_PASSWORD, Cloud
from tests.integration.dashboard.horizon import errors, login, wait_ready

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not installed(), reason="the dashboard extra is not installed")]

PAGES = ["project/", "project/instances/", "project/images/", "project/key_pairs/",
         "project/network_topology/", "project/networks/", "project/routers/",
         "project/security_groups/", "project/floating_ips/", "project/volumes/",
         "admin/", "admin/hypervisors/", "admin/flavors/", "admin/images/",
         "identity/", "identity/domains/", "identity/users/", "identity/roles/"]


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    c = Cloud(tmp_path / "cloud", extra_env={"CHEPTEL_DASHBOARD": "1",
                                              "CHEPTEL_CONTAINER_ENGINE": "fake"})
    yield c
    c.close()


def test_dashboard_is_served_after_the_api_and_reuses_its_static_files(cloud: Cloud) -> None:
    cloud.start()
    # the API answered (start() waited for it); the dashboard follows
    r = httpx.get(f"{cloud.base_url}/dashboard/", timeout=10)
    assert r.status_code in (200, 302, 503)
    wait_ready(cloud)
    stamp = cloud.data_dir / "dashboard" / "static" / "cheptel-prepared"
    made = stamp.stat().st_mtime_ns
    key = (cloud.data_dir / "dashboard" / "secret_key").read_text()
    assert oct((cloud.data_dir / "dashboard" / "secret_key").stat().st_mode & 0o777) == "0o600"
    css = httpx.get(f"{cloud.base_url}/dashboard/auth/login/").text.split(
        '<link rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/dashboard/static/dashboard/css/")
    assert httpx.get(cloud.base_url + css).status_code == 200
    cloud.stop()
    cloud.start()
    ready_after = wait_ready(cloud)
    assert stamp.stat().st_mtime_ns == made  # not prepared again
    assert (cloud.data_dir / "dashboard" / "secret_key").read_text() == key
    assert ready_after < 60


def test_pages_answer_without_errors(cloud: Cloud) -> None:
    cloud.start()
    wait_ready(cloud)
    admin = login(cloud, "admin", ADMIN_PASSWORD)
    bad = {}
    for page in PAGES:
        r = admin.get(f"/dashboard/{page}")
        if r.status_code != 200 or errors(r.text):
            bad[page] = (r.status_code, errors(r.text))
    assert not bad
    demo = login(cloud, "demo", DEMO_PASSWORD)
    r = demo.get("/dashboard/project/instances/")
    assert r.status_code == 200 and not errors(r.text)
    # a member has no Admin panels: Horizon refuses them
    r = demo.get("/dashboard/admin/instances/")
    assert r.status_code == 403 or "/auth/login/" in str(r.url), (r.status_code, r.url)
