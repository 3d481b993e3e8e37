"""Fixtures that start real cheptel processes (and a real PostgreSQL) for the suite."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cloud import Cloud, Postgres, postgres_binaries, private_database


@pytest.fixture(scope="session", autouse=True)
def _engine_left_clean() -> Iterator[None]:
    """At the end of the session, any cloud on the real engine that a test started but
    did not close is closed: stopped, and `cheptel teardown` run on its data dir."""
    yield
    for c in list(Cloud.opened):
        c.close()


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


# Modules that drive the identity API through the openstack CLI/SDK: they run on SQLite
# only. On PostgreSQL, every identity route is still exercised over HTTP by the policy
# matrix (each route's success path, with real ids), the bad-input corpus, revocation,
# the Keystone fidelity tests and the endpoint filter; the CLI runs would repeat those
# server paths at a few seconds a test.
CLIENT_MODULES = {"test_cli_basics", "test_clients_auth", "test_clients_credentials",
                  "test_clients_fidelity",
                  "test_clients_policies", "test_clients_resources", "test_clients_roles"}


# The longest modules (a few minutes each, mostly waiting on clients and servers) start
# first: `make test` hands whole modules to three workers in collection order
# (--no-loadscope-reorder), and one of these started last is a tail the other workers
# wait out (CI's 20 minutes).
SLOW_FIRST = ("test_tempest_fast", "test_browser", "test_playbook", "test_external_swift",
              "test_stacks_cli", "test_chaos_group", "test_web_tier", "test_web_tier_stack",
              "test_rolling_update_stack", "test_groups_cli", "test_chaos_pool",
              "test_policy_matrix", "test_boot_from_volume", "test_cloud_init", "test_teardown")


def _slowness(item: pytest.Item) -> int:
    name = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
    return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_slowness)  # stable: each module's own order is kept
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("cloud") == "postgresql"
        (drop if on_pg and item.module.__name__.rsplit(".", 1)[-1] in CLIENT_MODULES
         else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def cloud(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Cloud]:
    """The shared cloud: the identity tests run once on SQLite and once on PostgreSQL
    (the CLI-driven modules on SQLite only: CLIENT_MODULES)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    # a database of its own: pytest may finish this fixture and make it again (test order),
    # and a second cloud on an already bootstrapped database would write no clouds.yaml
    url = private_database(url)
    c = Cloud(tmp_path_factory.mktemp(f"cloud-{request.param}"), database_url=url).start()
    yield c
    c.close()


@pytest.fixture
def new_cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A private cloud (not started) for tests that restart, kill or reconfigure it."""
    c = Cloud(tmp_path / "cloud")
    yield c
    c.close()
