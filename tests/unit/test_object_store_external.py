"""An external Swift-API engine behind the catalog (--object-store-url): the catalog
lists it for every project, /object-store answers 410, and the service user its
auth_token middleware logs in as exists and may validate the users' tokens."""

from __future__ import annotations

import configparser
import stat

import pytest

from cheptel.config import from_env
from cheptel.objectstore.service.external import OBJECT_STORE_CONF
from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Api, MakeApi

EXTERNAL = "http://swift.example:8080/v1/AUTH_%(project_id)s"


def _object_store(api: Api, token: str) -> list[dict]:
    r = api.call("GET", "/auth/catalog", token)
    assert r.status_code == 200, r.text
    return [s for s in r.json()["catalog"] if s["type"] == "object-store"]


def _project_id(api: Api, token: str) -> str:
    r = api.call("GET", "/auth/tokens", token, **{"X-Subject-Token": token})
    return r.json()["token"]["project"]["id"]


def _conf(api: Api) -> configparser.RawConfigParser:
    conf = configparser.RawConfigParser()
    conf.read(api.deps.settings.data_dir / OBJECT_STORE_CONF)
    return conf


@pytest.fixture
def ext(make_api: MakeApi) -> Api:
    return make_api(object_store_url=EXTERNAL)


def test_the_catalog_lists_the_external_engine_for_each_project(ext: Api) -> None:
    demo = ext.token("demo", DEMO_PASSWORD, "demo")
    [service] = _object_store(ext, demo)
    urls = {e["interface"]: e["url"] for e in service["endpoints"]}
    want = f"http://swift.example:8080/v1/AUTH_{_project_id(ext, demo)}"
    assert urls == {"public": want, "internal": want, "admin": want}
    admin = ext.admin()
    [service] = _object_store(ext, admin)
    assert service["endpoints"][0]["url"].endswith(f"AUTH_{_project_id(ext, admin)}")


def test_the_builtin_store_answers_gone(ext: Api) -> None:
    demo = ext.token("demo", DEMO_PASSWORD, "demo")
    account = f"/object-store/v1/AUTH_{_project_id(ext, demo)}"
    for method, path in (("GET", account), ("PUT", account + "/box"), ("HEAD", account),
                         ("GET", "/object-store/info"), ("GET", "/object-store")):
        r = ext.client.request(method, path, headers={"X-Auth-Token": demo})
        assert r.status_code == 410, (method, path, r.status_code)
        if method != "HEAD":
            assert "external" in r.text and "object-store endpoint" in r.text
    assert ext.client.get("/").json()["cheptel"]["services"]["object-store"] == EXTERNAL


def test_the_service_user_validates_users_tokens(ext: Api) -> None:
    conf = _conf(ext)
    auth = conf["filter:authtoken"]
    assert auth["auth_url"] == f"{ext.deps.settings.base_url}/identity"
    assert auth["username"] == "swift" and auth["project_name"] == "service"
    assert conf["filter:keystoneauth"]["reseller_admin_role"] == "ResellerAdmin"
    mode = (ext.deps.settings.data_dir / OBJECT_STORE_CONF).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600  # it holds the password
    service = ext.token("swift", auth["password"], "service")
    demo = ext.token("demo", DEMO_PASSWORD, "demo")
    r = ext.call("GET", "/auth/tokens", service, **{"X-Subject-Token": demo})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert token["user"]["name"] == "demo" and token["project"]["name"] == "demo"
    assert "member" in {role["name"] for role in token["roles"]}
    assert r.headers["X-Subject-Token"] == demo
    # the service role is for validation only: no admin rights come with it
    assert ext.call("GET", "/users", service).status_code == 403
    # and another user still validates only its own tokens
    admin = ext.admin()
    r = ext.call("GET", "/auth/tokens", demo, **{"X-Subject-Token": admin})
    assert r.status_code == 403


def test_a_restart_keeps_the_service_user_and_its_password(ext: Api,
                                                           make_api: MakeApi) -> None:
    password = _conf(ext)["filter:authtoken"]["password"]
    again = make_api(object_store_url=EXTERNAL)
    assert _conf(again)["filter:authtoken"]["password"] == password
    admin = again.admin()
    users = again.call("GET", "/users?name=swift", admin).json()["users"]
    projects = again.call("GET", "/projects?name=service", admin).json()["projects"]
    assert len(users) == 1 and len(projects) == 1
    again.token("swift", password, "service")


def test_the_operator_may_choose_the_password(make_api: MakeApi) -> None:
    api = make_api(object_store_url=EXTERNAL, swift_password="chosen-one")
    assert _conf(api)["filter:authtoken"]["password"] == "chosen-one"
    api.token("swift", "chosen-one", "service")


def test_without_the_setting_the_builtin_store_is_back(ext: Api, make_api: MakeApi) -> None:
    builtin = make_api()
    demo = builtin.token("demo", DEMO_PASSWORD, "demo")
    [service] = _object_store(builtin, demo)
    assert service["endpoints"][0]["url"].startswith(
        f"{builtin.deps.settings.base_url}/object-store/v1/AUTH_")
    r = builtin.client.get(f"/object-store/v1/AUTH_{_project_id(builtin, demo)}",
                           headers={"X-Auth-Token": demo})
    assert r.status_code in (200, 204)


def test_no_service_user_without_an_external_store(api: Api) -> None:
    admin = api.token("admin", ADMIN_PASSWORD, "admin")
    assert api.call("GET", "/users?name=swift", admin).json()["users"] == []
    assert not (api.deps.settings.data_dir / OBJECT_STORE_CONF).exists()


@pytest.mark.parametrize("url", ["http://swift.example:8080/v1/AUTH_demo",
                                 "ftp://swift.example/v1/AUTH_%(project_id)s",
                                 "swift.example/v1/AUTH_%(project_id)s",
                                 "http:///v1/AUTH_%(project_id)s"])
def test_a_url_without_scheme_host_or_project_is_refused(url: str,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path) -> None:
    monkeypatch.setenv("CHEPTEL_OBJECT_STORE_URL", url)
    with pytest.raises(ValueError, match="--object-store-url"):
        from_env(data_dir=tmp_path)


def test_the_template_forms_are_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for url in ("https://rgw:7480/swift/v1/AUTH_$(project_id)s",
                "http://proxy/v1/AUTH_%(tenant_id)s"):
        monkeypatch.setenv("CHEPTEL_OBJECT_STORE_URL", url)
        assert from_env(data_dir=tmp_path).object_store_url == url
