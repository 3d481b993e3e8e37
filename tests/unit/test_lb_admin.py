"""Octavia's admin and catalog side, in process: quotas, flavors and flavor profiles,
availability zones and their profiles, providers and amphorae. The service is built
here from these modules' ROUTES (as cheptel.web builds any service), beside the real
identity service: each route is tried by the admin, a member and a reader of demo, and
a member of another project; then each resource's own answers, as Octavia's
functional tests (octavia/tests/functional/api/v2/) expect them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from cheptel.app import build_app
from cheptel.errors import Forbidden
from cheptel.loadbalancer import faults, models, policies
from cheptel.loadbalancer.api import amphorae, availability_zones, flavors, providers, quotas
from cheptel.loadbalancer.service import quotas as quota_service
from cheptel.service import Service
from cheptel.services import SERVICES
from tests.unit.conftest import DEMO_PASSWORD, Api
from tests.unit.walk import bodies

ROUTES = [*quotas.ROUTES, *flavors.ROUTES, *availability_zones.ROUTES, *providers.ROUTES,
          *amphorae.ROUTES]
# the amphora policies Octavia has and policies.py does not (yet): the admin's
MISSING_POLICIES = {"amphora:delete": "admin", "amphora:put_config": "admin",
                    "amphora:put_failover": "admin", "amphora:get_stats": "admin"}
SERVICE = Service(type="load-balancer", name="octavia", title="Load balancing",
                  prefix="/load-balancer", catalog_path="", description="test",
                  routes=ROUTES, policies={**MISSING_POLICIES, **policies.POLICIES},
                  render_fault=faults.render_fault, models=models)
LB = "/load-balancer/v2/lbaas"
ADMIN, MEMBER, READER, OTHER = "admin", "member", "reader", "other"
POLICY = "Policy does not allow this request to be performed."
FP_DATA = '{"loadbalancer_topology": "SINGLE"}'


@dataclass
class World:
    client: TestClient
    api: Api
    tokens: dict[str, str]
    demo: str  # demo's project id

    def call(self, who: str, method: str, path: str, json: Any = None) -> httpx.Response:
        return self.client.request(method, path, json=json,
                                   headers={"X-Auth-Token": self.tokens[who]})

    def ok(self, method: str, path: str, json: Any = None, status: int = 200) -> Any:
        r = self.call(ADMIN, method, path, json)
        assert r.status_code == status, r.text
        return r.json() if r.content else None

    def fails(self, who: str, method: str, path: str, json: Any, status: int,
              text: str | None = None) -> str:
        r = self.call(who, method, path, json)
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"faultcode", "faultstring", "debuginfo"}, body
        assert body["faultcode"] == ("Client" if status < 500 else "Server")
        if text is not None:
            assert body["faultstring"] == text
        return str(body["faultstring"])

    def profile(self) -> str:
        return str(self.ok("POST", f"{LB}/flavorprofiles", {"flavorprofile": {
            "name": "fp", "provider_name": "amphora", "flavor_data": FP_DATA}},
            201)["flavorprofile"]["id"])

    def flavor(self, name: str | None = None) -> dict[str, Any]:
        return dict(self.ok("POST", f"{LB}/flavors", {"flavor": {
            "name": name or f"f-{uuid.uuid4().hex[:8]}", "flavor_profile_id": self.profile(),
        }}, 201)["flavor"])

    def az_profile(self) -> str:
        return str(self.ok("POST", f"{LB}/availabilityzoneprofiles", {
            "availability_zone_profile": {"name": "azp", "provider_name": "octavia",
                                          "availability_zone_data": "{}"}},
            201)["availability_zone_profile"]["id"])

    def zone(self) -> dict[str, Any]:
        return dict(self.ok("POST", f"{LB}/availabilityzones", {"availability_zone": {
            "name": f"az-{uuid.uuid4().hex[:8]}",
            "availability_zone_profile_id": self.az_profile()}}, 201)["availability_zone"])


def _user(api: Api, h: dict[str, str], project: str, name: str, role: str) -> None:
    user = api.client.post("/identity/v3/users", headers=h, json={"user": {
        "name": name, "password": f"{name}-secret-1"}}).json()["user"]["id"]
    role_id = api.client.get(f"/identity/v3/roles?name={role}", headers=h).json()[
        "roles"][0]["id"]
    assert api.client.put(f"/identity/v3/projects/{project}/users/{user}/roles/{role_id}",
                          headers=h).status_code == 204


@pytest.fixture
def w(api: Api) -> Any:
    admin = api.admin()
    h = {"X-Auth-Token": admin}
    demo = api.client.get("/identity/v3/projects?name=demo", headers=h).json()[
        "projects"][0]["id"]
    other = api.client.post("/identity/v3/projects", headers=h, json={"project": {
        "name": "other"}}).json()["project"]["id"]
    _user(api, h, demo, "lb-reader", "reader")
    _user(api, h, other, "lb-other", "member")
    tokens = {ADMIN: admin, MEMBER: api.token("demo", DEMO_PASSWORD, "demo"),
              READER: api.token("lb-reader", "lb-reader-secret-1", "demo"),
              OTHER: api.token("lb-other", "lb-other-secret-1", "other")}
    services = [s for s in SERVICES if s.prefix != SERVICE.prefix] + [SERVICE]
    with TestClient(build_app(api.deps, services),
                    base_url=api.deps.settings.base_url) as client:
        yield World(client, api, tokens, demo)


# who may call each route: A the admin, S any caller with a role in a project, P a
# reader of the project in the path (demo's), N nobody (an unknown amphora: a 404 to
# anyone, looked up before the policy)
A, S, P, N = "admin", "scoped", "project", "none"
KINDS = {
    ("GET", "/v2/lbaas/quotas"): S, ("GET", "/v2/lbaas/quotas/{project_id}"): P,
    ("PUT", "/v2/lbaas/quotas/{project_id}"): A,
    ("DELETE", "/v2/lbaas/quotas/{project_id}"): A,
    ("GET", "/v2/lbaas/quotas/{project_id}/default"): P,
    ("GET", "/v2/lbaas/providers"): S,
    ("GET", "/v2/lbaas/providers/{provider}/flavor_capabilities"): A,
    ("GET", "/v2/lbaas/providers/{provider}/availability_zone_capabilities"): A,
    ("GET", "/v2/octavia/amphorae"): A, ("GET", "/v2/octavia/amphorae/{amphora_id}"): N,
    ("DELETE", "/v2/octavia/amphorae/{amphora_id}"): A,
    ("PUT", "/v2/octavia/amphorae/{amphora_id}/failover"): N,
    ("PUT", "/v2/octavia/amphorae/{amphora_id}/config"): N,
    ("GET", "/v2/octavia/amphorae/{amphora_id}/stats"): A,
}
# the catalogs: the admin writes them; profiles are the admin's to read too
for _all, _one, _read in (("flavors", "flavor_id", S), ("flavorprofiles", "flavorprofile_id", A),
                          ("availabilityzones", "availability_zone_name", S),
                          ("availabilityzoneprofiles", "availability_zone_profile_id", A)):
    _p = f"/v2/lbaas/{_all}"
    KINDS.update({("GET", _p): _read, ("POST", _p): A, ("GET", f"{_p}/{{{_one}}}"): _read,
                  ("PUT", f"{_p}/{{{_one}}}"): A, ("DELETE", f"{_p}/{{{_one}}}"): A})
BODIES = {
    ("PUT", "quotas"): {"quota": {"member": 5}},
    ("POST", "flavors"): {"flavor": {"name": "{name}", "flavor_profile_id": "{fp}"}},
    ("PUT", "flavors"): {"flavor": {"description": "d"}},
    ("POST", "flavorprofiles"): {"flavorprofile": {
        "name": "n", "provider_name": "amphora", "flavor_data": "{}"}},
    ("PUT", "flavorprofiles"): {"flavorprofile": {"name": "n2"}},
    ("POST", "availabilityzones"): {"availability_zone": {
        "name": "{name}", "availability_zone_profile_id": "{azp}"}},
    ("PUT", "availabilityzones"): {"availability_zone": {"enabled": False}},
    ("POST", "availabilityzoneprofiles"): {"availability_zone_profile": {
        "name": "n", "provider_name": "amphora", "availability_zone_data": "{}"}},
    ("PUT", "availabilityzoneprofiles"): {"availability_zone_profile": {"name": "n2"}},
}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return ids[value[1:-1]] if isinstance(value, str) and value[1:-1] in ids else value


def _ids(w: World, name: str) -> dict[str, str]:
    """Fresh objects for a route's path parameters (and a body's references)."""
    flavor, zone = w.flavor(), w.zone()
    return {"project_id": w.demo, "flavor_id": flavor["id"], "name": name,
            "flavorprofile_id": w.profile(), "fp": flavor["flavor_profile_id"],
            "availability_zone_name": zone["name"], "azp": w.az_profile(),
            "availability_zone_profile_id": w.az_profile(), "provider": "amphora",
            "amphora_id": str(uuid.uuid4())}


def test_the_matrix_lists_every_route() -> None:
    assert {(r.method, r.path) for r in ROUTES} == set(KINDS)


@pytest.mark.parametrize("persona", [ADMIN, MEMBER, READER, OTHER])
def test_each_persona_gets_what_octavia_gives(w: World, persona: str) -> None:
    problems = []
    for i, route in enumerate(ROUTES):
        ids = _ids(w, f"new-{i}")
        w.ok("PUT", f"{LB}/quotas/{w.demo}", {"quota": {"pool": 3}}, 202)
        resource = route.path.split("/")[3]
        body = _fill(BODIES.get((route.method, resource)), ids)
        r = w.call(persona, route.method, "/load-balancer" + route.path.format(**ids), body)
        kind = KINDS[(route.method, route.path)]
        allowed = kind == S or persona == ADMIN or (kind == P and persona != OTHER)
        want = 404 if kind == N else route.status if allowed else 403
        if kind == A and persona == ADMIN and "amphorae/" in route.path:
            want = 404
        if r.status_code != want:
            problems.append(f"{route.method} {route.path}: {r.status_code} {r.text[:120]}")
        elif want == 403:  # (the wording is faults.py's)
            assert set(r.json()) == {"faultcode", "faultstring", "debuginfo"}
    assert not problems, "\n".join(problems)


def _fault_or_success(r: httpx.Response) -> str | None:
    if r.status_code >= 500 and r.status_code != 501:
        return f"{r.status_code} {r.text[:160]}"
    if r.status_code >= 400 and set(r.json()) != {"faultcode", "faultstring", "debuginfo"}:
        return f"{r.status_code} not Octavia's fault: {r.text[:160]}"
    return None


def test_bad_bodies_and_queries_are_4xx(w: World) -> None:
    """tests/unit/test_bad_input_walk.py's bodies and queries, on these routes."""
    problems = []
    for route in ROUTES:
        ids = _ids(w, "walked")
        path = "/load-balancer" + route.path.format(**ids)
        template = _fill(BODIES.get((route.method, route.path.split("/")[3])), ids)
        if route.method in ("POST", "PUT"):
            for label, raw in bodies(template):
                r = w.client.request(route.method, path, content=raw, headers={
                    "X-Auth-Token": w.tokens[ADMIN], "Content-Type": "application/json"})
                if (why := _fault_or_success(r)) is not None:
                    problems.append(f"{route.method} {route.path} {label}: {why}")
        elif route.method == "GET" and not route.path.endswith("}"):
            for query in ("limit=-1", "limit=abc", f"limit={2**64}", "marker=nope",
                          "sort=name:sideways", "sort_key=nope", "sort=a:b:c",
                          "page_reverse=maybe&limit=1&marker=x", "fields=nope",
                          "project_id=\u00e9", "name=\u00e9"):
                r = w.call(ADMIN, "GET", f"{path}?{query}")
                if (why := _fault_or_success(r)) is not None:
                    problems.append(f"GET {route.path}?{query}: {why}")
    assert not problems, "\n".join(problems)


def test_no_token_is_a_401(w: World) -> None:
    assert w.client.get(f"{LB}/flavors").status_code == 401
    assert w.client.get(f"{LB}/flavors").json()["faultcode"] == "Client"


NAMES = {"loadbalancer", "load_balancer", "listener", "member", "pool", "healthmonitor",
         "health_monitor", "l7policy", "l7rule"}


def test_quotas_default_set_and_reset(w: World) -> None:
    project = uuid.uuid4().hex
    q = w.ok("GET", f"{LB}/quotas/{project}")["quota"]
    assert q == {"project_id": project, "tenant_id": project, **dict.fromkeys(NAMES, -1)}
    assert w.ok("GET", f"{LB}/quotas/{project}/default")["quota"] == q
    assert w.ok("GET", f"{LB}/quotas") == {"quotas": [], "quotas_links": []}
    # both spellings; given both, the current one (not Rocky's deprecated) wins
    put = w.ok("PUT", f"{LB}/quotas/{project}", {"quota": {
        "load_balancer": 5, "loadbalancer": 7, "healthmonitor": 2, "member": 0,
        "l7rule": None}}, 202)["quota"]
    assert (put["loadbalancer"], put["load_balancer"], put["healthmonitor"],
            put["health_monitor"], put["member"], put["l7rule"], put["pool"]) == (
        7, 7, 2, 2, 0, -1, -1)
    assert w.ok("GET", f"{LB}/quotas/{project}")["quota"] == put
    assert w.ok("GET", f"{LB}/quotas")["quotas"] == [{  # the listing shows what is stored
        **put, "l7rule": None, "pool": None, "listener": None, "l7policy": None}]
    assert w.ok("GET", f"{LB}/quotas?loadbalancer=7&fields=project_id")["quotas"] == [
        {"project_id": project}]
    assert w.ok("GET", f"{LB}/quotas/{project}/default")["quota"]["member"] == -1
    assert w.call(ADMIN, "DELETE", f"{LB}/quotas/{project}").status_code == 202
    assert w.ok("GET", f"{LB}/quotas/{project}")["quota"]["member"] == -1
    assert w.ok("GET", f"{LB}/quotas")["quotas"][0]["member"] is None
    w.fails(ADMIN, "DELETE", f"{LB}/quotas/{uuid.uuid4().hex}", None, 404)
    w.fails(ADMIN, "GET", f"{LB}/quotas?bogus=1", None, 400,
            "One or more arguments are either duplicate or invalid")


def test_quota_listings_of_others(w: World) -> None:
    for project in (w.demo, uuid.uuid4().hex):
        w.ok("PUT", f"{LB}/quotas/{project}", {"quota": {"pool": 4}}, 202)
    assert len(w.ok("GET", f"{LB}/quotas")["quotas"]) == 2
    mine = w.call(READER, "GET", f"{LB}/quotas").json()["quotas"]
    assert [q["project_id"] for q in mine] == [w.demo]
    assert w.call(OTHER, "GET", f"{LB}/quotas").json()["quotas"] == []
    w.fails(OTHER, "GET", f"{LB}/quotas?project_id={w.demo}", None, 403, POLICY)
    assert len(w.ok("GET", f"{LB}/quotas?project_id={w.demo}")["quotas"]) == 1


@pytest.mark.parametrize("bad", [
    None, {}, {"quota": {"member": -2}}, {"quota": {"member": 2000000001}},
    {"quota": {"member": "five"}}, {"quota": {"member": True}}, {"quota": {"members": 5}},
    {"quota": {"member": 1}, "extra": 1}, {"quota": []}])
def test_bad_quota_bodies(w: World, bad: Any) -> None:
    w.fails(ADMIN, "PUT", f"{LB}/quotas/{w.demo}", bad, 400)


def _lb(project: str, **fields: Any) -> models.LoadBalancer:
    return models.LoadBalancer(**{
        "id": str(uuid.uuid4()), "project_id": project, "provisioning_status": "ACTIVE",
        "operating_status": "ONLINE", "vip_address": "10.0.0.9", "vip_port_id": "p",
        "vip_subnet_id": "s", "vip_network_id": "n", "provider": "amphora",
        "created_at": 0.0, **fields})


def test_quota_check_counts_the_projects_objects(w: World) -> None:
    project = uuid.uuid4().hex
    with w.api.deps.sessions() as db, db.begin():
        quota_service.check(db, project, "load_balancer", adding=1000)  # unlimited
        quota_service.update(db, project, {"load_balancer": 1, "member": 2})
        quota_service.check(db, project, "loadbalancer")
        lb = _lb(project)
        db.add_all([lb, _lb(uuid.uuid4().hex), _lb(project, provisioning_status="DELETED")])
        db.flush()
        with pytest.raises(Forbidden, match="^Quota has been met for resources: Load Bal"):
            quota_service.check(db, project, "load_balancer")
        pool = models.Pool(id=str(uuid.uuid4()), project_id=project, loadbalancer_id=lb.id,
                           provisioning_status="ACTIVE", operating_status="ONLINE",
                           protocol="HTTP", lb_algorithm="ROUND_ROBIN", created_at=0.0)
        db.add(pool)
        db.flush()
        quota_service.check(db, project, "member", adding=2)
        db.add(models.Member(id=str(uuid.uuid4()), project_id=project, pool_id=pool.id,
                             provisioning_status="ACTIVE", operating_status="ONLINE",
                             address="10.0.0.5", protocol_port=80, created_at=0.0))
        db.flush()
        quota_service.check(db, project, "member")
        with pytest.raises(Forbidden, match="resources: Member$"):
            quota_service.check(db, project, "member", adding=2)
        quota_service.check(db, project, "healthmonitor", adding=10)
        with pytest.raises(ValueError):
            quota_service.check(db, project, "servers")
    assert b"resources: Pool" in faults.render_fault(Forbidden(  # its words, not policy's
        "Quota has been met for resources: Pool")).body


def test_flavor_profiles(w: World) -> None:
    fp = w.ok("POST", f"{LB}/flavorprofiles", {"flavorprofile": {
        "name": "single", "provider_name": "octavia", "flavor_data": FP_DATA}},
        201)["flavorprofile"]
    assert fp == {"id": fp["id"], "name": "single", "provider_name": "octavia",
                  "flavor_data": FP_DATA}
    assert w.ok("GET", f"{LB}/flavorprofiles") == {"flavorprofiles": [fp],
                                                   "flavorprofile_links": []}
    assert w.ok("GET", f"{LB}/flavorprofiles/{fp['id']}?fields=name")[
        "flavorprofile"] == {"name": "single"}
    post = f"{LB}/flavorprofiles"

    def body(**kw: Any) -> dict[str, Any]:
        return {"flavorprofile": {"name": "x", "provider_name": "amphora",
                                  "flavor_data": "{}", **kw}}
    w.fails(ADMIN, "POST", post, body(flavor_data="{bad"), 400,
            "{bad is not a valid option for flavor_data")
    w.fails(ADMIN, "POST", post, body(provider_name="noop_driver"), 400,
            "Provider 'noop_driver' is not enabled.")
    assert "loadbalancer_topology" in w.fails(ADMIN, "POST", post, body(
        flavor_data='{"loadbalancer_topology": "ACTIVE_STANDBY"}'), 501)
    assert w.fails(ADMIN, "POST", post, body(flavor_data='{"compute_flavor": "x"}'),
                   501).startswith("Provider 'amphora' does not support a requested "
                                   "option: Additional properties")
    for bad in ({"flavorprofile": {"name": "x", "provider_name": "amphora"}},
                body(extra=1), body(name="n" * 256), body(flavor_data=5), {"x": {}}):
        w.fails(ADMIN, "POST", post, bad, 400)
    one = f"{post}/{fp['id']}"
    assert w.ok("PUT", one, {"flavorprofile": {"name": "renamed"}})[
        "flavorprofile"]["name"] == "renamed"
    w.fails(ADMIN, "PUT", one, {"flavorprofile": {"name": None}}, 400,
            "None is not a valid option for name")
    w.fails(ADMIN, "PUT", one, {"flavorprofile": {"flavor_data": "[1"}}, 400)
    w.fails(ADMIN, "PUT", one, {"flavorprofile": {"flavor_data": '{"x": 1}'}}, 501)
    # in use by a flavor: its provider and data are frozen, and it stays
    w.ok("POST", f"{LB}/flavors", {"flavor": {"name": "f", "flavor_profile_id": fp["id"]}},
         201)
    w.fails(ADMIN, "PUT", one, {"flavorprofile": {"flavor_data": "{}"}}, 409,
            f"Flavor profile {fp['id']} is in use and cannot be modified.")
    w.fails(ADMIN, "DELETE", one, None, 409)
    missing = str(uuid.uuid4())
    w.fails(ADMIN, "GET", f"{post}/{missing}", None, 404,
            f"Flavor Profile {missing} not found.")
    w.fails(ADMIN, "DELETE", f"{post}/{missing}", None, 404,
            f"Flavor profile {missing} not found.")
    w.fails(ADMIN, "PUT", f"{post}/{missing}", {"flavorprofile": {"name": "x"}}, 404)
    spare = w.profile()
    assert w.call(ADMIN, "DELETE", f"{post}/{spare}").status_code == 204
    w.fails(ADMIN, "GET", f"{post}/{spare}", None, 404)


def test_flavors(w: World) -> None:
    fp = w.profile()
    made = w.ok("POST", f"{LB}/flavors", {"flavor": {"name": "small", "description": "d",
                                                     "flavor_profile_id": fp}}, 201)["flavor"]
    assert made == {"id": made["id"], "name": "small", "description": "d", "enabled": True,
                    "flavor_profile_id": fp}
    # a member reads flavors, profile id included (FlavorResponse hides nothing)
    r = w.call(MEMBER, "GET", f"{LB}/flavors/{made['id']}")
    assert r.status_code == 200 and r.json()["flavor"] == made
    base = f"{LB}/flavors"
    w.fails(ADMIN, "POST", base, {"flavor": {"name": "small", "flavor_profile_id": fp}},
            409, "A flavor of small already exists.")
    nowhere = str(uuid.uuid4())
    w.fails(ADMIN, "POST", base, {"flavor": {"name": "z", "flavor_profile_id": nowhere}}, 400)
    for bad in ({"flavor": {"name": "z", "flavor_profile_id": "bogus"}},
                {"flavor": {"flavor_profile_id": fp}}, {"flavor": {"name": "z"}},
                {"flavor": {"name": "z", "flavor_profile_id": fp, "enabled": "yes"}},
                {"flavor": {"name": "z", "flavor_profile_id": fp, "id": nowhere}},
                {"flavor": {"name": "z", "flavor_profile_id": fp, "description": "d" * 256}}):
        w.fails(ADMIN, "POST", base, bad, 400)
    one = f"{base}/{made['id']}"
    w.fails(ADMIN, "PUT", one, {"flavor": {"flavor_profile_id": w.profile()}}, 400)
    put = w.ok("PUT", one, {"flavor": {"name": "tiny", "enabled": False,
                                       "description": None}})["flavor"]
    assert (put["name"], put["enabled"], put["description"]) == ("tiny", False, "")
    second = w.flavor("big")
    w.fails(ADMIN, "PUT", one, {"flavor": {"name": "big"}}, 409)
    assert [f["name"] for f in w.ok("GET", f"{base}?sort=name:asc")["flavors"]] == [
        "big", "tiny"]
    page = w.ok("GET", f"{base}?sort=name:asc&limit=1")
    assert [f["name"] for f in page["flavors"]] == ["big"]
    assert page["flavors_links"][0]["rel"] == "next"
    assert f"marker={second['id']}" in page["flavors_links"][0]["href"]
    nxt = w.ok("GET", f"{base}?sort=name:asc&limit=1&marker={second['id']}")
    assert [f["name"] for f in nxt["flavors"]] == ["tiny"]
    assert w.ok("GET", f"{base}?enabled=false&fields=id")["flavors"] == [{"id": made["id"]}]
    w.fails(ADMIN, "GET", f"{base}?bogus=1", None, 400)
    with w.api.deps.sessions() as db, db.begin():  # in use by a load balancer: stays
        db.add(_lb(w.demo, flavor_id=made["id"]))
    w.fails(ADMIN, "DELETE", one, None, 409,
            f"Flavor {made['id']} is in use and cannot be modified.")
    assert w.call(ADMIN, "DELETE", f"{base}/{second['id']}").status_code == 204
    w.fails(ADMIN, "DELETE", f"{base}/{second['id']}", None, 404,
            f"Flavor {second['id']} not found.")
    w.fails(MEMBER, "GET", f"{base}/bogus_id", None, 404, "Flavor bogus_id not found.")


def test_availability_zones_and_profiles(w: World) -> None:
    base, pbase = f"{LB}/availabilityzones", f"{LB}/availabilityzoneprofiles"
    azp = w.ok("POST", pbase, {"availability_zone_profile": {
        "name": "p", "provider_name": "amphora",
        "availability_zone_data": '{"compute_zone": "nova"}'}}, 201)[
        "availability_zone_profile"]
    assert w.ok("GET", pbase) == {"availability_zone_profiles": [azp],
                                  "availability_zone_profile_links": []}
    w.fails(ADMIN, "POST", pbase, {"availability_zone_profile": {
        "name": "p", "provider_name": "amphora",
        "availability_zone_data": '{"compute_zone": "az9"}'}}, 501)
    w.fails(ADMIN, "POST", pbase, {"availability_zone_profile": {
        "name": "p", "provider_name": "amphora", "availability_zone_data": "nope"}}, 400,
        "nope is not a valid option for availability_zone_data")
    zone = w.ok("POST", base, {"availability_zone": {
        "name": "az1", "availability_zone_profile_id": azp["id"]}}, 201)["availability_zone"]
    assert zone == {"name": "az1", "description": "", "enabled": True,
                    "availability_zone_profile_id": azp["id"]}
    w.fails(ADMIN, "POST", base, {"availability_zone": {
        "name": "az1", "availability_zone_profile_id": azp["id"]}}, 409,
        "A availability zone of az1 already exists.")
    w.fails(ADMIN, "POST", base, {"availability_zone": {
        "name": "az2", "availability_zone_profile_id": str(uuid.uuid4())}}, 400)
    w.fails(ADMIN, "PUT", f"{base}/az1", {"availability_zone": {"name": "az3"}}, 400)
    put = w.ok("PUT", f"{base}/az1", {"availability_zone": {"description": "first"}})
    assert put["availability_zone"]["description"] == "first"
    r = w.call(READER, "GET", f"{base}?fields=name")
    assert r.json() == {"availability_zones": [{"name": "az1"}],
                        "availability_zones_links": []}
    w.fails(ADMIN, "PUT", f"{pbase}/{azp['id']}", {"availability_zone_profile": {
        "availability_zone_data": "{}"}}, 409,
        f"Availability Zone Profile {azp['id']} is in use and cannot be modified.")
    w.fails(ADMIN, "DELETE", f"{pbase}/{azp['id']}", None, 409)
    with w.api.deps.sessions() as db, db.begin():
        db.add(_lb(w.demo, availability_zone="az1"))
    w.fails(ADMIN, "DELETE", f"{base}/az1", None, 409,
            "Availability Zone az1 is in use and cannot be modified.")
    w.fails(MEMBER, "GET", f"{base}/nowhere", None, 404,
            "Availability Zone nowhere not found.")
    other = w.zone()
    assert w.call(ADMIN, "DELETE", f"{base}/{other['name']}").status_code == 204
    w.fails(ADMIN, "DELETE", f"{base}/{other['name']}", None, 404)


def test_providers_and_their_capabilities(w: World) -> None:
    names = [p["name"] for p in w.call(READER, "GET", f"{LB}/providers").json()["providers"]]
    assert names == ["amphora", "octavia"]
    assert w.ok("GET", f"{LB}/providers?fields=name")["providers"] == [
        {"name": "amphora"}, {"name": "octavia"}]
    caps = w.ok("GET", f"{LB}/providers/octavia/flavor_capabilities")["flavor_capabilities"]
    assert [c["name"] for c in caps] == ["loadbalancer_topology"]
    assert caps[0]["description"].startswith("The load balancer topology.")
    assert w.ok("GET", f"{LB}/providers/amphora/flavor_capabilities?name=nothing") == {
        "flavor_capabilities": []}
    zone_caps = w.ok("GET", f"{LB}/providers/amphora/availability_zone_capabilities"
                            "?fields=name")
    assert zone_caps == {"availability_zone_capabilities": [{"name": "compute_zone"}]}
    w.fails(ADMIN, "GET", f"{LB}/providers/noop_driver/flavor_capabilities", None, 400,
            "Provider 'noop_driver' is not enabled.")


def test_amphorae(w: World) -> None:
    base = "/load-balancer/v2/octavia/amphorae"
    assert w.ok("GET", base) == {"amphorae": [], "amphorae_links": []}
    assert w.ok("GET", f"{base}?status=READY&limit=2")["amphorae"] == []
    w.fails(ADMIN, "GET", f"{base}?flavor=x", None, 400)
    amp = str(uuid.uuid4())
    for who in (ADMIN, MEMBER):
        w.fails(who, "GET", f"{base}/{amp}", None, 404, f"Amphora {amp} not found.")
        w.fails(who, "PUT", f"{base}/{amp}/failover", None, 404)
    w.fails(ADMIN, "GET", f"{base}/{amp}/stats", None, 404,
            f"Amphora stats for {amp} not found.")
    w.fails(MEMBER, "GET", f"{base}/{amp}/stats", None, 403)
    w.fails(ADMIN, "DELETE", f"{base}/{amp}", None, 404)
