"""Fixtures for the network tests: one real `cheptel serve` on SQLite, no Docker needed.

The API layer only records intent, so the in-memory engine (CHEPTEL_CONTAINER_ENGINE=fake,
which also fakes the firewall) is enough; each test names what it creates uniquely.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.network.neutron_http import Neutron


@pytest.fixture(scope="session")
def net_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("network-cloud"),
              extra_env={"CHEPTEL_CONTAINER_ENGINE": "fake"}).start()
    yield c
    c.close()


@pytest.fixture(scope="session")
def neutron(net_cloud: Cloud) -> Iterator[Neutron]:
    n = Neutron(net_cloud)
    yield n
    n.client.close()
