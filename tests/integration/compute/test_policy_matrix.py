"""The persona matrix for compute and image: every route, as every persona, on real ids.

Personas: reader_a, member_a and admin_a hold reader, member and admin on project A;
member_b holds member on project B. Every route of cheptel.compute.api.ROUTES and
cheptel.image.api.ROUTES is sent as each persona, its path filled from real objects (a
server of A booted once, images of A, member_a's keypair, a server group of A, flavors...)
with a minimal valid body. What each persona should get is written here (EXPECT, RULES),
from the OpenStack defaults, not from cheptel.policy: a reader reads in its project, a
member writes in its project, an admin does everything; an object of another project
(server, image, keypair, server group) is a 404, an admin-only API a 403. Requests that
destroy are pointed at throwaway objects; nothing may answer a 5xx (a 501 only where the
test lists it), and every refusal is in the service's own fault format. Without a token,
every route but discovery is a 401.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from cheptel.compute.api import ROUTES as COMPUTE_ROUTES
from cheptel.image.api import ROUTES as IMAGE_ROUTES
from tests.integration.cloud import ADMIN_PASSWORD, Cloud
from tests.integration.compute import matrix_actions, support
from tests.integration.compute import matrix_metadefs as metadefs

PASSWORD = "matrix-pw-1"
PERSONAS = ("reader_a", "member_a", "admin_a", "member_b")
OK = "ok"
# What each persona gets, in PERSONAS order: OK (let through: any answer but 401, 403 or
# 404, or the route's own ANSWERS), else the refusal: 403 (forbidden) or 404 (not seen).
RULES: dict[str, tuple[object, ...]] = {
    "anyone": (OK, OK, OK, OK),  # discovery: no token needed either
    "open": (OK, OK, OK, OK),  # any project token, on the caller's own or shared things
    "create": (403, OK, OK, OK),  # a member creates in its own project
    "read_a": (OK, OK, OK, 404),  # reading an object of A: B cannot see it
    "write_a": (403, OK, OK, 404),  # changing an object of A
    "admin": (403, 403, OK, 403),  # admin-only APIs
    "admin_on_a": (403, 403, OK, 404),  # an admin-only action on an object of A
    "quota_a": (OK, OK, OK, 403),  # A's quotas: a policy target, not an object
    "owner_of_shared": (403, OK, OK, 403),  # the owner manages who shares (B sees it)
    "consumer": (403, 403, OK, OK),  # B answers for its own membership, not the owner
    "own_keypair": (404, OK, 404, 404),  # member_a's keypair by name: each looks up its own
    "user_keypair": (403, OK, OK, 403),  # ?user_id=member_a: that user or an admin
}
C, G = "compute", "image"
S, ONE = "/v2.1/servers", "/v2.1/servers/{server_id}"
FL, SPECS = "/v2.1/flavors/{flavor_id}", "/v2.1/flavors/{flavor_id}/os-extra_specs"
KP, QS, QC = "/v2.1/os-keypairs", "/v2.1/os-quota-sets/{project_id}", \
    "/v2.1/os-quota-class-sets/{class_name}"
HV, SVC, AGG, SG = "/v2.1/os-hypervisors", "/v2.1/os-services", "/v2.1/os-aggregates", \
    "/v2.1/os-server-groups"
HOSTS = "/v2.1/os-hosts"
VA = ONE + "/os-volume_attachments"
VOLS, SNAPS, USAGE = "/v2.1/os-volumes", "/v2.1/os-snapshots", "/v2.1/os-simple-tenant-usage"
IMG, MEM = "/v2/images/{image_id}", "/v2/images/{image_id}/members"
IMAGE_NOT_IMPLEMENTED = ("/v2/tasks", "/v2/cache", IMG + "/locations",
                         "/v2/info/usage")
SERVER_READS = ("", "/metadata", "/metadata/{key}", "/tags", "/tags/{tag}", "/ips",
                "/ips/{network}", "/os-instance-actions", "/os-instance-actions/{request_id}",
                "/os-security-groups", "/os-interface", "/os-interface/{port_id}",
                "/os-server-password")
SERVER_WRITES = (("PUT", ""), ("DELETE", ""), ("PUT", "/metadata"), ("POST", "/metadata"),
                 ("PUT", "/metadata/{key}"), ("DELETE", "/metadata/{key}"), ("PUT", "/tags"),
                 ("DELETE", "/tags"), ("PUT", "/tags/{tag}"), ("DELETE", "/tags/{tag}"),
                 ("POST", "/action"), ("POST", "/remote-consoles"), ("POST", "/os-interface"),
                 ("DELETE", "/os-interface/{port_id}"), ("DELETE", "/os-server-password"))
Key = tuple[str, str, str]  # service, method, path as in the route table
EXPECT: dict[Key, str] = {
    **{(C, "GET", p): "anyone" for p in ("/", "/v2", "/v2/", "/v2.1", "/v2.1/")},
    (C, "GET", S): "open", (C, "GET", S + "/detail"): "open", (C, "POST", S): "create",
    **{(C, "GET", ONE + p): "read_a" for p in SERVER_READS},
    **{(C, m, ONE + p): "write_a" for m, p in SERVER_WRITES},
    (C, "GET", ONE + "/diagnostics"): "admin_on_a",  # os-server-diagnostics: admin
    # os-server-external-events:create: admin or the service role (no persona holds it)
    (C, "POST", "/v2.1/os-server-external-events"): "admin",
    (C, "GET", "/v2.1/flavors"): "open", (C, "GET", "/v2.1/flavors/detail"): "open",
    (C, "POST", "/v2.1/flavors"): "admin", (C, "GET", FL): "open", (C, "PUT", FL): "admin",
    (C, "DELETE", FL): "admin", (C, "POST", FL + "/action"): "admin",
    (C, "GET", FL + "/os-flavor-access"): "admin", (C, "GET", SPECS): "open",
    (C, "POST", SPECS): "admin", (C, "GET", SPECS + "/{key}"): "open",
    (C, "PUT", SPECS + "/{key}"): "admin", (C, "DELETE", SPECS + "/{key}"): "admin",
    (C, "GET", KP): "open", (C, "POST", KP): "open",
    (C, "GET", KP + "/{keypair_name}"): "own_keypair",
    (C, "DELETE", KP + "/{keypair_name}"): "own_keypair",
    (C, "GET", "/v2.1/limits"): "open",
    (C, "GET", QS): "quota_a", (C, "PUT", QS): "admin", (C, "DELETE", QS): "admin",
    (C, "GET", QS + "/detail"): "quota_a", (C, "GET", QS + "/defaults"): "open",
    (C, "GET", QC): "admin", (C, "PUT", QC): "admin",
    (C, "GET", "/v2.1/os-availability-zone"): "open",
    (C, "GET", "/v2.1/os-availability-zone/detail"): "admin",
    **{(C, "GET", HV + p): "admin" for p in ("", "/detail", "/statistics", "/{hypervisor_id}",
                                             "/{hypervisor_id}/uptime", "/{pattern}/search",
                                             "/{pattern}/servers")},
    (C, "GET", SVC): "admin", (C, "PUT", SVC + "/{service_id}"): "admin",
    (C, "DELETE", SVC + "/{service_id}"): "admin",
    **{(C, m, p): "admin" for m, p in (("GET", AGG), ("POST", AGG),
                                       ("GET", AGG + "/{aggregate_id}"))},
    (C, "GET", SG): "open", (C, "POST", SG): "create", (C, "GET", SG + "/{group_id}"): "read_a",
    (C, "DELETE", SG + "/{group_id}"): "write_a",
    (C, "GET", ONE + "/topology"): "read_a",  # 2.78; PROJECT_READER_OR_ADMIN
    (C, "GET", "/v2.1/os-migrations"): "admin",  # PROJECT_MANAGER_OR_ADMIN; no manager here
    (C, "GET", "/v2.1/os-floating-ip-pools"): "open",  # RULE_ANY, before 2.36
    **{(C, m, HOSTS + p): "admin" for m, p in (
        ("GET", ""), ("GET", "/{host_name}"), ("PUT", "/{host_name}"),
        ("GET", "/{host_name}/reboot"), ("GET", "/{host_name}/shutdown"),
        ("GET", "/{host_name}/startup"))},  # os-hosts, before 2.43
    # volumes: attachments of A's server; the proxies (before 2.36); usage
    (C, "GET", VA): "read_a", (C, "POST", VA): "write_a",
    (C, "GET", VA + "/{volume_id}"): "read_a", (C, "PUT", VA + "/{volume_id}"): "write_a",
    (C, "DELETE", VA + "/{volume_id}"): "write_a",
    (C, "GET", VOLS): "open", (C, "GET", VOLS + "/detail"): "open", (C, "POST", VOLS): "create",
    (C, "GET", VOLS + "/{volume_id}"): "read_a", (C, "DELETE", VOLS + "/{volume_id}"): "write_a",
    (C, "GET", VOLS + "/"): "open", (C, "DELETE", VOLS + "/"): "open",  # Nova's 404 (ANSWERS)
    (C, "GET", SNAPS): "open", (C, "GET", SNAPS + "/detail"): "open",
    (C, "POST", SNAPS): "create",  # B names A's volume: Cinder's 404 relayed as a 400
    (C, "GET", SNAPS + "/{snapshot_id}"): "read_a",
    (C, "DELETE", SNAPS + "/{snapshot_id}"): "write_a",
    (C, "GET", USAGE): "admin", (C, "GET", USAGE + "/{project_id}"): "quota_a",
    (C, "GET", USAGE + "/"): "open",  # Nova's 404 (ANSWERS)
    **{(G, m, p + tail): "open" for p in IMAGE_NOT_IMPLEMENTED for tail in ("", "/{rest:path}")
       for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    **{(G, "GET", p): "anyone" for p in ("/", "/versions", "/v2", "/v2/")},
    **{(G, "GET", p): "open" for p in ("/v2/schemas/{name}", "/v2/info/import",
                                       "/v2/info/stores", "/v2/info/stores/detail",
                                       "/v2/images")},
    (G, "POST", "/v2/images"): "create", (G, "GET", IMG): "read_a", (G, "PATCH", IMG): "write_a",
    (G, "GET", IMG + "/tasks"): "read_a",
    (G, "DELETE", IMG): "write_a", (G, "PUT", IMG + "/file"): "write_a",
    (G, "GET", IMG + "/file"): "read_a",  # Glance's default wants a member: see the report
    (G, "PUT", IMG + "/stage"): "open",  # 404 for all: no glance-direct (ANSWERS)
    (G, "POST", IMG + "/import"): "open",  # 400 for all: no import method, checked first
    (G, "PUT", IMG + "/tags/{tag}"): "write_a", (G, "DELETE", IMG + "/tags/{tag}"): "write_a",
    (G, "POST", IMG + "/actions/deactivate"): "write_a",
    (G, "POST", IMG + "/actions/reactivate"): "write_a",
    (G, "GET", MEM): "open", (G, "POST", MEM): "owner_of_shared",
    (G, "GET", MEM + "/{member_id}"): "open", (G, "PUT", MEM + "/{member_id}"): "consumer",
    (G, "DELETE", MEM + "/{member_id}"): "owner_of_shared",
    **metadefs.EXPECT,
}
# The keypair routes again, for another user's keypairs (?user_id= / body user_id, 2.10+).
EXPECT_USER: dict[Key, str] = {(C, m, p): "user_keypair" for m, p in (
    ("GET", KP), ("POST", KP), ("GET", KP + "/{keypair_name}"),
    ("DELETE", KP + "/{keypair_name}"))}
# Where the allowed answer is itself a 404 or a 501: (status, text of its message).
ANSWERS: dict[Key, tuple[int, str]] = {
    (C, "GET", ONE + "/ips/{network}"): (404, "not a member of specified network"),
    # the shared server has no port of that id: the allowed answer is the 404
    (C, "GET", ONE + "/os-interface/{port_id}"): (404, "Network interface"),
    (C, "DELETE", ONE + "/os-interface/{port_id}"): (404, "Network interface"),
    (C, "GET", AGG + "/{aggregate_id}"): (404, "Aggregate 1 could not be found"),
    (C, "POST", AGG): (501, "not supported"),
    # Nova's libvirt driver implements none of these either: 501 once the host is known
    **{(C, m, HOSTS + p): (501, "not supported") for m, p in (
        ("PUT", "/{host_name}"), ("GET", "/{host_name}/reboot"),
        ("GET", "/{host_name}/shutdown"), ("GET", "/{host_name}/startup"))},
    **{(C, m, p + "/"): (404, "could not be found") for m, p in (
        ("GET", VOLS), ("DELETE", VOLS), ("GET", USAGE))},
    (G, "GET", "/v2/info/stores"): (404, "Multi backend"),
    (G, "GET", "/v2/info/stores/detail"): (404, "Multi backend"),
    (G, "PUT", IMG + "/stage"): (404, "glance-direct"),
    **{k: (501, "not implemented") for k in EXPECT if k[0] == G and k[2].startswith(
        IMAGE_NOT_IMPLEMENTED)},
}
# Path parameters aimed elsewhere than the shared fixtures ("spare:" = a throwaway).
AIM: dict[Key, dict[str, str]] = {
    (C, "DELETE", ONE): {"server_id": "spare:server"},
    (C, "DELETE", FL): {"flavor_id": "spare:flavor"},
    (C, "POST", FL + "/action"): {"flavor_id": "flavor_private"},
    (C, "GET", FL + "/os-flavor-access"): {"flavor_id": "flavor_private"},
    (C, "DELETE", KP + "/{keypair_name}"): {"keypair_name": "spare:keypair"},
    (C, "PUT", QS): {"project_id": "project_c"}, (C, "DELETE", QS): {"project_id": "project_c"},
    (C, "DELETE", SG + "/{group_id}"): {"group_id": "spare:group"},
    (C, "DELETE", VA + "/{volume_id}"): {"volume_id": "spare:attached"},
    (C, "DELETE", VOLS + "/{volume_id}"): {"volume_id": "spare:volume"},
    (C, "DELETE", SNAPS + "/{snapshot_id}"): {"snapshot_id": "spare:snapshot"},
    (G, "DELETE", IMG): {"image_id": "spare:image"},
    (G, "PUT", IMG + "/file"): {"image_id": "spare:image"},
    (G, "POST", IMG + "/actions/deactivate"): {"image_id": "image_active"},
    (G, "POST", IMG + "/actions/reactivate"): {"image_id": "image_active"},
    **{(G, m, p): {"image_id": "image_shared"} for m, p in (
        ("GET", MEM), ("POST", MEM), ("GET", MEM + "/{member_id}"),
        ("PUT", MEM + "/{member_id}"), ("DELETE", MEM + "/{member_id}"))},
    **metadefs.AIM,
}
VERSIONS = {HV + "/statistics": "2.87", HV + "/{hypervisor_id}/uptime": "2.87",
            HV + "/{pattern}/search": "2.52", HV + "/{pattern}/servers": "2.52",
            "/v2.1/os-floating-ip-pools": "2.35",
            **{p + tail: "2.35" for p in (VOLS, SNAPS)
               for tail in ("", "/", "/detail", "/{volume_id}", "/{snapshot_id}")},
            **{HOSTS + p: "2.42" for p in ("", "/{host_name}", "/{host_name}/reboot",
                                           "/{host_name}/shutdown", "/{host_name}/startup")}}
PATCH_MEDIA = "application/openstack-images-v2.1-json-patch"
Body = Callable[["World"], object]
BODIES: dict[Key, Body] = {
    (C, "POST", S): lambda w: {"server": {"name": uniq(), "imageRef": w.ids["busybox"],
                                          "flavorRef": w.ids["tiny"], "networks": "none"}},
    (C, "PUT", ONE): lambda w: {"server": {"name": "mx-server"}},
    (C, "PUT", ONE + "/metadata"): lambda w: {"metadata": {"mx": "1"}},
    (C, "POST", ONE + "/metadata"): lambda w: {"metadata": {"mx": "1"}},
    (C, "PUT", ONE + "/metadata/{key}"): lambda w: {"meta": {"mx": "1"}},
    (C, "POST", "/v2.1/os-server-external-events"): lambda w: {"events": [
        {"name": "network-changed", "server_uuid": w.ids["server_id"]}]},
    (C, "PUT", ONE + "/tags"): lambda w: {"tags": ["mx"]},
    (C, "POST", ONE + "/action"): lambda w: {"os-getConsoleOutput": {"length": 5}},
    (C, "POST", ONE + "/remote-consoles"): lambda w: {
        "remote_console": {"protocol": "serial", "type": "serial"}},
    (C, "POST", ONE + "/os-interface"): lambda w: {"interfaceAttachment": {}},
    (C, "POST", "/v2.1/flavors"): lambda w: {"flavor": {"name": uniq(), "ram": 64, "vcpus": 1,
                                                        "disk": 0}},
    (C, "PUT", FL): lambda w: {"flavor": {"description": "mx"}},
    (C, "POST", FL + "/action"): lambda w: {"addTenantAccess": {"tenant": w.ids["project_b"]}},
    (C, "POST", SPECS): lambda w: {"extra_specs": {"mx": "1"}},
    (C, "PUT", SPECS + "/{key}"): lambda w: {"mx": "1"},
    (C, "POST", KP): lambda w: {"keypair": {"name": uniq()}},
    (C, "PUT", QS): lambda w: {"quota_set": {"instances": 10}},
    (C, "PUT", QC): lambda w: {"quota_class_set": {"instances": 10}},
    (C, "PUT", SVC + "/{service_id}"): lambda w: {"status": "enabled"},
    (C, "PUT", HOSTS + "/{host_name}"): lambda w: {"status": "enable"},
    (C, "POST", AGG): lambda w: {"aggregate": {"name": uniq()}},
    (C, "POST", SG): lambda w: {"server_group": {"name": uniq(), "policy": "affinity"}},
    (C, "POST", VA): lambda w: {"volumeAttachment": {"volumeId": w.make("volume")}},
    (C, "PUT", VA + "/{volume_id}"): lambda w: {"volumeAttachment": {
        "volumeId": w.ids["volume_id"], "delete_on_termination": False}},
    (C, "POST", VOLS): lambda w: {"volume": {"size": 1}},
    (C, "POST", SNAPS): lambda w: {"snapshot": {"volume_id": w.make("volume")}},
    (G, "POST", "/v2/images"): lambda w: {"name": uniq(), "disk_format": "raw",
                                          "container_format": "bare"},
    (G, "PATCH", IMG): lambda w: [{"op": "replace", "path": "/name", "value": "mx-image"}],
    (G, "PUT", IMG + "/file"): lambda w: b"matrix data",
    (G, "PUT", IMG + "/stage"): lambda w: b"matrix data",
    (G, "POST", IMG + "/import"): lambda w: {"method": {"name": "glance-direct"}},
    (G, "POST", MEM): lambda w: {"member": w.ids["project_c"]},
    (G, "PUT", MEM + "/{member_id}"): lambda w: {"status": "pending"},
    **{k: (lambda w: {}) for k in EXPECT if k[0] == G and k[1] in ("POST", "PUT", "PATCH")
       and k[2].startswith(IMAGE_NOT_IMPLEMENTED)},
    **metadefs.BODIES,
}
NO_BODY = {(C, "PUT", ONE + "/tags/{tag}"), (G, "PUT", IMG + "/tags/{tag}"),
           (G, "POST", IMG + "/actions/deactivate"), (G, "POST", IMG + "/actions/reactivate"),
           *metadefs.NO_BODY}


def uniq(prefix: str = "mx") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def all_routes() -> list[Key]:
    return [(C, r.method, r.path) for r in COMPUTE_ROUTES] + [
        (G, r.method, r.path) for r in IMAGE_ROUTES]


@dataclass
class Persona:
    name: str
    role: str
    project: str
    id: str = ""
    token: str = ""


@dataclass
class World:
    http: httpx.Client
    admin_token: str
    personas: dict[str, Persona]
    ids: dict[str, str] = field(default_factory=dict)
    spares: dict[str, str] = field(default_factory=dict)

    def call(self, svc: str, method: str, path: str, token: str | None, body: object = None,
             version: str = "2.90", query: dict[str, str] | None = None) -> httpx.Response:
        headers = {"X-Auth-Token": token} if token else {}
        kwargs: dict = {"json": body} if body is not None else {}
        if svc == C:
            headers["OpenStack-API-Version"] = f"compute {version}"
        else:
            headers["Accept"] = "application/json"
            if isinstance(body, bytes):
                kwargs = {"content": body}
                headers["Content-Type"] = "application/octet-stream"
            elif method == "PATCH":
                headers["Content-Type"] = PATCH_MEDIA
        return self.http.request(method, f"/{svc}{path}", headers=headers, params=query,
                                 **kwargs)

    def ok(self, svc: str, method: str, path: str, body: object = None, who: str = "admin",
           version: str = "2.90") -> dict:
        token = self.admin_token if who == "admin" else self.personas[who].token
        r = self.call(svc, method, path, token, body, version)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text[:300]}"
        return r.json() if r.content else {}

    def make(self, kind: str) -> str:
        """A new throwaway object of A (a server is not waited for)."""
        if kind == "server":
            return self.ok(C, "POST", S, BODIES[(C, "POST", S)](self), "member_a")["server"]["id"]
        if kind == "flavor":
            return self.ok(C, "POST", "/v2.1/flavors", BODIES[(C, "POST", "/v2.1/flavors")](
                self))["flavor"]["id"]
        if kind == "keypair":
            return self.ok(C, "POST", KP, {"keypair": {"name": uniq()}}, "member_a")[
                "keypair"]["name"]
        if kind == "group":
            return self.ok(C, "POST", SG, BODIES[(C, "POST", SG)](self), "member_a")[
                "server_group"]["id"]
        if kind == "namespace":
            return metadefs.make_namespace(self)
        cinder = f"/v3/{self.ids['project_id']}"
        if kind in ("volume", "attached", "snapshot"):
            vid = self.ok("volume", "POST", cinder + "/volumes", {"volume": {"size": 1}},
                          "member_a")["volume"]["id"]
            if kind == "snapshot":
                return self.ok("volume", "POST", cinder + "/snapshots", {"snapshot": {
                    "volume_id": vid}}, "member_a")["snapshot"]["id"]
            if kind == "attached":
                self.ok(C, "POST", f"{S}/{self.ids['server_id']}/os-volume_attachments",
                        {"volumeAttachment": {"volumeId": vid}}, "member_a")
                support.wait_for(lambda: self.ok(
                    "volume", "GET", f"{cinder}/volumes/{vid}", who="member_a")["volume"][
                        "status"] == "in-use", 60, "the matrix volume in-use")
            return vid
        assert kind == "image"
        return self.ok(G, "POST", "/v2/images", {**BODIES[(G, "POST", "/v2/images")](self),
                                                 "visibility": "private"}, "member_a")["id"]

    def spare(self, kind: str) -> str:
        if kind not in self.spares:
            self.spares[kind] = self.make(kind)
        return self.spares[kind]

    def prepare(self, key: Key) -> None:
        """Put back what an earlier attempt may have removed."""
        _, method, path = key
        server, image = f"{S}/{self.ids['server_id']}", f"/v2/images/{self.ids['image_id']}"
        if path.startswith(ONE + "/metadata"):
            self.ok(C, "PUT", server + "/metadata/mx", {"meta": {"mx": "1"}})
        elif path.startswith(ONE + "/tags"):
            self.ok(C, "PUT", server + "/tags/mx")
        elif path.startswith(SPECS):
            self.ok(C, "POST", f"/v2.1/flavors/{self.ids['flavor_id']}/os-extra_specs",
                    {"extra_specs": {"mx": "1"}})
        elif path == IMG + "/tags/{tag}":
            self.ok(G, "PUT", image + "/tags/mx")
        elif path.startswith(metadefs.NS):
            metadefs.fill_namespace(self)
        elif path.startswith(MEM):  # C is not a member yet, B is one (again)
            shared = f"/v2/images/{self.ids['image_shared']}/members"
            if method == "POST":
                self.call(G, "DELETE", f"{shared}/{self.ids['project_c']}", self.admin_token)
            else:
                self.call(G, "POST", shared, self.admin_token, {"member": self.ids["project_b"]})



def fill(path: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: params[m.group(1)], path)


@pytest.fixture(scope="module")
def mcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    yield from support.cloud_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def world(mcloud: Cloud) -> Iterator[World]:
    http = mcloud.http()
    tag = uuid.uuid4().hex[:8]
    people = {n: Persona(f"{n}-{tag}", n.split("_")[0], n.split("_")[1]) for n in PERSONAS}
    w = World(http, mcloud.token("admin", ADMIN_PASSWORD, "admin"), people)
    ident = "/identity/v3"

    def admin(method: str, path: str, body: dict | None = None) -> dict:
        r = http.request(method, ident + path, json=body, headers={"X-Auth-Token": w.admin_token})
        assert r.status_code < 300, r.text
        return r.json() if r.content else {}

    roles = {r["name"]: r["id"] for r in admin("GET", "/roles")["roles"]}
    projects = {k: (f"mx-{k}-{tag}", admin("POST", "/projects", {"project": {
        "name": f"mx-{k}-{tag}", "domain_id": "default"}})["project"]["id"]) for k in "abc"}
    for p in people.values():
        p.id = admin("POST", "/users", {"user": {"name": p.name, "password": PASSWORD,
                                                 "domain_id": "default"}})["user"]["id"]
        admin("PUT", f"/projects/{projects[p.project][1]}/users/{p.id}/roles/{roles[p.role]}")
        p.token = mcloud.token(p.name, PASSWORD, projects[p.project][0])
    ids = w.ids
    ids.update(project_id=projects["a"][1], project_b=projects["b"][1],
               project_c=projects["c"][1], member_id=projects["b"][1],
               key="mx", tag="mx", network="default", class_name="mx-class", aggregate_id="1",
               name="image", rest="x")
    ids["busybox"] = w.ok(G, "GET", "/v2/images?name=busybox")["images"][0]["id"]
    ids["tiny"] = next(f["id"] for f in w.ok(C, "GET", "/v2.1/flavors")["flavors"]
                       if f["name"] == "m1.tiny")
    ids["server_id"] = w.make("server")
    ids["flavor_id"] = w.make("flavor")
    ids["flavor_private"] = w.ok(C, "POST", "/v2.1/flavors", {"flavor": {
        "name": uniq(), "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": False}})["flavor"]["id"]
    ids["keypair_name"] = w.make("keypair")
    ids["group_id"] = w.make("group")
    ids["image_id"] = w.make("image")
    ids["image_active"] = w.make("image")
    w.ok(G, "PUT", f"/v2/images/{ids['image_active']}/file", b"active data", "member_a")
    ids["image_shared"] = w.ok(G, "POST", "/v2/images", {"name": uniq(), "visibility": "shared"},
                               "member_a")["id"]
    ids.update(metadefs.IDS)
    ids["namespace"] = w.make("namespace")
    hv = w.ok(C, "GET", HV, version="2.87")["hypervisors"][0]
    ids.update(hypervisor_id=hv["id"], pattern=hv["hypervisor_hostname"],
               host_name=hv["hypervisor_hostname"])
    ids["service_id"] = next(s["id"] for s in w.ok(C, "GET", SVC)["services"]
                             if s["binary"] == "nova-compute")

    def active() -> bool:
        return w.ok(C, "GET", f"{S}/{ids['server_id']}")["server"]["status"] == "ACTIVE"
    support.wait_for(active, 60, "the matrix server ACTIVE")
    ids["port_id"] = uuid.uuid4().hex  # no such port on the shared server
    admin_project = http.get(ident + "/auth/tokens", headers={
        "X-Auth-Token": w.admin_token, "X-Subject-Token": w.admin_token}).json()["token"][
        "project"]["id"]  # A makes a volume for every attempt that needs one: no limit
    w.ok("volume", "PUT", f"/v3/{admin_project}/os-quota-sets/{ids['project_id']}", {
        "quota_set": {"volumes": -1, "gigabytes": -1, "snapshots": -1}})
    ids["volume_id"] = w.make("attached")
    ids["snapshot_id"] = w.make("snapshot")
    ids["request_id"] = w.ok(C, "GET", f"{S}/{ids['server_id']}/os-instance-actions")[
        "instanceActions"][0]["request_id"]
    yield w
    http.close()


def fault_problem(svc: str, r: httpx.Response) -> str | None:
    """None if a 4xx/5xx body is in the service's own fault format, else what is wrong."""
    try:
        body = r.json()
    except ValueError:
        return "not JSON"
    if "Traceback" in r.text:
        return "a traceback"
    if svc == G:
        if r.status_code == 401:
            return None if body.get("error", {}).get("code") == 401 else "not keystone's 401"
        return None if str(body.get("code", "")).startswith(str(r.status_code)) else "not Glance's"
    if not isinstance(body, dict) or len(body) != 1:
        return "not Nova's fault"
    (inner,) = body.values()
    ok = isinstance(inner, dict) and inner.get("code") == r.status_code and inner.get("message")
    return None if ok else "not Nova's fault"


def outcome(key: Key, r: httpx.Response) -> object:
    answer = ANSWERS.get(key)
    if answer and r.status_code == answer[0] and answer[1] in r.text:
        return OK
    if r.status_code in (401, 403, 404) or r.status_code >= 500:
        return r.status_code
    return OK


def attempt(w: World, key: Key, who: Persona | None, pass_: str) -> httpx.Response:
    svc, method, path = key
    w.prepare(key)
    aimed = AIM.get(key, {})
    params = {**w.ids, **{k: w.spare(v[6:]) if v.startswith("spare:") else w.ids[v]
                          for k, v in aimed.items()}}
    body = BODIES[key](w) if key in BODIES else None
    query = None
    if pass_ == "user":
        member_a = w.personas["member_a"].id
        if method == "POST":
            body = {"keypair": {**body["keypair"], "user_id": member_a}}  # type: ignore[index]
        else:
            query = {"user_id": member_a}
    r = w.call(svc, method, fill(path, params), who.token if who else None, body,
               VERSIONS.get(path, "2.90"), query)
    if 200 <= r.status_code < 300:
        for v in aimed.values():  # a throwaway that went is replaced on next use
            if v.startswith("spare:"):
                w.spares.pop(v[6:], None)
    return r


def test_the_tables_cover_every_route() -> None:
    routes = all_routes()
    assert len(set(routes)) == len(routes)
    assert set(EXPECT) == set(routes), set(routes) ^ set(EXPECT)
    assert set(RULES) >= set(EXPECT.values()) | set(EXPECT_USER.values())
    needing = {k for k in routes if k[1] in ("POST", "PUT", "PATCH")} - NO_BODY
    assert needing == set(BODIES), needing ^ set(BODIES)


def test_policy_matrix(world: World) -> None:
    w = world
    attempts: list[tuple[Key, str, int]] = []  # route, persona, status
    mismatches: list[str] = []
    covered: set[Key] = set()
    for key in all_routes():
        covered.add(key)
        svc, method, path = key
        passes = [("own", EXPECT[key])] + ([("user", EXPECT_USER[key])]
                                           if key in EXPECT_USER else [])
        for pass_, rule in passes:
            for name, expected in zip(PERSONAS, RULES[rule], strict=True):
                r = attempt(w, key, w.personas[name], pass_)
                attempts.append((key, name, r.status_code))
                got = outcome(key, r)
                problem = None
                if got != expected:
                    problem = f"{rule}: expected {expected}"
                elif r.status_code >= 400 and (bad := fault_problem(svc, r)):
                    problem = bad
                if problem:
                    mismatches.append(f"{method} /{svc}{path} as {name} ({pass_}): {problem},"
                                      f" got {r.status_code} {r.text[:200]}")
        r = attempt(w, key, None, "own")  # without a token
        if EXPECT[key] == "anyone":
            bad = None if r.status_code in (200, 300) else "expected an answer"
        else:
            bad = "expected 401" if r.status_code != 401 else fault_problem(svc, r)
        if bad:
            mismatches.append(f"{method} /{svc}{path} without a token: {bad}, got "
                              f"{r.status_code} {r.text[:200]}")
    assert covered == set(all_routes())
    pairs = {(key, name) for key, name, _ in attempts}
    print(f"\ncompute/image policy matrix: {len(attempts)} attempts, {len(pairs)} (route,"
          f" persona) pairs over {len(covered)} routes, {len(mismatches)} mismatches")
    assert not mismatches, "\n".join(mismatches)
    server_errors = [a for a in attempts if a[2] >= 500 and not (
        a[2] == 501 and ANSWERS.get(a[0], (0,))[0] == 501)]
    assert not server_errors, server_errors
    # The shared fixtures took no blow: the throwaways did.
    ids, member = w.ids, w.personas["member_a"].token
    for svc, path in ((C, f"{S}/{ids['server_id']}"), (G, f"/v2/images/{ids['image_id']}"),
                      (C, f"{KP}/{ids['keypair_name']}"), (C, f"{SG}/{ids['group_id']}"),
                      (C, f"/v2.1/flavors/{ids['flavor_id']}"),
                      (G, f"/v2/metadefs/namespaces/{ids['namespace']}")):
        assert w.call(svc, "GET", path, member).status_code == 200, path



def test_policy_matrix_of_server_actions(world: World) -> None:
    """POST /servers/{id}/action, action by action (tests/integration/compute/matrix_actions)."""
    mismatches = matrix_actions.mismatches(world)
    assert not mismatches, "\n".join(mismatches)
