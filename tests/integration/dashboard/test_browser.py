"""Horizon in a real browser: Debian's chromium, driven by playwright-core
(tests/browser/dashboard.mjs), against a real `cheptel serve` on the real engine.

Logs in as admin and as the demo member, visits every panel of Project, Admin and Identity
the sidebar offers, launches a server from the wizard on `private`, sees it Active,
opens its Console tab and sees the serial console's terminal connect (through
cheptel.compute.console_proxy) and run a command, associates a floating IP, opens the
topology, deletes the server; fails on any error
banner, HTTP 5xx or page JavaScript error. Screenshots of every page land in
artefacts/browser/ (ignored by git), with the page times in timings.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cheptel.dashboard import installed
from tests.integration.cloud import ADMIN_PASSWORD, DEMO_PASSWORD, Cloud
from tests.integration.dashboard.horizon import wait_ready
from tests.integration.dashboard.isolated import isolated_chromium

ROOT = Path(__file__).resolve().parents[3]
BROWSER = ROOT / "tests" / "browser"
ARTEFACTS = ROOT / "artefacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.integration


def _missing() -> str | None:
    if not installed():
        return "the dashboard extra is not installed"
    if shutil.which("node") is None or not Path(CHROMIUM).exists():
        return "node or chromium is not installed (scripts/setup.sh test installs them)"
    if not (BROWSER / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed (npm ci in tests/browser)"
    return None


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    missing = _missing()
    if missing:
        if os.environ.get("CHEPTEL_REQUIRE_BROWSER"):
            pytest.fail(f"the browser test is required here: {missing}")
        pytest.skip(missing)
    c = Cloud(tmp_path / "cloud", extra_env={"CHEPTEL_DASHBOARD": "1"})
    yield c
    c.close()


def test_horizon_in_a_browser(cloud: Cloud, tmp_path: Path) -> None:
    cloud.start()
    ready_s = wait_ready(cloud)
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    # chromium in a network namespace of its own: the host's interfaces, which the other
    # tests change all the time, would abort its requests (isolated.py)
    with isolated_chromium(CHROMIUM, cloud.port, tmp_path) as chromium:
        env = {**os.environ, "BASE_URL": cloud.base_url, "ADMIN_PASSWORD": ADMIN_PASSWORD,
               "DEMO_PASSWORD": DEMO_PASSWORD, "OUT": str(ARTEFACTS), "CHROMIUM": chromium,
               "SERVER_NAME": "browser-vm"}
        run = subprocess.run(["node", str(BROWSER / "dashboard.mjs")], env=env, cwd=BROWSER,
                             capture_output=True, text=True, timeout=300)
    lines = run.stdout.strip().splitlines()
    assert lines, f"no result from the browser: {run.stderr[-3000:]}"
    result = json.loads(lines[-1])
    result["dashboard_ready_s"] = round(ready_s, 1)
    (ARTEFACTS / "timings.json").write_text(json.dumps(result, indent=1))
    assert result["problems"] == [], "\n".join(result["problems"])
    assert run.returncode == 0, run.stderr[-3000:]
    # every dashboard was seen: Identity > Domains needs admin's role on the Default domain
    assert {"/dashboard/admin/hypervisors/", "/dashboard/identity/domains/",
            "/dashboard/project/instances/"} <= set(result["admin_panels"])
    assert not any(p.startswith("/dashboard/admin/") for p in result["demo_panels"])
    assert result["console_ok"] is True  # the Console tab's terminal answered a command
    assert len(list(ARTEFACTS.glob("*.png"))) >= len(result["admin_panels"])
