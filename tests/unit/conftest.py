"""In-process fixtures: the real app (cheptel.app) on a temp SQLite, a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from cheptel.app import Deps, build_app, prepare
from cheptel.compute.models import Server
from cheptel.config import Settings

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": data_dir, "bcrypt_rounds": 4,
                              "admin_password": ADMIN_PASSWORD, "demo_password": DEMO_PASSWORD}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_api(data_dir: Path, clock: FakeClock) -> Iterator[MakeApi]:
    """Build an app on `data_dir` with Settings overrides; every call prepares it again."""
    made: list[Api] = []

    def make(**overrides: Any) -> Api:
        deps = prepare(settings_for(data_dir, **overrides), clock=clock)
        client = TestClient(build_app(deps), base_url=deps.settings.base_url)
        made.append(Api(client, deps, clock))
        return made[-1]

    yield make
    for api in made:
        api.client.close()
        api.deps.db_engine.dispose()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


def server_row(server_id: str, project_id: str) -> Server:
    """A live server's row, as the compute API writes it (for tests that plant ports)."""
    return Server(id=server_id, name=server_id, hostname=server_id, project_id=project_id,
                  user_id="u", image_id="i", flavor_id="1", flavor={}, vm_state="active",
                  created_at=0.0, updated_at=0.0, deleted=False, networks=[],
                  security_groups=[], config_drive=False, availability_zone="nova",
                  power_state=1, progress=0, locked=False, launch_index=0, reservation_id="")
