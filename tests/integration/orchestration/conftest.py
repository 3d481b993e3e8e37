"""One real `cheptel serve` (SQLite, the real engine) for the orchestration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud


@pytest.fixture(scope="session")
def heat_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("heat-cloud")).start()
    yield c
    c.close()
