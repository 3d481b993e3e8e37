"""The persona matrix: every identity route, as every persona, against real ids.

Personas: reader_a, member_a and admin_a hold reader, member and admin on project A;
member_b holds member on project B. Each route of cheptel.identity.api.ROUTES is sent as
each persona with its path parameters filled from real objects, once with the persona's
own user, project and domain ("own") and, where the route takes one of those, once with
somebody else's ("other"). Whether the persona should get through is computed here, from
an explicit table of what each rule means (EXPECT), not from cheptel.policy: allowed
<=> the status is not 403. Without a token, every route but the "anyone" ones is a 401.
Routes that destroy or rewrite an object are pointed at a throwaway one made per attempt.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from cheptel.identity.api import ROUTES
from cheptel.identity.policies import POLICIES
from tests.integration.cloud import ADMIN_PASSWORD, Cloud

PASSWORD = "matrix-pw-1"
URL = "http://matrix.invalid/"
SKIP = {"identity:not_implemented"}


@dataclass
class Persona:
    name: str
    role: str  # the one role it holds, on its one project
    id: str = ""
    project_id: str = ""
    project_name: str = ""
    domain_id: str = "default"
    token: str = ""

    @property
    def admin(self) -> bool:
        return self.role == "admin"


# What each rule of the policy table means, written out from its description (admin on
# any scope is a cloud admin, as in Keystone's legacy defaults): persona, target -> allowed.
Target = dict[str, str]
EXPECT: dict[str, Callable[[Persona, Target], bool]] = {
    "authenticated": lambda p, t: True,
    "admin": lambda p, t: p.admin,
    "admin_or_self": lambda p, t: p.admin or t.get("user_id") == p.id,
    "self_unrestricted": lambda p, t: t.get("user_id") == p.id,
    "admin_or_self_unrestricted": lambda p, t: p.admin or t.get("user_id") == p.id,
    "admin_or_member_self": lambda p, t: p.admin or (p.role in ("member", "admin")
                                                     and t.get("user_id") == p.id),
    "admin_or_project": lambda p, t: p.admin or t.get("project_id") == p.project_id,
    "admin_or_domain": lambda p, t: p.admin or t.get("domain_id") == p.domain_id,
    "admin_or_token_subject": lambda p, t: p.admin or t.get("subject_user_id") == p.id,
    # Keystone's validate_token: a service user (auth_token middleware's) too
    "admin_or_service_or_token_subject": lambda p, t: p.admin or p.role == "service"
    or t.get("subject_user_id") == p.id,
    "project_reader": lambda p, t: p.admin or t.get("project_id") == p.project_id,
    "project_member": lambda p, t: p.admin or (t.get("project_id") == p.project_id
                                               and p.role in ("member", "admin")),
}
# Parameters that make the "other" pass differ from the "own" one.
PERSONAL = {"user_id", "project_id", "domain_id"}
COLLECTIONS = ("domains", "projects", "users", "groups", "roles", "services", "endpoints",
               "regions")
ONE_OBJECT = re.compile(r"^/v3/(" + "|".join(COLLECTIONS) + r")/\{\w+\}$")


def uniq(prefix: str = "mx") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_body(coll: str, world: World) -> dict:
    """A minimal valid POST body for a collection (throwaways use it too)."""
    name = uniq()
    return {
        "domains": {"domain": {"name": name, "enabled": False}},  # deletable
        "projects": {"project": {"name": name, "domain_id": "default"}},
        "users": {"user": {"name": name}},
        "groups": {"group": {"name": name}},
        "roles": {"role": {"name": name}},
        "services": {"service": {"type": name}},
        "endpoints": {"endpoint": {"service_id": world.ids.get("service_id"),
                                   "interface": "public", "url": URL}},
        "regions": {"region": {"id": name}},
    }[coll]


# Collections whose root key is not the plural minus its "s": path -> (root, valid body).
OTHER_COLLECTIONS = {
    "/v3/policies": ("policy", lambda: {"type": "mx/type", "blob": uniq()}),
    "/v3/OS-OAUTH1/consumers": ("consumer", lambda: {"description": uniq()}),
    "/v3/OS-EP-FILTER/endpoint_groups": ("endpoint_group", lambda: {
        "name": uniq(), "filters": {"interface": "public"}}),
}


# Minimal valid bodies, by (method, route path); every POST and PATCH route must be here.
BODIES: dict[tuple[str, str], Callable[[World], dict]] = {
    **{("POST", f"/v3/{c}"): (lambda w, c=c: create_body(c, w)) for c in COLLECTIONS},
    **{("PATCH", f"/v3/{c}/{{{c[:-1]}_id}}"): (lambda w, c=c: {c[:-1]: {"description": "mx"}})
       for c in COLLECTIONS if c not in ("endpoints",)},
    ("PATCH", "/v3/endpoints/{endpoint_id}"): lambda w: {"endpoint": {"url": URL + "x"}},
    ("PUT", "/v3/regions/{region_id}"): lambda w: {"region": {"description": "mx"}},
    ("PUT", "/v3/projects/{project_id}/tags"): lambda w: {"tags": ["mx-tag", "mx-other"]},
    ("POST", "/v3/users/{user_id}/password"): lambda w: {
        "user": {"password": "mx-new-pw", "original_password": "not-the-password"}},
    ("POST", "/v3/users/{user_id}/application_credentials"): lambda w: {
        "application_credential": {"name": uniq()}},
    ("POST", "/v3/auth/tokens"): lambda w: w.auth_body("admin", ADMIN_PASSWORD, "admin"),
    **{(m, p + tail): (lambda w, root=root, make=make: {root: make()})
       for p, (root, make) in OTHER_COLLECTIONS.items()
       for m, tail in (("POST", ""), ("PATCH", f"/{{{root}_id}}"))},
    # the owner named in the body is set per attempt (see build)
    ("POST", "/v3/credentials"): lambda w: {"credential": {
        "user_id": "", "type": "cert", "blob": "mx-blob"}},
    ("PATCH", "/v3/credentials/{credential_id}"): lambda w: {"credential": {"blob": "mx-2"}},
    ("POST", "/v3/users/{user_id}/credentials/OS-EC2"): lambda w: {
        "tenant_id": w.ids["project_a"]},
}
# A persona allowed through may still be refused later for another reason; these are
# the statuses that say "the policy let me in" beyond 2xx/400/404/409.
LATER_401 = {("POST", "/v3/users/{user_id}/password")}  # the original password is wrong


@dataclass
class World:
    cloud: Cloud
    http: httpx.Client
    admin_token: str
    personas: list[Persona]
    victim: Persona  # "somebody else": member on A, never a persona
    ids: dict[str, str] = field(default_factory=dict)
    app_creds: dict[str, str] = field(default_factory=dict)  # user id -> its app cred
    creds: dict[str, str] = field(default_factory=dict)  # user id -> its credential
    ec2: dict[str, str] = field(default_factory=dict)  # user id -> its EC2 access key

    def call(self, method: str, path: str, token: str | None, body: dict | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        h = dict(headers or {})
        if token:
            h["X-Auth-Token"] = token
        return self.http.request(method, "/identity" + path, json=body, headers=h)

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        r = self.call(method, path, self.admin_token, body)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    def make(self, coll: str) -> str:
        body = create_body(coll, self)
        return self.admin("POST", f"/v3/{coll}", body)[coll[:-1]]["id"]

    def app_cred(self, owner: Persona) -> str:
        r = self.call("POST", f"/v3/users/{owner.id}/application_credentials", owner.token,
                      {"application_credential": {"name": uniq()}})
        assert r.status_code == 201, r.text
        return r.json()["application_credential"]["id"]

    def make_other(self, path: str) -> str:
        root, body = OTHER_COLLECTIONS[path]
        return self.admin("POST", path, {root: body()})[root]["id"]

    def credential(self, owner: Persona) -> str:
        return self.admin("POST", "/v3/credentials", {"credential": {
            "user_id": owner.id, "type": "cert", "blob": uniq()}})["credential"]["id"]

    def ec2_key(self, owner: Persona) -> str:
        return self.admin("POST", f"/v3/users/{owner.id}/credentials/OS-EC2", {
            "tenant_id": owner.project_id})["credential"]["access"]

    def auth_body(self, user: str, password: str, project: str) -> dict:
        return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"id": "default"}}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}

    def fresh_token(self, who: Persona) -> str:
        return self.cloud.token(who.name, PASSWORD, who.project_name)

    def by_id(self, user_id: str) -> Persona:
        return next(p for p in [*self.personas, self.victim] if p.id == user_id)


@pytest.fixture(scope="module")
def world(cloud: Cloud) -> Iterator[World]:
    http = cloud.http()
    tag = uuid.uuid4().hex[:8]
    personas = [Persona(f"reader_a-{tag}", "reader"), Persona(f"member_a-{tag}", "member"),
                Persona(f"admin_a-{tag}", "admin"), Persona(f"member_b-{tag}", "member")]
    w = World(cloud, http, cloud.token("admin", ADMIN_PASSWORD, "admin"), personas,
              Persona(f"victim-{tag}", "member"))
    roles = {r["name"]: r["id"] for r in w.admin("GET", "/v3/roles")["roles"]}
    projects = {}
    for key in ("a", "b"):
        name = f"mx-{key}-{tag}"
        projects[key] = (w.admin("POST", "/v3/projects", {"project": {
            "name": name, "domain_id": "default"}})["project"]["id"], name)
    for p in [*personas, w.victim]:
        p.project_id, p.project_name = projects["b" if p.name.startswith("member_b") else "a"]
        p.id = w.admin("POST", "/v3/users", {"user": {
            "name": p.name, "password": PASSWORD, "domain_id": "default"}})["user"]["id"]
        w.admin("PUT", f"/v3/projects/{p.project_id}/users/{p.id}/roles/{roles[p.role]}")
        p.token = cloud.token(p.name, PASSWORD, p.project_name)
        w.app_creds[p.id] = w.app_cred(p)
        w.creds[p.id], w.ec2[p.id] = w.credential(p), w.ec2_key(p)
    w.ids = {"project_a": projects["a"][0], "project_b": projects["b"][0],
             "other_domain": w.make("domains")}
    w.admin("PATCH", f"/v3/domains/{w.ids['other_domain']}", {"domain": {"enabled": True}})
    w.ids.update(group_id=w.make("groups"), role_id=w.make("roles"),
                 implied_role_id=w.make("roles"), service_id=w.make("services"),
                 region_id=w.make("regions"), tag="mx-tag")
    w.ids.update(endpoint_id=w.make("endpoints"), prior_role_id=w.ids["role_id"],
                 policy_id=w.make_other("/v3/policies"),
                 consumer_id=w.make_other("/v3/OS-OAUTH1/consumers"),
                 endpoint_group_id=w.make_other("/v3/OS-EP-FILTER/endpoint_groups"))
    for key in ("a", "b"):
        w.admin("PUT", f"/v3/projects/{projects[key][0]}/tags/mx-tag")
    yield w
    http.close()


@dataclass
class Attempt:
    route: str  # "METHOD path"
    persona: str
    pass_: str
    target: Target
    status: int
    text: str


def fill(path: str, params: Target) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: params[m.group(1)], path)


def build(w: World, method: str, path: str, who: Persona, pass_: str
          ) -> tuple[str, dict | None, dict[str, str], Target]:
    """The URL, body, extra headers and policy target of one attempt."""
    other = pass_ == "other"
    owner = w.victim if other else who  # whose user id, app cred and token are used
    params: Target = {
        "user_id": owner.id,
        "project_id": (w.ids["project_b"] if who.project_id == w.ids["project_a"]
                       else w.ids["project_a"]) if other else who.project_id,
        "domain_id": w.ids["other_domain"] if other else who.domain_id,
        "app_cred_id": w.app_creds[owner.id],
        "credential_id": w.creds[owner.id],
        "access_key": w.ec2[owner.id],
        **{k: v for k, v in w.ids.items() if k.endswith("_id") or k == "tag"},
    }
    headers: dict[str, str] = {}
    match = ONE_OBJECT.match(path)
    if match and method in ("PATCH", "DELETE"):  # never the fixtures: a throwaway each time
        key = re.search(r"\{(\w+)\}", path).group(1)  # type: ignore[union-attr]
        params[key] = w.make(match.group(1))
    elif method in ("PATCH", "DELETE") and path.rsplit("/", 1)[0] in OTHER_COLLECTIONS:
        key = re.search(r"\{(\w+)\}$", path).group(1)  # type: ignore[union-attr]
        params[key] = w.make_other(path.rsplit("/", 1)[0])
    elif (method, path) == ("PUT", "/v3/regions/{region_id}"):
        params["region_id"] = uniq("mx-region")
    elif method == "DELETE" and "{app_cred_id}" in path:
        params["app_cred_id"] = w.app_cred(owner)
    elif method == "DELETE" and "{credential_id}" in path:
        params["credential_id"] = w.credential(owner)
    elif method == "DELETE" and "{access_key}" in path:
        params["access_key"] = w.ec2_key(owner)
    if path == "/v3/auth/tokens":
        subject = w.fresh_token(owner) if method == "DELETE" else owner.token
        headers["X-Subject-Token"] = subject
        params["subject_user_id"] = owner.id
    body = BODIES[(method, path)](w) if (method, path) in BODIES else None
    if method in ("POST", "PATCH"):
        assert body is not None, f"no body for {method} {path}"
    if (method, path) == ("POST", "/v3/credentials"):  # the policy target is in the body
        body["credential"]["user_id"] = owner.id  # type: ignore[index]
    return fill(path, params), body, headers, params


OWNED = PERSONAL | {"credential_id", "access_key"}  # objects with an owner to swap


def passes(path: str) -> tuple[str, ...]:
    keys = set(re.findall(r"\{(\w+)", path))
    return ("own", "other") if keys & OWNED or path in (
        "/v3/auth/tokens", "/v3/credentials") else ("own",)


def judged_routes() -> list:
    return [r for r in ROUTES if r.policy not in SKIP and POLICIES[r.policy] != "anyone"]


def test_every_rule_has_an_expectation() -> None:
    assert {POLICIES[r.policy] for r in judged_routes()} <= set(EXPECT)


def test_policy_matrix(world: World) -> None:
    w = world
    attempts: list[Attempt] = []
    mismatches: list[str] = []
    covered: set[tuple[str, str]] = set()
    for route in judged_routes():
        rule = POLICIES[route.policy]
        key = (route.method, route.path)
        covered.add(key)
        for pass_ in passes(route.path):
            for who in w.personas:
                url, body, headers, target = build(w, route.method, route.path, who, pass_)
                r = w.call(route.method, url, who.token, body, headers)
                a = Attempt(f"{route.method} {route.path}", who.name.split("-")[0], pass_,
                            target, r.status_code, r.text[:200])
                attempts.append(a)
                expected = EXPECT[rule](who, target)
                got = r.status_code != 403
                problem = None
                if r.status_code >= 500:
                    problem = "server error"
                elif expected != got:
                    problem = f"{rule}: expected {'allowed' if expected else '403'}"
                elif r.status_code == 401 and key not in LATER_401:
                    problem = "401 with a valid token"
                elif r.status_code >= 400 and route.method != "HEAD":  # HEAD: no body
                    err = r.json().get("error", {})
                    if err.get("code") != r.status_code:
                        problem = "not a Keystone error body"
                if problem:
                    mismatches.append(f"{a.route} as {a.persona} ({pass_}): {problem}, got "
                                      f"{a.status} {a.text}")
        # Without a token: a 401 everywhere, before anything is touched.
        url, body, headers, _ = build(w, route.method, route.path, w.personas[1], "own")
        r = w.call(route.method, url, None, body, headers)
        if r.status_code != 401 or (route.method != "HEAD"
                                    and r.json()["error"]["code"] != 401):
            mismatches.append(f"{route.method} {route.path} without a token: got "
                              f"{r.status_code} {r.text[:200]}")
    expected_routes = {(r.method, r.path) for r in judged_routes()}
    assert covered == expected_routes
    print(f"\npolicy matrix: {len(attempts)} (route, persona, pass) attempts over "
          f"{len(covered)} routes, {len(mismatches)} mismatches")
    for m in mismatches:
        print("MISMATCH", m)
    assert not mismatches, "\n".join(mismatches)
    for who in w.personas:  # the throwaways took every blow: the personas are intact
        r = w.call("GET", "/v3/auth/projects", who.token)
        assert [p["id"] for p in r.json()["projects"]] == [who.project_id], r.text
    # Both outcomes were exercised for the target-dependent rules.
    for rule in ("admin_or_self", "admin_or_project", "admin_or_domain", "self_unrestricted",
                 "admin_or_token_subject", "admin_or_service_or_token_subject",
                 "admin_or_member_self"):
        outcomes = {a.status != 403 for a in attempts
                    if POLICIES[_policy_of(a.route)] == rule and not a.persona.startswith("admin")}
        assert outcomes == {True, False}, rule


def _policy_of(route: str) -> str:
    method, path = route.split(" ", 1)
    return next(r.policy for r in ROUTES if (r.method, r.path) == (method, path))


def anyone_routes() -> list:
    return [r for r in ROUTES if r.policy not in SKIP and POLICIES[r.policy] == "anyone"]


@pytest.mark.parametrize("route", anyone_routes(), ids=lambda r: f"{r.method} {r.path}")
def test_anyone_routes_work_without_a_token(world: World, route) -> None:
    body = BODIES[(route.method, route.path)](world) if route.method == "POST" else None
    r = world.call(route.method, route.path, None, body)
    assert r.status_code == route.status, r.text


def test_every_route_is_covered() -> None:
    judged = {(r.method, r.path) for r in judged_routes()}
    anyone = {(r.method, r.path) for r in anyone_routes()}
    table = {(r.method, r.path) for r in ROUTES if r.policy not in SKIP}
    assert judged | anyone == table and not judged & anyone
    params = {m for r in ROUTES if r.policy not in SKIP for m in re.findall(r"\{(\w+)", r.path)}
    assert params <= PERSONAL | {"app_cred_id", "group_id", "role_id", "prior_role_id",
                                 "implied_role_id", "service_id", "endpoint_id",
                                 "region_id", "tag", "credential_id", "access_key",
                                 "policy_id", "consumer_id", "endpoint_group_id"}
    needing = {k for k in table if k[0] in ("POST", "PATCH")}
    assert needing <= set(BODIES), needing - set(BODIES)


def test_restricted_app_cred_cannot_manage_app_creds(world: World) -> None:
    """The "_unrestricted" half of the app-cred rules, which no persona token reaches."""
    w, me = world, world.personas[1]
    base = f"/v3/users/{me.id}/application_credentials"
    for unrestricted in (False, True):
        r = w.call("POST", base, me.token, {"application_credential": {
            "name": uniq(), "unrestricted": unrestricted}})
        assert r.status_code == 201, r.text
        cred = r.json()["application_credential"]
        r = w.call("POST", "/v3/auth/tokens", None, {"auth": {"identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})
        assert r.status_code == 201, r.text
        token = r.headers["X-Subject-Token"]
        create = w.call("POST", base, token, {"application_credential": {"name": uniq()}})
        delete = w.call("DELETE", f"{base}/{w.app_cred(me)}", token)
        assert (create.status_code == 403) is not unrestricted, create.text
        assert (delete.status_code == 403) is not unrestricted, delete.text
        assert w.call("GET", f"{base}/{cred['id']}", token).status_code == 200
