"""Tempest's fast subset against a fresh cheptel: compatibility cannot silently regress.

Runs `scripts/tempest.py --fast` (the same script as `make tempest`, on the subset of the
selection that runs in a couple of minutes) and fails on any Tempest failure, naming the
tests and their reasons. The whole selection stays a make target (`make tempest`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_tempest_fast_subset_passes(tmp_path: Path) -> None:
    summary = tmp_path / "tempest.md"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "tempest.py"), "--fast",
                          "--concurrency", "1", "--output", str(summary)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    verdicts = json.loads(summary.with_suffix(".verdicts.json").read_text())
    failed = [t for t, state in verdicts.items() if state == "failed"]
    passed = [t for t, state in verdicts.items() if state == "passed"]
    reasons = [ln for ln in summary.read_text().splitlines() if ln.startswith("- `")]
    assert not failed, "\n".join(reasons[:40])
    assert len(passed) >= 200, summary.read_text()[:2000]  # the subset really ran
