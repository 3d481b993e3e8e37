"""The dashboard's mount (cheptel.dashboard) over a stub Horizon: the API never waits for
it, "being prepared" until ready, the generated settings, the secret key kept 0600."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from cheptel.app import build_app
from cheptel.dashboard import asgi, config, prepare
from tests.unit.conftest import MakeApi, settings_for


class StubDjango:
    """Stands for Django's ASGI handler: says which path and script prefix it got."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        text = f"django {scope['root_path']} {scope['path']}"
        await PlainTextResponse(text)(scope, receive, send)


def test_api_answers_while_the_dashboard_is_being_prepared(make_api: MakeApi) -> None:
    api = make_api()
    release = threading.Event()

    def prepare() -> StubDjango:
        release.wait(10)
        return StubDjango()

    dashboard = asgi.Dashboard(prepare)
    client = TestClient(build_app(api.deps, dashboard=dashboard),
                        base_url=api.deps.settings.base_url)
    dashboard.start()
    for path in ("/dashboard/", "/dashboard", "/dashboard/project/instances/"):
        r = client.get(path)
        assert r.status_code == 503, path
        assert r.headers["retry-after"] == str(asgi.RETRY_AFTER)
        assert "being prepared" in r.text
        assert r.headers["content-type"].startswith("text/html")
    assert client.get("/identity/v3").status_code == 200  # the API does not wait
    assert api.works(api.admin())
    release.set()
    assert dashboard.ready.wait(10)
    r = client.get("/dashboard/project/")
    assert (r.status_code, r.text) == (200, "django /dashboard /dashboard/project/")
    assert client.get("/dashboard").text == "django /dashboard /dashboard/"


def test_a_failed_preparation_says_so_and_leaves_the_api_alone(make_api: MakeApi) -> None:
    api = make_api()

    def prepare() -> StubDjango:
        raise RuntimeError("collectstatic failed")

    dashboard = asgi.Dashboard(prepare)
    client = TestClient(build_app(api.deps, dashboard=dashboard),
                        base_url=api.deps.settings.base_url)
    dashboard.start()
    assert dashboard.ready.wait(10)
    r = client.get("/dashboard/")
    assert r.status_code == 503
    assert "retry-after" not in r.headers
    assert "could not be prepared" in r.text
    assert dashboard.error == "collectstatic failed"
    assert client.get("/identity/v3").status_code == 200


def test_without_the_dashboard_there_is_no_mount(make_api: MakeApi) -> None:
    api = make_api()
    r = api.client.get("/dashboard/")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == 404


def test_make_is_none_when_turned_off(tmp_path: Path) -> None:
    assert asgi.make(settings_for(tmp_path, dashboard=False)) is None


def test_static_files_are_served_from_the_prepared_root(tmp_path: Path) -> None:
    (tmp_path / "dashboard" / "css").mkdir(parents=True)
    (tmp_path / "dashboard" / "css" / "output.css").write_text("body {}")
    horizon = asgi.Horizon(tmp_path, StubDjango())

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        await horizon({**scope, "root_path": "/dashboard"}, receive, send)

    client = TestClient(outer)
    r = client.get("/dashboard/static/dashboard/css/output.css")
    assert (r.status_code, r.text) == (200, "body {}")
    assert client.get("/dashboard/static/dashboard/css/missing.css").status_code == 404
    assert client.get("/dashboard/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    assert client.get("/dashboard/auth/login/").text == "django /dashboard /dashboard/auth/login/"


def test_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    directory = tmp_path / "dashboard"
    key = config.secret_key(directory)
    path = directory / "secret_key"
    assert len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.secret_key(directory) == key  # a restart keeps sessions' signatures
    path.chmod(0o644)
    assert config.secret_key(directory) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.secret_key(tmp_path / "other") != key


def test_settings_come_from_the_cloud(tmp_path: Path) -> None:
    site = config.Site("http://cloud.example:9000", "RegionOne", tmp_path / "dashboard")
    values = config.horizon_settings(site, "k" * 50)
    assert values["OPENSTACK_KEYSTONE_URL"] == "http://cloud.example:9000/identity/v3"
    assert values["WEBROOT"] == "/dashboard/"
    assert values["SECRET_KEY"] == "k" * 50
    assert values["STATIC_ROOT"] == str(tmp_path / "dashboard" / "static")
    assert values["OPENSTACK_KEYSTONE_DEFAULT_DOMAIN"] == "Default"
    assert values["COMPRESS_OFFLINE"] is True
    # the Console tab frames Horizon's serial console page: same origin only
    assert values["CONSOLE_TYPE"] == "SERIAL" and values["X_FRAME_OPTIONS"] == "SAMEORIGIN"
    engine = values["CACHES"]["default"]["BACKEND"]
    assert values["SESSION_ENGINE"].endswith(".cache") and engine.endswith("LocMemCache")


def test_static_files_are_prepared_once_per_horizon_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = config.Site("http://127.0.0.1:1", "RegionOne", tmp_path / "dashboard")
    collected: list[Path] = []
    waited: list[bool] = []

    def collect(s: config.Site) -> None:  # stands for the child process
        s.static_root.mkdir(parents=True, exist_ok=True)
        (s.static_root / prepare.STAMP).write_text(prepare.stamp())
        collected.append(s.static_root)

    monkeypatch.setattr(prepare, "collect_in_child", collect)
    monkeypatch.setattr(prepare, "django_app", lambda s: StubDjango())
    monkeypatch.setattr(prepare, "stamp", lambda: "horizon 27.0.0 django 5.2\n")
    run = prepare.preparer(site, lambda: waited.append(True))
    assert isinstance(run(), StubDjango)
    assert isinstance(run(), StubDjango)  # a restart: reused
    assert (len(collected), len(waited)) == (1, 2)
    monkeypatch.setattr(prepare, "stamp", lambda: "horizon 28.0.0 django 5.2\n")
    run()  # a new Horizon: prepared again
    assert len(collected) == 2
