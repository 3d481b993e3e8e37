"""`openstack usage list` and `usage show` (os-simple-tenant-usage) with the unmodified
CLI, on a real serve with the real engine: a running server's hours count."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support


@pytest.fixture(scope="module")
def ucloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


def test_usage_list_and_show_count_a_running_server(ucloud: Cloud) -> None:
    server = ucloud.cli("server", "create", "--image", "busybox", "--flavor", "m1.tiny",
                        "--wait", "metered", cloud="cheptel-demo")
    time.sleep(1.5)  # some lifetime to count
    demo = ucloud.sdk("cheptel-demo").current_project_id
    # (the CLI sends detailed=True, which Nova reads as not detailed: no server count)
    (row,) = [r for r in ucloud.cli("usage", "list") if r["Project"] == demo]
    assert float(row["CPU Hours"]) > 0 and float(row["RAM MB-Hours"]) > 0
    shown = ucloud.cli("usage", "show", "--project", "demo")
    assert len(shown["Servers"]) == 1 and float(shown["CPU Hours"]) > 0
    # a member sees its own project's usage, not every project's
    own = ucloud.cli("usage", "show", cloud="cheptel-demo")
    assert [s["name"] for s in own["Servers"]] == ["metered"]
    denied = ucloud.cli("usage", "list", cloud="cheptel-demo", check=False)
    assert denied.returncode != 0 and "403" in denied.stderr
    ucloud.cli("server", "delete", "--wait", server["id"], cloud="cheptel-demo",
               as_json=False)
