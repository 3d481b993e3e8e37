"""One cheptel (SQLite, in-memory container engine, real volume files) for the volume tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud


@pytest.fixture(scope="session")
def volume_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("volume-cloud"),
              extra_env={"CHEPTEL_CONTAINER_ENGINE": "fake",
                         "CHEPTEL_VOLUME_BACKEND": "file"}).start()
    yield c
    c.stop()
