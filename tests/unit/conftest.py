"""In-process fixtures: the real app (cheptel.app) on a temp SQLite, a clock the test moves.

Migrating and bootstrapping a database takes most of a second; a test's app is instead
built on a copy of a template data directory, migrated and bootstrapped once a session for
the same settings (bootstrap is deterministic given the injected clock and passwords, up to
random ids, salts and the cloud id). prepare() then runs on the copy as on any restart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import httpx
import pytest
from starlette.testclient import TestClient

from cheptel import db as dbmod
from cheptel.app import Deps, build_app, prepare
from cheptel.backends.blockstore import BlockStore
from cheptel.backends.engine import Engine as ContainerEngine
from cheptel.compute.models import Server
from cheptel.config import Settings

if TYPE_CHECKING:
    from tests.unit.reconcile import Cloud

ADMIN_PASSWORD = "unit-admin-secret"
DEMO_PASSWORD = "unit-demo-secret"
V3 = "/identity/v3"
START = 1_700_000_000.0


class FakeClock:
    """Injected as the app's clock: time moves only when a test says so."""

    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Api:
    """One in-process cheptel with helpers for the calls the tests repeat."""

    client: TestClient
    deps: Deps
    clock: FakeClock

    def call(self, method: str, path: str, token: str | None = None, json: Any = None,
             **headers: str) -> httpx.Response:
        if token:
            headers["X-Auth-Token"] = token
        return self.client.request(method, V3 + path, json=json, headers=headers)

    def login(self, user: str, password: str, project: str | None = None) -> httpx.Response:
        """POST /v3/auth/tokens with a password, scoped to a project of Default if named."""
        auth: dict = {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"id": "default"}}}}}
        auth["scope"] = ({"project": {"name": project, "domain": {"id": "default"}}}
                         if project else "unscoped")
        return self.call("POST", "/auth/tokens", json={"auth": auth})

    def token(self, user: str, password: str, project: str | None = None) -> str:
        r = self.login(user, password, project)
        assert r.status_code == 201, r.text
        return r.headers["X-Subject-Token"]

    def admin(self) -> str:
        return self.token("admin", ADMIN_PASSWORD, "admin")

    def works(self, token: str) -> bool:
        """Does a request authenticated by this token get through?"""
        status = self.call("GET", "/auth/projects", token).status_code
        assert status in (200, 401), status
        return status == 200

    def validate(self, subject: str) -> httpx.Response:
        """GET /v3/auth/tokens for `subject`, asked by a fresh admin token."""
        return self.call("GET", "/auth/tokens", self.admin(), **{"X-Subject-Token": subject})


MakeApi = Callable[..., Api]


def open_client(deps: Deps) -> TestClient:
    """A client of the app on one event loop (and its thread pool) for all its requests:
    without `__enter__`, TestClient starts a loop thread for each request. Close it with
    `client.__exit__(None, None, None)`."""
    return TestClient(build_app(deps), base_url=deps.settings.base_url).__enter__()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": data_dir, "bcrypt_rounds": 4,
                              "admin_password": ADMIN_PASSWORD, "demo_password": DEMO_PASSWORD,
                              "container_engine": "fake"}
    values.update(overrides)
    return Settings(**values)


# Settings prepare() does not read into the database: apps differing only in these share
# a template.
RUNTIME_ONLY = {"token_lifetime": 3600, "lockout_failure_attempts": 0,
                "lockout_duration": 1800, "max_body_bytes": 0, "max_json_depth": 0,
                "image_size_cap": 0, "reconcile_interval": 0.0}


class Templates:
    """Data directories prepared once a session, one per distinct bootstrap input."""

    def __init__(self, root: Path):
        self.root = root
        self.made: dict[tuple[Settings, float], Path] = {}

    def copy_to(self, settings: Settings, now: float) -> bool:
        """Copy the template for these settings to their data_dir; False: no template."""
        if settings.database_url:
            return False  # not a file: prepare from scratch
        key = (dataclasses.replace(settings, data_dir=Path("."), **RUNTIME_ONLY), now)
        template = self.made.get(key)
        if template is None:
            template = self.root / f"t{len(self.made)}"
            deps = prepare(dataclasses.replace(settings, data_dir=template),
                           clock=FakeClock(now))
            deps.reconciler.stop()
            deps.db_engine.dispose()  # the last connection closes: the WAL is checkpointed
            self.made[key] = template
        shutil.copytree(template, settings.data_dir)
        return True


def _at_head(engine: Any) -> None:
    """migrate() for a copy of a template: already at the migrations' head."""


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"))


@pytest.fixture
def make_api(data_dir: Path, clock: FakeClock, templates: Templates) -> Iterator[MakeApi]:
    """Build an app on `data_dir` with Settings overrides; every call prepares it again.

    The first call starts from a copy of the template for its settings, unless `fresh`:
    then prepare() migrates and bootstraps an empty directory itself. `containers`: the
    engine to drive (default: a new fake one); `blocks`: the volume storage (default: a
    new fake one)."""
    made: list[Api] = []
    copied = False

    def make(fresh: bool = False, containers: ContainerEngine | None = None,
             blocks: BlockStore | None = None, **overrides: Any) -> Api:
        nonlocal copied
        settings = settings_for(data_dir, **overrides)
        if not fresh and not data_dir.exists():
            copied = templates.copy_to(settings, clock.now)
        with contextlib.ExitStack() as stack:
            if copied:  # the template is migrated: no Alembic run (it parses every script)
                stack.enter_context(mock.patch.object(dbmod, "migrate", _at_head))
            deps = prepare(settings, clock=clock, containers=containers, blocks=blocks)
        made.append(Api(open_client(deps), deps, clock))
        return made[-1]

    yield make
    for api in made:
        api.client.__exit__(None, None, None)
        api.deps.reconciler.stop()
        api.deps.db_engine.dispose()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


@pytest.fixture
def rcloud(make_api: MakeApi) -> Iterator[Cloud]:
    """A cloud over the fake engine whose reconciler runs only when the test settles it."""
    from tests.unit.reconcile import start

    yield from start(make_api)


def server_row(server_id: str, project_id: str) -> Server:
    """A live server's row, as the compute API writes it (for tests that plant ports)."""
    return Server(id=server_id, name=server_id, hostname=server_id, project_id=project_id,
                  user_id="u", image_id="i", flavor_id="1", flavor={}, vm_state="active",
                  created_at=0.0, updated_at=0.0, deleted=False, networks=[],
                  security_groups=[], config_drive=False, availability_zone="nova",
                  power_state=1, progress=0, locked=False, launch_index=0, reservation_id="")


def running_container(engine: Any, name: str) -> None:
    """Plant a running container (a fresh pid: its own network namespace) in a fake
    engine, as a server's spawn leaves it (for tests that plant ports)."""
    from cheptel.backends.engine import ContainerSpec, ContainerState
    from cheptel.backends.fake import FakeContainer

    engine._pids += 1
    engine.containers[name] = FakeContainer(
        spec=ContainerSpec(name=name, image="i", hostname=name, labels={}, memory_mb=64,
                           vcpus=1),
        state=ContainerState(name=name, status="running", pid=engine._pids))
