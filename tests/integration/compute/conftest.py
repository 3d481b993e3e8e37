"""Fixtures for the compute tests: one real `cheptel serve` (SQLite, the real engine); and
the unit tests' in-process app, for the volume attachments' Tempest schema checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute.nova_http import Nova

# the in-process app of the unit tests, its reconciler run by hand
# (test_volume_attachment_schemas.py)
from tests.unit.conftest import clock, data_dir, make_api, rcloud, templates  # noqa: F401


@pytest.fixture(scope="session")
def compute_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """A cloud shared by the compute tests: each test names what it creates uniquely."""
    c = Cloud(tmp_path_factory.mktemp("compute-cloud")).start()
    yield c
    c.close()


@pytest.fixture(scope="session")
def nova(compute_cloud: Cloud) -> Iterator[Nova]:
    """Raw HTTP to the compute API (tokens cached), for microversions and fault bodies."""
    n = Nova(compute_cloud)
    yield n
    n.client.close()
