"""Fixtures that start real cheptel processes (and a real PostgreSQL) for the suite."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cloud import Cloud, Postgres, postgres_binaries
from tests.integration.compute import support


@pytest.fixture(scope="session", autouse=True)
def _engine_left_clean() -> Iterator[None]:
    """At the end of the session, whatever any cloud left on the shared engine and host
    (containers, networks, volumes, iptables chains) is removed, cloud by cloud."""
    yield
    for cid in Cloud.started:
        support.remove_leftovers(cid)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if postgres_binaries() is None:
        if os.environ.get("CHEPTEL_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required here but not installed")
        pytest.skip("PostgreSQL is not installed")
    # Not under pytest's 0700 temp root: the postgres user must reach the cluster dir.
    root = Path(tempfile.mkdtemp(prefix="cheptel-pg-"))
    pg = Postgres(root)
    url = pg.start()
    yield url
    pg.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def cloud(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Cloud]:
    """The shared cloud: the identity tests run once on SQLite and once on PostgreSQL."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    c = Cloud(tmp_path_factory.mktemp(f"cloud-{request.param}"), database_url=url).start()
    yield c
    c.stop()  # what it left on the engine goes at the end of the session (above)


@pytest.fixture
def new_cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A private cloud (not started) for tests that restart, kill or reconfigure it."""
    c = Cloud(tmp_path / "cloud")
    yield c
    c.stop()
