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
every route but discovery is a 401. The tables are in matrix_rules.py; the server
actions' in matrix_actions.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from cheptel.compute.api import ROUTES as COMPUTE_ROUTES
from cheptel.image.api import ROUTES as IMAGE_ROUTES
from tests.integration.cloud import ADMIN_PASSWORD, Cloud
from tests.integration.compute import matrix_actions, support
from tests.integration.compute import matrix_metadefs as metadefs
from tests.integration.compute.matrix_rules import (
    AIM,
    ANSWERS,
    BODIES,
    EXPECT,
    EXPECT_USER,
    HV,
    IMG,
    KP,
    MEM,
    NO_BODY,
    OK,
    ONE,
    PASSWORD,
    PATCH_MEDIA,
    PERSONAS,
    RULES,
    SG,
    SPECS,
    SVC,
    VERSIONS,
    C,
    G,
    Key,
    S,
    uniq,
)


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
