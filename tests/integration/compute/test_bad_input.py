"""The bad-input corpus for the compute and image APIs, against a real server.

The body mutations are the identity corpus's (tests/integration/identity/test_bad_input.py):
malformed JSON, wrong roots, unknown fields, wrong types, 256-character names, NUL bytes,
invalid UTF-8, deep nesting, oversized bodies; here they hit the compute and image routes
that take a body. Then whole requests: NUL bytes and long values in URLs and query strings,
bad microversion headers, bad paging and sorting parameters, bad server actions, bad image
JSON patches and media types. Every case answers a 4xx in the service's own fault format
(Nova: {"<faultName>": {"code": N, "message": ...}} with code == status; Glance: WebOb's
JSON for `Accept: application/json`), with no traceback, and changes nothing: what the
case aims at is read before and after, and the whole state once more at the end, when the
cloud must still be up with no unexpected error in its log.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.integration.cloud import ADMIN_PASSWORD, Cloud
from tests.integration.compute import support
from tests.integration.identity.test_bad_input import MUTATIONS

C, G = "compute", "image"
NOVA_FAULTS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
               405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest",
               413: "overLimit", 415: "badMediaType"}
PATCH = "application/openstack-images-v2.1-json-patch"
NAMES = frozenset({"name_256", "name_empty", "name_number", "name_list", "name_object"})


@dataclass(frozen=True)
class Target:
    """A route taking a body: the fields the identity MUTATIONS read, and where it lives."""

    svc: str
    method: str
    path: str  # {server} etc. are filled from Env.ids
    root: str | None
    inner: dict  # a valid body under the root; "@busybox@" etc. are filled too
    name: str | None  # a slash path in `inner` to a length-limited string field
    flag: str | None = None  # a strictly boolean field of `inner`
    watch: str | None = None  # a GET (same service) that must answer the same after
    skip: frozenset[str] = frozenset()  # mutations that are valid input for this route
    version: str = "2.90"


TARGETS = [
    Target(C, "POST", "/v2.1/servers", "server", {"name": "bi-server", "imageRef": "@busybox@",
           "flavorRef": "1", "networks": "none"}, "name",
           watch="/v2.1/servers/detail?all_tenants=1"),
    Target(C, "PUT", "/v2.1/servers/{server}", "server", {"name": "bi-server"}, "name",
           watch="/v2.1/servers/{server}", skip=frozenset({"empty_inner"})),
    Target(C, "POST", "/v2.1/servers/{server}/metadata", "metadata", {"bi": "v"}, "bi",
           watch="/v2.1/servers/{server}/metadata",
           skip=frozenset({"empty_inner", "name_empty", "unknown_field"})),
    Target(C, "PUT", "/v2.1/servers/{server}/metadata/bi", "meta", {"bi": "v"}, "bi",
           watch="/v2.1/servers/{server}/metadata", skip=frozenset({"name_empty"})),
    Target(C, "PUT", "/v2.1/servers/{server}/tags", None, {"tags": ["t"]}, "tags/0",
           watch="/v2.1/servers/{server}/tags"),
    Target(C, "POST", "/v2.1/servers/{server}/action", "os-getConsoleOutput", {"length": 5},
           "length", watch="/v2.1/servers/{server}/os-instance-actions",
           skip=frozenset({"empty_inner", "name_number", "duplicate_key"})),
    Target(C, "POST", "/v2.1/flavors", "flavor", {"name": "bi-flavor", "ram": 64, "vcpus": 1,
           "disk": 0}, "name", watch="/v2.1/flavors/detail?is_public=None"),
    Target(C, "PUT", "/v2.1/flavors/{flavor}", "flavor", {"description": "d"}, "description",
           watch="/v2.1/flavors/{flavor}", skip=frozenset({"name_256", "name_empty"})),
    Target(C, "POST", "/v2.1/flavors/{flavor}/os-extra_specs", "extra_specs", {"bi": "1"},
           "bi", watch="/v2.1/flavors/{flavor}/os-extra_specs",
           skip=frozenset({"empty_inner", "name_empty", "name_number", "unknown_field",
                           "duplicate_key"})),
    Target(C, "POST", "/v2.1/os-keypairs", "keypair", {"name": "bi-keypair"}, "name",
           watch="/v2.1/os-keypairs"),
    Target(C, "POST", "/v2.1/os-server-groups", "server_group", {"name": "bi-group",
           "policy": "affinity"}, "name", watch="/v2.1/os-server-groups?all_projects=1"),
    Target(C, "PUT", "/v2.1/os-quota-sets/{project}", "quota_set", {"instances": 10}, None,
           watch="/v2.1/os-quota-sets/{project}", skip=frozenset({"empty_inner"})),
    Target(G, "POST", "/v2/images", None, {"name": "bi-image", "disk_format": "raw",
           "container_format": "bare", "tags": ["bi"]}, "name", "protected",
           watch="/v2/images?limit=1000", skip=frozenset({"name_empty", "unknown_field",
                                                         "empty_object"})),
    Target(G, "POST", "/v2/images/{image}/members", None, {"member": "@other@"}, "member",
           watch="/v2/images/{image}/members",
           skip=frozenset({"wrong_root", "unknown_field", "extra_root"})),
    Target(G, "PUT", "/v2/images/{image}/members/{other}", None, {"status": "pending"},
           "status", watch="/v2/images/{image}/members",
           skip=frozenset({"wrong_root", "unknown_field", "extra_root"})),
]


def _body_cases() -> Iterator:
    for t in TARGETS:
        for name, (make, status) in MUTATIONS.items():
            if name not in t.skip and make(t) is not None:  # type: ignore[arg-type]
                yield pytest.param(t, name, status, id=f"{t.svc} {t.method} {t.path} {name}")


@dataclass
class Env:
    http: httpx.Client
    token: str
    ids: dict[str, str]
    log_errors: int = 0
    snapshot: str = ""

    def send(self, svc: str, method: str, path: str, *, content: object = None,
             headers: dict[str, str] | None = None, version: str | None = "2.90",
             token: bool = True) -> httpx.Response:
        h = {"X-Auth-Token": self.token} if token else {}
        if any(k.lower().endswith("api-version") for k in headers or {}):
            version = None  # the case sets its own microversion header
        if svc == C and version:
            h["OpenStack-API-Version"] = f"compute {version}"
        if svc == G:
            h["Accept"] = "application/json"
        h.update(headers or {})
        if content is not None and not isinstance(content, (bytes, Iterator)):
            content = json.dumps(content).encode()
            h.setdefault("Content-Type", "application/json")
        return self.http.request(method, f"/{svc}{self.fill(path)}", content=content,
                                 headers=h)  # type: ignore[arg-type]

    def fill(self, text: str) -> str:
        for key, value in self.ids.items():
            text = text.replace(f"{{{key}}}", value).replace(f"@{key}@", value)
        return text

    def read(self, svc: str, path: str) -> object:
        r = self.send(svc, "GET", path)
        assert r.status_code == 200, r.text
        return _stable(r.json())

    def state(self) -> dict[str, object]:
        """Every collection the corpus aims at, and the objects it aims at."""
        paths = {t.watch: t.svc for t in TARGETS if t.watch}
        paths.update({"/v2.1/servers/{server}/tags": C, "/v2.1/os-keypairs": C,
                      "/v2/images/{image}": G, "/v2.1/os-quota-sets/{project}": C})
        return {p: self.read(svc, p) for p, svc in paths.items()}


def _stable(value: object) -> object:
    """A view without the timestamps a reconciler pass may refresh."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in ("updated", "updated_at")}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _unexpected_errors(cloud: Cloud) -> int:
    return cloud.log.read_text(errors="replace").count("unexpected error")


@pytest.fixture(scope="module")
def bcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def env(bcloud: Cloud) -> Iterator[Env]:
    http = bcloud.http()
    e = Env(http, bcloud.token("admin", ADMIN_PASSWORD, "admin"), {})

    def ok(svc: str, method: str, path: str, body: object = None) -> dict:
        r = e.send(svc, method, path, content=body)
        assert r.status_code < 300, r.text
        return r.json() if r.content else {}

    tag = uuid.uuid4().hex[:8]
    projects = http.get("/identity/v3/auth/projects", headers={"X-Auth-Token": e.token})
    e.ids["project"] = projects.json()["projects"][0]["id"]
    e.ids["other"] = http.post("/identity/v3/projects", headers={"X-Auth-Token": e.token},
                               json={"project": {"name": f"bi-other-{tag}"}}
                               ).json()["project"]["id"]
    e.ids["busybox"] = ok(G, "GET", "/v2/images?name=busybox")["images"][0]["id"]
    e.ids["server"] = ok(C, "POST", "/v2.1/servers", {"server": {
        "name": "bi-fixture", "imageRef": e.ids["busybox"], "flavorRef": "1",
        "networks": "none"}})["server"]["id"]
    e.ids["flavor"] = ok(C, "POST", "/v2.1/flavors", {"flavor": {
        "name": f"bi-flavor-{tag}", "ram": 64, "vcpus": 1, "disk": 0}})["flavor"]["id"]
    e.ids["image"] = ok(G, "POST", "/v2/images", {"name": f"bi-image-{tag}",
                                                  "visibility": "shared"})["id"]
    ok(C, "PUT", "/v2.1/servers/{server}/tags/t")
    for t in TARGETS:  # each valid body is accepted (and adds the member the next one sets)
        body = json.loads(e.fill(json.dumps({t.root: t.inner} if t.root else t.inner)))
        r = e.send(t.svc, t.method, t.path, content=body, version=t.version)
        assert r.status_code < 300, f"{t.method} {t.path}: {r.status_code} {r.text[:300]}"

    def all_active() -> bool:
        servers = ok(C, "GET", "/v2.1/servers/detail?all_tenants=1")["servers"]
        return all(s["status"] == "ACTIVE" for s in servers)
    support.wait_for(all_active, 60, "the servers ACTIVE")
    e.log_errors = _unexpected_errors(bcloud)
    e.snapshot = json.dumps(e.state(), sort_keys=True)
    yield e
    http.close()


def check_fault(svc: str, r: httpx.Response, status: int | None = None) -> None:
    """A 4xx (the given one, if any) in the service's own format, and no traceback."""
    where = f"{r.request.method} {r.request.url.path[:120]}: {r.status_code} {r.text[:300]}"
    assert 400 <= r.status_code < 500, where
    if status is not None:
        assert r.status_code == status, where
    assert r.headers["content-type"].startswith("application/json"), where
    assert "Traceback" not in r.text and 'File "' not in r.text, where
    body = r.json()
    if svc == C:
        name = NOVA_FAULTS[r.status_code]
        assert list(body) == [name] and set(body[name]) == {"code", "message"}, where
        assert body[name]["code"] == r.status_code, where
        assert isinstance(body[name]["message"], str) and body[name]["message"], where
    elif r.status_code == 401:  # keystonemiddleware's, in front of Glance
        assert body["error"]["code"] == 401, where
    else:
        assert set(body) == {"message", "code", "title"}, where
        assert body["code"].startswith(f"{r.status_code} ") and body["title"], where


@pytest.mark.parametrize(("target", "mutation", "status"), list(_body_cases()))
def test_bad_body(env: Env, target: Target, mutation: str, status: int) -> None:
    body = MUTATIONS[mutation][0](target)  # type: ignore[arg-type]
    assert body is not None
    body = env.fill(body.decode("latin-1")).encode("latin-1")
    before = env.read(target.svc, target.watch) if target.watch else None
    content: bytes | Iterator[bytes] = body
    if mutation == "too_large_chunked":  # no Content-Length: the limit holds while streaming
        content = iter([body[i:i + 8192] for i in range(0, len(body), 8192)])
    r = env.send(target.svc, target.method, target.path, content=content,
                 headers={"Content-Type": "application/json"}, version=target.version)
    check_fault(target.svc, r, status)
    if target.watch:
        assert env.read(target.svc, target.watch) == before


SRV = "/v2.1/servers/{server}"
ACTION = SRV + "/action"
EVENTS = "/v2.1/os-server-external-events"
EVENT = {"name": "network-changed", "server_uuid": "{server}"}
# (id, service, method, path, body, extra headers, status; None: any 4xx)
REQUESTS = [
    ("nul_in_server_id", C, "GET", "/v2.1/servers/%00", None, {}, 400),
    ("nul_in_metadata_key", C, "DELETE", SRV + "/metadata/a%00b", None, {}, 400),
    ("nul_in_tag", C, "PUT", SRV + "/tags/a%00b", None, {}, 400),
    ("nul_in_flavor_id", C, "DELETE", "/v2.1/flavors/%00", None, {}, 400),
    ("nul_in_keypair_name", C, "GET", "/v2.1/os-keypairs/%00", None, {}, 400),
    ("nul_in_server_query", C, "GET", "/v2.1/servers?name=%00", None, {}, 400),
    ("nul_in_flavor_query", C, "GET", "/v2.1/flavors?minRam=1%00", None, {}, 400),
    ("nul_in_action_url", C, "POST", "/v2.1/servers/%00/action", {"os-stop": None}, {}, 400),
    ("long_query_value", C, "GET", "/v2.1/servers?name=" + "q" * 5000, None, {}, 400),
    ("long_url_segment", C, "GET", "/v2.1/servers/" + "s" * 5000, None, {}, 400),
    ("bad_utf8_in_url", C, "GET", "/v2.1/servers/%ff%fe", None, {}, None),
    ("long_tag", C, "PUT", SRV + "/tags/" + "t" * 61, None, {}, 400),
    ("tag_with_comma", C, "PUT", SRV + "/tags/a,b", None, {}, 400),
    ("metadata_uri_mismatch", C, "PUT", SRV + "/metadata/a", {"meta": {"b": "1"}}, {}, 400),
    ("metadata_two_keys", C, "PUT", SRV + "/metadata/a", {"meta": {"a": "1", "b": "2"}}, {},
     400),
    ("spec_uri_mismatch", C, "PUT", "/v2.1/flavors/{flavor}/os-extra_specs/a", {"b": "1"}, {},
     400),
    *[(f"microversion_{i}", C, "GET", "/v2.1/servers", None, {"OpenStack-API-Version": v},
       s) for i, (v, s) in enumerate([
           ("compute 2.x", 400), ("compute 3.0", 406), ("compute 2.999", 406),
           ("compute 1.1", 406), ("compute 2.1.1", 400), ("compute -2.1", 400),
           ("compute latest.1", 400), ("compute 2." + "0" * 30 + "1", 400),
           ("compute 2.1\x7f", 400)])],
    ("legacy_microversion_header", C, "GET", "/v2.1/servers", None,
     {"X-OpenStack-Nova-API-Version": "two"}, 400),
    *[(f"query_{q}", C, "GET", f"/v2.1/{q}", None, {}, 400) for q in (
        "servers?limit=-1", "servers?limit=abc", "servers?marker=no-such-server",
        "servers?sort_key=no_such_key", "servers?sort_dir=sideways",
        "servers/detail?limit=-1", "flavors?limit=-1", "flavors?limit=abc",
        "flavors?marker=no-such-flavor", "flavors?sort_key=no_such_key",
        "flavors?sort_dir=sideways", "flavors?minRam=abc", "flavors/detail?minDisk=-x",
        "flavors?is_public=maybe", "flavors?unknown=1", "os-keypairs?limit=-1",
        "os-keypairs?limit=abc", "os-keypairs?marker=no-such-keypair", "os-keypairs?unknown=1",
        "os-server-groups?limit=-1", "os-server-groups?offset=abc", "os-server-groups?unknown=1",
        "os-hypervisors?limit=-1", "os-hypervisors?marker=no-such-hypervisor",
        "os-hypervisors?with_servers=maybe", "os-services?unknown=1", "limits?unknown=1",
        "os-quota-sets/{project}?unknown=1")],
    *[(f"action_{i}", C, "POST", ACTION, body, {}, 400) for i, body in enumerate([
        {}, [], None, "reboot", {"os-stop": None, "os-start": None},
        {"os-getConsoleOutput": {}, "os-stop": None}, {"explode": None}, {"": None},
        {"reboot": {"type": 5}}, {"reboot": {"type": "MEDIUM"}}, {"reboot": "HARD"},
        {"reboot": {}}, {"reboot": {"type": "HARD", "extra": 1}}, {"reboot": None},
        {"resize": {"flavorRef": []}}, {"resize": {}}, {"resize": {"flavorRef": "1",
                                                                   "extra": 1}},
        {"createImage": {"name": 5}}, {"createImage": {"name": ""}},
        {"createImage": {"name": "x" * 256}}, {"createImage": {"name": "x", "metadata": "y"}},
        {"createImage": {}}, {"rebuild": {"imageRef": 5}}, {"rebuild": {}},
        {"rebuild": {"imageRef": "@busybox@", "name": ""}}, {"lock": {"locked_reason": 5}},
        {"lock": {"locked_reason": "x" * 256}}, {"lock": "now"}, {"unlock": {"x": 1}},
        {"os-getConsoleOutput": {"length": "abc"}}, {"os-getConsoleOutput": {"length": -5}},
        {"os-getConsoleOutput": {"length": 1.5}}, {"os-getConsoleOutput": "all"},
        {"os-stop": {"force": True}}, {"pause": [1]}, {"os-start": "now"},
        {"os-getConsoleOutput": None}, {"reboot\u0000": {"type": "HARD"}},
        {"os-resetState": {"state": "stopped"}}, {"os-resetState": {}},
        {"os-resetState": None}, {"os-resetState": {"state": "error", "x": 1}},
        {"createBackup": {}}, {"createBackup": {"name": "b", "backup_type": "d",
                                                "rotation": -1}},
        {"createBackup": {"name": "b", "backup_type": 5, "rotation": 1}},
        {"createBackup": {"name": "b", "backup_type": "d", "rotation": "two"}},
        {"addSecurityGroup": {}}, {"addSecurityGroup": {"name": ""}},
        {"addSecurityGroup": {"name": " "}}, {"addSecurityGroup": "default"},
        {"removeSecurityGroup": None}, {"migrate": {"host": 5}}, {"migrate": "h"},
        {"rebuild": {"imageRef": "@busybox@", "accessIPv4": "1.2.3"}},
        {"rebuild": {"imageRef": "@busybox@", "accessIPv6": "1.2.3.4"}},
        {"rebuild": {"imageRef": "@busybox@", "OS-DCF:diskConfig": "SOMETIMES"}},
        {"resize": {"flavorRef": "2", "OS-DCF:diskConfig": 1}}])],
    *[(f"action_in_wrong_state_{a}", C, "POST", ACTION, {a: None}, {}, 409)
      for a in ("confirmResize", "revertResize", "unpause", "resume", "restore")],
    *[(f"external_events_{i}", C, "POST", EVENTS, body, {}, 400) for i, body in enumerate([
        {}, {"events": []}, {"events": {}}, {"events": None}, {"event": [EVENT]},
        {"events": [EVENT], "x": 1}, {"events": [{}]}, {"events": ["network-changed"]},
        {"events": [{"name": "network-changed"}]}, {"events": [{"server_uuid": "{server}"}]},
        {"events": [{**EVENT, "name": "nope"}]}, {"events": [{**EVENT, "name": 5}]},
        {"events": [{**EVENT, "name": "volume-reimaged"}]},  # 2.93, past ours
        {"events": [{**EVENT, "server_uuid": "not-a-uuid"}]},
        {"events": [{**EVENT, "server_uuid": "{server}x"}]},
        {"events": [{**EVENT, "status": "done"}]}, {"events": [{**EVENT, "tag": 5}]},
        {"events": [{**EVENT, "tag": "t" * 256}]}, {"events": [{**EVENT, "extra": 1}]},
        {"events": [EVENT, {**EVENT, "name": "nope"}]}])],
    *[(f"external_event_{name}_at_{v}", C, "POST", EVENTS, {"events": [
        {**EVENT, "name": name, "tag": "t"}]}, {"OpenStack-API-Version": f"compute {v}"}, 400)
      for name, v in (("volume-extended", "2.50"), ("power-update", "2.75"),
                      ("accelerator-request-bound", "2.81"))],
    ("servers_all_tenants_maybe", C, "GET", "/v2.1/servers?all_tenants=maybe", None, {}, 400),
    ("update_bad_access_ip", C, "PUT", SRV, {"server": {"accessIPv4": "1"}}, {}, 400),
    ("action_wrong_media", C, "POST", ACTION, b"os-stop", {"Content-Type": "text/plain"}, None),
    ("method_patch_servers", C, "PATCH", "/v2.1/servers", {}, {}, 405),
    ("method_delete_flavors", C, "DELETE", "/v2.1/flavors", None, {}, 405),
    ("method_post_hypervisors", C, "POST", "/v2.1/os-hypervisors", {}, {}, 405),
    ("unknown_compute_path", C, "GET", "/v2.1/nope", None, {}, 404),
    ("unknown_server", C, "GET", "/v2.1/servers/00000000-0000-0000-0000-000000000000", None,
     {}, 404),
    ("unknown_server_action", C, "POST", "/v2.1/servers/no-such-server/action",
     {"os-stop": None}, {}, 404),
    ("nul_in_image_id", G, "GET", "/v2/images/%00", None, {}, 400),
    ("nul_in_image_tag", G, "PUT", "/v2/images/{image}/tags/a%00b", None, {}, 400),
    ("nul_in_image_query", G, "GET", "/v2/images?name=%00", None, {}, 400),
    ("long_image_tag", G, "PUT", "/v2/images/{image}/tags/" + "t" * 256, None, {}, 400),
    *[(f"image_query_{q}", G, "GET", f"/v2/images?{q}", None, {}, 400) for q in (
        "limit=-1", "limit=abc", "marker=no-such-image", "sort_key=no_such_key",
        "sort_dir=sideways", "sort=name:sideways", "visibility=everyone")],
    ("upload_wrong_media", G, "PUT", "/v2/images/{image}/file", b"data",
     {"Content-Type": "application/json"}, 415),
    ("upload_no_media", G, "PUT", "/v2/images/{image}/file", b"data", {}, 415),
    ("import_bad_method", G, "POST", "/v2/images/{image}/import", {"method": {"name": 5}}, {},
     400),
    ("unknown_image_path", G, "GET", "/v2/nope", None, {}, 404),
    ("method_put_images", G, "PUT", "/v2/images", {}, {}, 405),
    ("no_token_compute", C, "POST", "/v2.1/servers", {"server": {}}, {"X-Auth-Token": ""},
     401),
    ("garbage_token_compute", C, "GET", "/v2.1/servers", None, {"X-Auth-Token": "junk"}, 401),
    ("garbage_token_image", G, "GET", "/v2/images", None, {"X-Auth-Token": "junk"}, 401),
]
# The image's JSON patches: (id, body (raw bytes or JSON), content type, status)
PATCHES = [
    ("not_json", b"not json", PATCH, 400), ("object", {"op": "add"}, PATCH, 400),
    ("empty_op", [{}], PATCH, 400), ("unknown_op", [{"op": "nope", "path": "/name",
                                                    "value": "x"}], PATCH, 400),
    ("no_value", [{"op": "replace", "path": "/name"}], PATCH, 400),
    ("no_path", [{"op": "replace", "value": "x"}], PATCH, 400),
    ("path_not_pointer", [{"op": "replace", "path": "name", "value": "x"}], PATCH, 400),
    ("deep_path", [{"op": "add", "path": "/a/b", "value": "x"}], PATCH, 400),
    ("name_256", [{"op": "replace", "path": "/name", "value": "n" * 256}], PATCH, 400),
    ("name_number", [{"op": "replace", "path": "/name", "value": 5}], PATCH, 400),
    ("nul_value", [{"op": "replace", "path": "/name", "value": "a\x00b"}], PATCH, 400),
    ("nul_path", [{"op": "add", "path": "/a\x00b", "value": "x"}], PATCH, 400),
    ("bad_utf8", b'[{"op": "replace", "path": "/name", "value": "a\xff"}]', PATCH, 400),
    ("deep", [{"op": "add", "path": "/k", "value": json.loads("[" * 40 + "]" * 40)}], PATCH,
     400),
    ("too_large", [{"op": "add", "path": "/k", "value": "x" * 120_000}], PATCH, 413),
    ("one_bad_of_two", [{"op": "replace", "path": "/name", "value": "changed"},
                        {"op": "replace", "path": "/min_ram", "value": "lots"}], PATCH, 400),
    ("read_only", [{"op": "replace", "path": "/status", "value": "active"}], PATCH, 403),
    ("media_json", [], "application/json", 415), ("media_text", [], "text/plain", 415),
    ("media_none", [], None, 415),
    ("media_json_patch", [], "application/json-patch+json", 415),
]


@pytest.mark.parametrize(("svc", "method", "path", "body", "headers", "status"),
                         [pytest.param(*r[1:], id=r[0]) for r in REQUESTS])
def test_bad_request(env: Env, svc: str, method: str, path: str, body: object,
                     headers: dict, status: int | None) -> None:
    if isinstance(body, (dict, list)):
        body = json.loads(env.fill(json.dumps(body)))
    watch = SRV if path.startswith(SRV) else None
    before = env.read(C, watch) if watch else None
    token = headers.get("X-Auth-Token") != ""
    r = env.send(svc, method, path, content=body, headers={
        k: v for k, v in headers.items() if v}, token=token)
    check_fault(svc, r, status)
    if watch:
        assert env.read(C, watch) == before


@pytest.mark.parametrize(("body", "media", "status"),
                         [pytest.param(*p[1:], id=p[0]) for p in PATCHES])
def test_bad_image_patch(env: Env, body: object, media: str | None, status: int) -> None:
    before = env.read(G, "/v2/images/{image}")
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = env.send(G, "PATCH", "/v2/images/{image}", content=content,
                 headers={"Content-Type": media} if media else {})
    check_fault(G, r, status)
    if status == 415:
        assert PATCH in r.headers["Accept-Patch"]
    assert env.read(G, "/v2/images/{image}") == before


def test_nothing_changed_and_still_healthy(bcloud: Cloud, env: Env) -> None:
    """Runs after the corpus (file order): same state, still serving, no 500 logged."""
    assert json.dumps(env.state(), sort_keys=True) == env.snapshot
    assert bcloud.alive()
    server = env.read(C, SRV)
    assert server["server"]["status"] == "ACTIVE"  # type: ignore[index]
    assert env.send(C, "POST", ACTION, content={"os-getConsoleOutput": {}}).status_code == 200
    assert _unexpected_errors(bcloud) == env.log_errors
