"""One cheptel (SQLite, in-memory container engine, real volume files) for the volume
tests; and the unit tests' in-process app, for the Tempest schema checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud

# the in-process app of the unit tests (test_tempest_schemas.py)
from tests.unit.conftest import api, clock, data_dir, make_api, templates  # noqa: F401


@pytest.fixture(scope="session")
def volume_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("volume-cloud"),
              extra_env={"CHEPTEL_CONTAINER_ENGINE": "fake",
                         "CHEPTEL_VOLUME_BACKEND": "file"}).start()
    yield c
    c.close()
