"""One cheptel (SQLite, in-memory container engine) shared by the image tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud

CAP = 4 * 1024 * 1024  # a small image size cap, so that "too large" is cheap to test


@pytest.fixture(scope="session")
def image_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("image-cloud"),
              extra_env={"CHEPTEL_IMAGE_SIZE_CAP": str(CAP),
                         "CHEPTEL_CONTAINER_ENGINE": "fake"}).start()
    yield c
    c.close()
