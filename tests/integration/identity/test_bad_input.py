"""The bad-input corpus against a real server.

Every case must answer a 4xx (never a 5xx) in Keystone's fault format, with the code in the
body equal to the HTTP status and no traceback, and must change nothing: the collection or
object a case aims at is read before and after, and the whole identity state is compared
once more at the end, when the server must still issue tokens.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.integration.cloud import ADMIN_PASSWORD, Cloud

LIMIT = 114688  # settings.max_body_bytes default (Keystone's max_request_body_size)
ZZZ = "ZZZ-placeholder"


@dataclass(frozen=True)
class Target:
    """A route taking a body, a valid body for it, and what must not change."""

    method: str
    path: str  # {project} etc. are filled from Env.ids
    root: str | None  # the body's root key (None: the body is the object itself)
    inner: dict  # a valid body under the root
    name: str | None  # a slash path in `inner` to a length-limited string field
    flag: str | None = None  # a boolean field of `inner`
    watch: str | None = None  # a GET path that must answer the same before and after
    skip: frozenset[str] = frozenset()  # mutations that would be valid for this route


_AUTH = {"identity": {"methods": ["password"], "password": {"user": {
    "name": "nobody-bad-input", "domain": {"id": "default"}, "password": "not-it"}}}}
_URL = "http://bad-input.invalid/"
EXTRA = frozenset({"unknown_field"})  # valid there: Keystone keeps them as "extra"
TARGETS = [
    Target("POST", "/v3/auth/tokens", "auth", _AUTH, "identity/password/user/name"),
    Target("POST", "/v3/projects", "project", {"name": "bi-new", "domain_id": "default"}, "name",
           "enabled", "/v3/projects", EXTRA),
    Target("PATCH", "/v3/projects/{project}", "project", {"description": "d"}, "name",
           "enabled", "/v3/projects/{project}", EXTRA),
    Target("PUT", "/v3/projects/{project}/tags", None, {"tags": ["good"]}, "tags/0", None,
           "/v3/projects/{project}/tags"),
    Target("POST", "/v3/users", "user", {"name": "bi-new", "password": "pw"}, "name", "enabled",
           "/v3/users", EXTRA),
    Target("PATCH", "/v3/users/{user}", "user", {"description": "d"}, "name", "enabled",
           "/v3/users/{user}", EXTRA),
    Target("POST", "/v3/users/{user}/password", "user",
           {"password": "new-pw", "original_password": "wrong"}, "password", None,
           "/v3/users/{user}", frozenset({"name_256"})),
    Target("POST", "/v3/groups", "group", {"name": "bi-new"}, "name", None, "/v3/groups", EXTRA),
    Target("PATCH", "/v3/groups/{group}", "group", {"description": "d"}, "name", None,
           "/v3/groups/{group}", EXTRA),
    Target("POST", "/v3/roles", "role", {"name": "bi-new"}, "name", None, "/v3/roles", EXTRA),
    Target("PATCH", "/v3/roles/{role}", "role", {"description": "d"}, "name", None,
           "/v3/roles/{role}", EXTRA),
    Target("POST", "/v3/domains", "domain", {"name": "bi-new"}, "name", "enabled", "/v3/domains",
           EXTRA),
    Target("PATCH", "/v3/domains/{domain}", "domain", {"description": "d"}, "name", "enabled",
           "/v3/domains/{domain}", EXTRA),
    Target("POST", "/v3/users/{admin}/application_credentials", "application_credential",
           {"name": "bi-new"}, "name", "unrestricted",
           "/v3/users/{admin}/application_credentials"),
    Target("POST", "/v3/regions", "region", {"id": "bi-new"}, "id", None, "/v3/regions",
           frozenset({"empty_inner"}) | EXTRA),
    Target("PATCH", "/v3/regions/{region}", "region", {"description": "d"}, "parent_region_id",
           None, "/v3/regions/{region}", frozenset({"name_empty"}) | EXTRA),
    Target("PUT", "/v3/regions/bi-new-region", "region", {"description": "d"},
           "parent_region_id", None, "/v3/regions",
           frozenset({"name_empty", "empty_inner"}) | EXTRA),
    Target("POST", "/v3/services", "service", {"type": "bi-new"}, "type", "enabled",
           "/v3/services", EXTRA),
    Target("PATCH", "/v3/services/{service}", "service", {"description": "d"}, "type",
           "enabled", "/v3/services/{service}", EXTRA),
    Target("POST", "/v3/endpoints", "endpoint",
           {"service_id": "@service@", "interface": "public", "url": _URL}, "url", "enabled",
           "/v3/endpoints", EXTRA),
    Target("PATCH", "/v3/endpoints/{endpoint}", "endpoint", {"url": _URL + "x"}, "url",
           "enabled", "/v3/endpoints/{endpoint}", EXTRA),
    Target("POST", "/v3/credentials", "credential",
           {"user_id": "@admin@", "type": "cert", "blob": "b"}, "type", None,
           "/v3/credentials", EXTRA),
    Target("PATCH", "/v3/credentials/{credential}", "credential", {"blob": "b2"}, "type",
           None, "/v3/credentials/{credential}", EXTRA),
    Target("POST", "/v3/policies", "policy", {"type": "t", "blob": "b"}, "type", None,
           "/v3/policies", EXTRA),
    Target("PATCH", "/v3/policies/{policy}", "policy", {"blob": "b2"}, "type", None,
           "/v3/policies/{policy}", EXTRA),
    Target("POST", "/v3/OS-OAUTH1/consumers", "consumer", {"description": "d"}, "description",
           None, "/v3/OS-OAUTH1/consumers",
           frozenset({"name_256", "name_empty", "empty_inner"}) | EXTRA),
    Target("PATCH", "/v3/OS-OAUTH1/consumers/{consumer}", "consumer", {"description": "d2"},
           "description", None, "/v3/OS-OAUTH1/consumers/{consumer}",
           frozenset({"name_256", "name_empty"}) | EXTRA),
    Target("POST", "/v3/OS-EP-FILTER/endpoint_groups", "endpoint_group",
           {"name": "bi-new", "filters": {"interface": "public"}}, "name", None,
           "/v3/OS-EP-FILTER/endpoint_groups"),
    Target("PATCH", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group}", "endpoint_group",
           {"filters": {"interface": "admin"}}, "name", None,
           "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group}"),
    Target("POST", "/v3/users/{admin}/credentials/OS-EC2", None, {"tenant_id": "@project@"},
           "tenant_id", None, "/v3/users/{admin}/credentials/OS-EC2",
           frozenset({"wrong_root", "extra_root"}) | EXTRA),  # other keys are ignored
]


def _set(inner: dict, path: str, value: object) -> dict:
    out = copy.deepcopy(inner)
    keys = path.split("/")
    node: object = out
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]  # type: ignore[index]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]
    return out


def _wrap(t: Target, inner: object) -> object:
    return {t.root: inner} if t.root else inner


def _dict(value: object) -> dict:
    assert isinstance(value, dict)
    return value


def _dump(value: object) -> bytes:
    return json.dumps(value).encode()


def _valid(t: Target) -> bytes:
    return _dump(_wrap(t, t.inner))


def _named(t: Target, value: object) -> bytes | None:
    return _dump(_wrap(t, _set(t.inner, t.name, value))) if t.name else None


def _raw_name(t: Target, raw: bytes) -> bytes | None:
    """The body with the name field's JSON value replaced by raw bytes."""
    body = _named(t, ZZZ)
    return body.replace(f'"{ZZZ}"'.encode(), raw) if body else None


def _flag(t: Target, value: object) -> bytes | None:
    return _dump(_wrap(t, {**t.inner, t.flag: value})) if t.flag else None


def _rooted(t: Target, value: object) -> bytes | None:
    return _dump({t.root: value}) if t.root else None


def _nest(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def _duplicate(t: Target) -> bytes | None:
    if not t.name:
        return None
    key = t.name.split("/")[-1]
    return _raw_name(t, b'"ok", "%s": 5' % key.encode()) if not key.isdigit() else None


Mutation = Callable[[Target], "bytes | None"]
MUTATIONS: dict[str, tuple[Mutation, int]] = {
    "garbage": (lambda t: b"this is not json", 400),
    "trailing_comma": (lambda t: _valid(t)[:-1] + b",}", 400),
    "single_quotes": (lambda t: _valid(t).replace(b'"', b"'"), 400),
    "truncated": (lambda t: _valid(t)[: len(_valid(t)) // 2], 400),
    "unclosed": (lambda t: _valid(t)[:-1], 400),
    "list_body": (lambda t: b"[]", 400),
    "string_body": (lambda t: b'"a string"', 400),
    "number_body": (lambda t: b"42", 400),
    "null_body": (lambda t: b"null", 400),
    "true_body": (lambda t: b"true", 400),
    "wrapped_in_list": (lambda t: _dump([_wrap(t, t.inner)]), 400),
    "root_string": (lambda t: _rooted(t, "x"), 400),
    "root_list": (lambda t: _rooted(t, [t.inner]), 400),
    "root_null": (lambda t: _rooted(t, None), 400),
    "wrong_root": (lambda t: _dump({"wrong": t.inner if t.root else t.inner["tags"]}), 400),
    "extra_root": (lambda t: _dump({**_dict(_wrap(t, t.inner)), "extra": {}}), 400),
    "unknown_field": (lambda t: _dump(_wrap(t, {**t.inner, "no_such_field": "x"})), 400),
    "empty_object": (lambda t: b"{}", 400),
    "empty_inner": (lambda t: _rooted(t, {}), 400),
    "name_number": (lambda t: _named(t, 12345), 400),
    "name_list": (lambda t: _named(t, ["x"]), 400),
    "name_object": (lambda t: _named(t, {"x": 1}), 400),
    "name_256": (lambda t: _named(t, "n" * 256), 400),
    "name_empty": (lambda t: _named(t, ""), 400),
    "flag_string": (lambda t: _flag(t, "true"), 400),
    "flag_number": (lambda t: _flag(t, 1), 400),
    "nul_value": (lambda t: _named(t, "a\x00b"), 400),
    "nul_key": (lambda t: _dump(_wrap(t, {**t.inner, "na\x00me": "x"})), 400),
    "nul_root_key": (lambda t: _dump({f"{t.root}\x00": t.inner}) if t.root else None, 400),
    "raw_nul_byte": (lambda t: _raw_name(t, b'"a\x00b"'), 400),
    "lone_surrogate": (lambda t: _raw_name(t, b'"a\\ud800b"'), 400),
    "invalid_utf8": (lambda t: _raw_name(t, b'"a\xff\xfeb"'), 400),
    "utf16": (lambda t: _valid(t).decode().encode("utf-16"), 400),
    "bom": (lambda t: b"\xef\xbb\xbf" + _valid(t), 400),
    "huge_int": (lambda t: _raw_name(t, b"9" * 5000), 400),
    "huge_float": (lambda t: _raw_name(t, b"1e999"), 400),
    "nan": (lambda t: _raw_name(t, b"NaN"), 400),
    "duplicate_key": (_duplicate, 400),
    "deep_40": (lambda t: _dump(_wrap(t, {**t.inner, "description": _nest(40)})), 400),
    "deep_30000_in_field": (lambda t: _raw_name(t, b"[" * 30000 + b"]" * 30000), 400),
    "deep_50000": (lambda t: b"[" * 50000 + b"]" * 50000, 400),
    "deep_100000": (lambda t: b"[" * 100000 + b"]" * 100000, 413),
    "too_large": (lambda t: _dump(_wrap(t, {**t.inner, "description": "x" * LIMIT})), 413),
    "too_large_chunked": (lambda t: _dump(_wrap(t, {**t.inner, "pad": "x" * LIMIT})), 413),
    "empty": (lambda t: b"", 400),
    "whitespace": (lambda t: b" \r\n\t ", 400),
}


def _body_cases() -> Iterator:
    for t in TARGETS:
        for name, (make, status) in MUTATIONS.items():
            if name not in t.skip and make(t) is not None:
                yield pytest.param(t, name, status, id=f"{t.method} {t.path} {name}")


@dataclass
class Env:
    http: httpx.Client
    token: str
    ids: dict[str, str]
    snapshot: dict[str, object]
    log_errors: int

    def get(self, path: str) -> object:
        r = self.http.get(self.fill("/identity" + path), headers={"X-Auth-Token": self.token})
        return r.status_code, r.json()

    def fill(self, path: str) -> str:
        return path.format(**self.ids)


GLOBAL = ("/v3/OS-EP-FILTER/endpoint_groups", "/v3/credentials", "/v3/policies",
          "/v3/OS-OAUTH1/consumers", "/v3/projects",
          "/v3/users", "/v3/groups", "/v3/roles", "/v3/domains", "/v3/regions",
          "/v3/services", "/v3/endpoints", "/v3/role_assignments", "/v3/role_inferences",
          "/v3/users/{admin}/application_credentials", "/v3/projects/{project}/tags",
          "/v3/users/{user}", "/v3/groups/{group}/users")


def _unexpected_errors(cloud: Cloud) -> int:
    return cloud.log.read_text(errors="replace").count("unexpected error")


@pytest.fixture(scope="module")
def env(cloud: Cloud) -> Iterator[Env]:
    http = cloud.http()
    token = cloud.token("admin", ADMIN_PASSWORD, "admin")
    h = {"X-Auth-Token": token}
    tag = uuid.uuid4().hex[:8]

    def make(path: str, root: str, body: dict) -> str:
        r = http.post(f"/identity/v3/{path}", json={root: body}, headers=h)
        assert r.status_code == 201, r.text
        return r.json()[root]["id"]

    ids = {"admin": http.get("/identity/v3/auth/tokens", headers={**h, "X-Subject-Token": token}
                             ).json()["token"]["user"]["id"]}
    ids["project"] = make("projects", "project", {"name": f"bi-p-{tag}", "domain_id": "default"})
    ids["user"] = make("users", "user", {"name": f"bi-u-{tag}", "password": "pw-bad-input"})
    ids["group"] = make("groups", "group", {"name": f"bi-g-{tag}"})
    ids["role"] = make("roles", "role", {"name": f"bi-r-{tag}"})
    ids["domain"] = make("domains", "domain", {"name": f"bi-d-{tag}"})
    ids["region"] = make("regions", "region", {"id": f"bi-reg-{tag}"})
    ids["service"] = make("services", "service", {"type": f"bi-s-{tag}"})
    ids["credential"] = make("credentials", "credential", {
        "user_id": ids["admin"], "type": "cert", "blob": "bi-blob"})
    ids["policy"] = make("policies", "policy", {"type": "t", "blob": "b"})
    ids["consumer"] = make("OS-OAUTH1/consumers", "consumer", {"description": "d"})
    ids["endpoint_group"] = make("OS-EP-FILTER/endpoint_groups", "endpoint_group", {
        "name": "bi-eg", "filters": {"interface": "public"}})
    ids["endpoint"] = make("endpoints", "endpoint", {"service_id": ids["service"],
                                                     "interface": "public", "url": _URL})
    assert http.put(f"/identity/v3/projects/{ids['project']}/tags/t1", headers=h
                    ).status_code == 201
    e = Env(http, token, ids, {}, _unexpected_errors(cloud))
    e.snapshot = {p: e.get(p) for p in GLOBAL}
    yield e
    http.close()


def check_fault(r: httpx.Response, status: int | None = None) -> None:
    """A 4xx (the given one, if any) in Keystone's format, and no traceback."""
    where = f"{r.request.method} {r.request.url.path[:120]}: {r.status_code} {r.text[:300]}"
    assert 400 <= r.status_code < 500, where
    if status is not None:
        assert r.status_code == status, where
    assert r.headers["content-type"].startswith("application/json"), where
    body = r.json()
    assert list(body) == ["error"], where
    err = body["error"]
    assert set(err) == {"code", "title", "message"}, where
    assert err["code"] == r.status_code, where
    assert isinstance(err["title"], str) and err["title"], where
    assert isinstance(err["message"], str) and err["message"], where
    assert "Traceback" not in r.text and 'File "' not in r.text, where
    if r.status_code == 401:
        assert r.headers.get("www-authenticate") == "Keystone", where


@pytest.mark.parametrize(("target", "mutation", "status"), list(_body_cases()))
def test_bad_body(env: Env, target: Target, mutation: str, status: int) -> None:
    body = MUTATIONS[mutation][0](target)
    assert body is not None
    for key, value in env.ids.items():
        body = body.replace(f"@{key}@".encode(), value.encode())
    before = env.get(target.watch) if target.watch else None
    headers = {"X-Auth-Token": env.token, "Content-Type": "application/json"}
    content: bytes | Iterator[bytes] = body
    if mutation == "too_large_chunked":  # no Content-Length: the limit holds while streaming
        content = iter([body[i:i + 8192] for i in range(0, len(body), 8192)])
    r = env.http.request(target.method, env.fill("/identity" + target.path), content=content,
                         headers=headers)
    check_fault(r, status)
    if target.watch:
        assert env.get(target.watch) == before


ADMIN, NONE, GARBAGE = "admin", "none", "garbage"
# (id, method, path, token, extra headers, body, status)
REQUESTS = [
    ("nul_in_url", "GET", "/v3/projects/%00", ADMIN, {}, None, 400),
    ("nul_inside_url_id", "GET", "/v3/users/ab%00cd", ADMIN, {}, None, 400),
    ("nul_in_url_delete", "DELETE", "/v3/groups/%00", ADMIN, {}, None, 400),
    ("nul_in_url_patch", "PATCH", "/v3/projects/{project}%00", ADMIN, {},
     {"project": {"description": "changed"}}, 400),
    ("nul_in_url_tag", "PUT", "/v3/projects/{project}/tags/a%00b", ADMIN, {}, None, 400),
    ("nul_in_url_region_put", "PUT", "/v3/regions/r%00", ADMIN, {}, {"region": {}}, 400),
    ("nul_in_url_unauthenticated", "GET", "/v3/projects/%00", NONE, {}, None, 400),
    ("nul_in_query", "GET", "/v3/projects?name=%00", ADMIN, {}, None, 400),
    ("nul_in_query_value", "GET", "/v3/users?name=x%00y", ADMIN, {}, None, 400),
    ("nul_in_query_assignments", "GET", "/v3/role_assignments?user.id=%00", ADMIN, {}, None,
     400),
    ("nul_in_query_delete", "DELETE", "/v3/users/{user}?x=%00", ADMIN, {}, None, 400),
    ("long_query_value", "GET", "/v3/projects?name=" + "q" * 5000, ADMIN, {}, None, 400),
    ("long_url_segment", "GET", "/v3/projects/" + "p" * 5000, ADMIN, {}, None, 400),
    ("long_region_id_put", "PUT", "/v3/regions/" + "r" * 256, ADMIN, {}, {"region": {}}, 400),
    ("long_tag_put", "PUT", "/v3/projects/{project}/tags/" + "t" * 300, ADMIN, {}, None, 400),
    ("tag_with_comma", "PUT", "/v3/projects/{project}/tags/a,b", ADMIN, {}, None, 400),
    ("bad_utf8_in_url", "GET", "/v3/projects/%ff%fe", ADMIN, {}, None, None),
    ("no_token", "POST", "/v3/projects", NONE, {}, {"project": {"name": "bi-x"}}, 401),
    ("garbage_token", "POST", "/v3/projects", GARBAGE, {}, {"project": {"name": "bi-x"}}, 401),
    ("garbage_token_get", "GET", "/v3/users", GARBAGE, {}, None, 401),
    ("garbage_subject_token", "GET", "/v3/auth/tokens", ADMIN, {"X-Subject-Token": "junk"},
     None, 404),
    ("missing_subject_token", "GET", "/v3/auth/tokens", ADMIN, {}, None, 404),
    ("huge_subject_token", "DELETE", "/v3/auth/tokens", ADMIN, {"X-Subject-Token": "s" * 5000},
     None, 404),
    ("method_put_projects", "PUT", "/v3/projects", ADMIN, {}, {"project": {}}, 405),
    ("method_delete_users", "DELETE", "/v3/users", ADMIN, {}, None, 405),
    ("method_post_project", "POST", "/v3/projects/{project}", ADMIN, {},
     {"project": {"name": "bi-x"}}, 405),
    ("method_patch_tokens", "PATCH", "/v3/auth/tokens", ADMIN, {}, {}, 405),
    ("method_post_assignments", "POST", "/v3/role_assignments", ADMIN, {}, {}, 405),
    ("method_put_catalog", "PUT", "/v3/auth/catalog", ADMIN, {}, None, 405),
    ("method_post_discovery", "POST", "/", NONE, {}, {}, 405),
    ("method_delete_version", "DELETE", "/v3", NONE, {}, None, 405),
    ("method_patch_membership", "PATCH", "/v3/groups/{group}/users/{user}", ADMIN, {}, {}, 405),
    ("unknown_path", "GET", "/v3/nope", ADMIN, {}, None, 404),
    ("unknown_path_unauthenticated", "GET", "/v3/nope", NONE, {}, None, 404),
    ("unknown_subpath", "GET", "/v3/projects/{project}/nope", ADMIN, {}, None, 404),
    ("unknown_user_subpath", "POST", "/v3/users/{user}/nope", ADMIN, {}, {}, 404),
    ("unknown_auth_path", "GET", "/v3/auth/nope", ADMIN, {}, None, 404),
    ("unknown_version", "GET", "/v4/projects", ADMIN, {}, None, 404),
    ("unknown_object", "GET", "/v3/projects/no-such-project", ADMIN, {}, None, 404),
    ("unknown_delete", "DELETE", "/v3/roles/no-such-role", ADMIN, {}, None, 404),
]
OUTSIDE = [("outside_service", "GET", "/nope"), ("outside_service_post", "POST", "/nope")]
NOT_IMPLEMENTED = [
    ("GET", "/v3/OS-TRUST/trusts"), ("POST", "/v3/OS-TRUST/trusts"),
    ("GET", "/v3/domains/{domain}/config"), ("PUT", "/v3/domains/{domain}/config"),
    ("GET", "/v3/policies/x/OS-ENDPOINT-POLICY/endpoints"), ("GET", "/v3/limits"),
    ("GET", "/v3/registered_limits"),
    ("PATCH", "/v3/limits/x"), ("GET", "/v3/OS-FEDERATION/identity_providers"),
    ("GET", "/v3/OS-REVOKE/events"),
    ("GET", "/v3/users/{user}/access_rules"),
    ("GET", "/v3/domains/config/default/ldap"), ("GET", "/v3/auth/OS-FEDERATION/websso/x"),
    ("POST", "/v3/auth/receipts"), ("POST", "/v3/OS-OAUTH1/request_token"),
]


def _send(env: Env, method: str, path: str, token: str, headers: dict, body: object
          ) -> httpx.Response:
    h = dict(headers)
    if token == ADMIN:
        h["X-Auth-Token"] = env.token
    elif token == GARBAGE:
        h["X-Auth-Token"] = "gAAAAA-not-a-token"
    return env.http.request(method, env.fill("/identity" + path), json=body, headers=h)


@pytest.mark.parametrize(("method", "path", "token", "headers", "body", "status"),
                         [pytest.param(*r[1:], id=r[0]) for r in REQUESTS])
def test_bad_request(env: Env, method: str, path: str, token: str, headers: dict,
                     body: object, status: int | None) -> None:
    check_fault(_send(env, method, path, token, headers, body), status)


@pytest.mark.parametrize(("method", "path"), [pytest.param(m, p, id=i) for i, m, p in OUTSIDE])
def test_outside_any_service(env: Env, method: str, path: str) -> None:
    r = env.http.request(method, path, headers={"X-Auth-Token": env.token})
    assert r.status_code in (404, 405), r.text
    check_fault(r)


@pytest.mark.parametrize("token", [ADMIN, NONE])
@pytest.mark.parametrize(("method", "path"), NOT_IMPLEMENTED)
def test_not_implemented(env: Env, method: str, path: str, token: str) -> None:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    r = _send(env, method, path, token, {}, body)
    assert r.status_code == 501, r.text
    body_out = r.json()
    assert body_out["error"]["code"] == 501 and body_out["error"]["title"], r.text
    assert "Traceback" not in r.text


def test_nothing_changed_and_still_healthy(cloud: Cloud, env: Env) -> None:
    """Runs after the corpus (file order): same state, tokens still issued, no 500 logged."""
    assert {p: env.get(p) for p in GLOBAL} == env.snapshot
    assert cloud.alive()
    token = cloud.token("admin", ADMIN_PASSWORD, "admin")
    r = env.http.get("/identity/v3/auth/tokens",
                     headers={"X-Auth-Token": token, "X-Subject-Token": env.token})
    assert r.status_code == 200, r.text
    assert _unexpected_errors(cloud) == env.log_errors
