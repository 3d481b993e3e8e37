"""One real `cheptel serve` (SQLite, the real engine, HAProxy) for the load-balancer
tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud


@pytest.fixture(scope="module")
def lb_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("lb-cloud")).start()
    yield c
    c.close()
