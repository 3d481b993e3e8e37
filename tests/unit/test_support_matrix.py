"""scripts/support_matrix.py: Tempest's log read per operation, and the matrix kept true."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "scripts"))  # last: scripts/tempest.py must not hide Tempest

import support_matrix as sm  # noqa: E402

BASE = "http://127.0.0.1:1234"


def _info(pid: int, who: str, status: int, method: str, path: str) -> str:
    return (f"2026-11-22 16:06:54.350 {pid} INFO tempest.lib.common.rest_client "
            f"[req-1 ] Request ({who}): {status} {method} {BASE}{path} 0.029s")


def _debug(pid: int, body: str) -> list[str]:
    return [f"2026-11-22 16:06:54.351 {pid} DEBUG tempest.lib.common.rest_client [req-1 ] "
            "Request - Headers: {'Content-Type': 'application/json'}",
            f"        Body: {body}",
            "    Response - Headers: {'status': '202'}",
            "        Body: b''"]


LOG = [
    _info(1, "ServersTest:test_stop", 202, "POST", "/compute/v2.1/servers/abc/action"),
    # another worker's record lands between a request line and its body
    _info(2, "TokensTest:test_check", 200, "HEAD", "/identity/v3/auth/tokens"),
    *_debug(1, '{"os-stop": null}'),
    *_debug(2, "None"),
    _info(1, "ServersTest:test_start", 202, "POST", "/compute/v2.1/servers/abc/action"),
    *_debug(1, '{"os-start": null}'),
    _info(1, "ServersTest:test_start", 404, "GET", "/compute/v2.1/os-cells/0a1b2c3d4e"),
    *_debug(1, "None"),
    _info(2, "Other:test_x", 200, "GET", "/elsewhere/v1"),
]


def test_requests_pair_each_line_with_its_own_workers_body() -> None:
    seen = [(c, t, s, m, b) for c, t, s, m, _url, b in sm.requests(LOG)]
    assert ("ServersTest", "test_stop", 202, "POST", '{"os-stop": null}') in seen
    assert ("TokensTest", "test_check", 200, "HEAD", "None") in seen
    assert ("ServersTest", "test_start", 202, "POST", '{"os-start": null}') in seen
    assert len(seen) == 5


def test_observe_maps_actions_head_and_unrouted_paths_and_blames_the_last_call() -> None:
    outcomes = {"ServersTest:test_stop": "passed", "ServersTest:test_start": "failed",
                "TokensTest:test_check": "passed"}
    routes = sm.observe(LOG, outcomes)
    action = "/compute POST /v2.1/servers/{server_id}/action"
    assert routes[f"{action}#os-stop"] == {"codes": {"202": 1}, "tests": 1, "failing": []}
    # test_start's last call was the unrouted os-cells request: that one is blamed
    assert routes[f"{action}#os-start"]["failing"] == []
    assert routes["/compute GET /v2.1/os-cells/{id}"] == {
        "codes": {"404": 1}, "tests": 1, "failing": ["ServersTest:test_start"]}
    assert routes["/identity GET /v3/auth/tokens"]["codes"] == {"200": 1}
    assert not any(k.startswith("/elsewhere") for k in routes)


def test_render_states() -> None:
    action = "/compute POST /v2.1/servers/{server_id}/action"
    results = {"date": "2026-11-22", "tempest": "47.0.0", "selection": "a test",
               "passed": 1, "failed": 1, "skipped": 0, "routes": {
                   f"{action}#os-stop": {"codes": {"202": 3}, "tests": 2, "failing": []},
                   f"{action}#os-start": {"codes": {"202": 1}, "tests": 1,
                                          "failing": ["ServersTest:test_start"]},
                   "/compute GET /v2.1/os-cells": {"codes": {"404": 1}, "tests": 1,
                                                   "failing": []}}}
    text = sm.render(results)
    assert "| `POST /v2.1/servers/{server_id}/action` `os-stop` | works | tests: 2; 202×3 |" \
        in text
    assert "`os-start` | partial |" in text
    assert "- `GET /v2.1/os-cells`: tests: 1; 404×1" in text
    assert "`GET /v2.1/flavors` | untested by Tempest |" in text
    assert "`GET POST PUT PATCH DELETE /v3/OS-TRUST` | not implemented |" in text


def test_the_committed_matrix_is_what_the_route_tables_and_results_give() -> None:
    """Change a route table, then run scripts/support_matrix.py: the docs stay true."""
    import json
    assert sm.MATRIX.read_text() == sm.render(json.loads(sm.RESULTS.read_text())), \
        "docs/support-matrix.md is out of date: run .venv/bin/python scripts/support_matrix.py"
