"""Every route of every service, called by each persona: what its policy rule refuses.

The routes come from cheptel.services.SERVICES and each route's rule from its service's
policy table, so a new service's routes are walked with no new test. The path parameters
name real objects (tests/unit/walk_world.py), most of them the admin project's; the
personas are the admin, a member and a reader of that project, a member of another
project, and nobody (no token).

What a persona must get is derived from the rule (cheptel.policy.RULES) rather than
written per route: a rule that refuses a persona's roles even on its own things (its own
project, user, domain) refuses the persona everywhere. So a reader never passes a member
or admin rule, and a member never an admin rule: the answer is the policy's 403 (the
route's policy is enforced before its handler runs). Nobody passes without a token but on
"anyone" routes: a 401 in the service's own fault format. The admin is never refused by a
policy on a read. A deferred route, which loads its target before the policy, may answer
404 (a target the persona cannot see) or 400 (a body it refuses before the target, as
Glance's deserializer does: its import). The bodies are valid ones (the walk's
templates), so a route that let a refused persona through would answer 2xx.

What a rule allows depends on the target (another project's objects) and is the tenancy
tests' business (tests/unit/hostile.py), not this walk's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from httpx import Response

from cheptel.errors import Unauthorized
from cheptel.policy import RULES, Creds, PolicyTable
from cheptel.service import Service
from cheptel.services import SERVICES
from cheptel.web import Route
from tests.unit.walk import WALK_PASSWORD, World, admin_login, fault_problem, service_of
from tests.unit.walk_world import walked_world

PASSWORD = "policy-walk-secret"
WRITES = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class Persona:
    name: str
    roles: frozenset[str]  # as the token carries them: implied roles included
    token: str = ""


def refuses(rule: str, roles: frozenset[str]) -> bool:
    """The rule refuses these roles even when everything in the target is theirs."""
    creds = Creds(user_id="u", user_name="u", user_domain_id="default", roles=roles,
                  project_id="p", project_domain_id="default", domain_id="default")
    own = {"project_id": "p", "user_id": "u", "domain_id": "default",
           "subject_user_id": "u", "visibility": "public", "account": "AUTH_p"}
    return rule != "anyone" and not RULES[rule](creds, own)


READER = frozenset({"reader"})
MEMBER = frozenset({"member", "reader"})
ADMIN = frozenset({"admin", "manager", "member", "reader"})


def _routes() -> list:
    return [pytest.param(s, r, PolicyTable(s.policies)[r.policy],
                         id=f"{service_of(s.prefix)} {r.method} {r.path}")
            for s in SERVICES for r in s.routes]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from walked_world(tmp_path_factory)


@pytest.fixture(scope="module")
def personas(world: World) -> list[Persona]:
    """Personas of the admin project (which owns most walked objects), and walk-user, a
    member of walk-project."""
    out = [Persona("admin", ADMIN, world.admin)]
    roles = {r["name"]: r["id"] for r in world.client.get(
        "/identity/v3/roles", headers=world.headers("identity", world.admin)).json()["roles"]}
    project = world.ids["/identity admin_project"]
    for name, role, held in (("member", "member", MEMBER), ("reader", "reader", READER)):
        user = world.ok("/identity", "POST", "/v3/users", {"user": {
            "name": f"policy-walk-{name}", "password": PASSWORD}})["user"]["id"]
        world.ok("/identity", "PUT", f"/v3/projects/{project}/users/{user}/roles/{roles[role]}")
        out.append(Persona(name, held, admin_login(world.client, f"policy-walk-{name}",
                                                   PASSWORD, "admin")))
    out.append(Persona("another project's member", MEMBER, admin_login(
        world.client, "walk-user", WALK_PASSWORD, "walk-project")))
    return out


def _call(world: World, service: Service, route: Route, token: str | None) -> Response:
    body = None
    if route.method in WRITES:
        template = world.template(service.prefix, route)
        body = json.dumps({} if template is None else template).encode()
    # the newest of a route's own media types: Glance's v2.1 JSON patch, the template's form
    media = route.content_types[-1] if route.content_types else "application/json"
    return world.send(service.prefix, route.method, world.fill(service.prefix, route.path),
                      token, raw=body, media=media)


def _body(raw: bytes) -> object:
    """A fault body to compare: its JSON, or its bytes (Swift's HTML)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@pytest.mark.parametrize(("service", "route", "rule"), _routes())
def test_each_persona_gets_what_the_rule_says(world: World, personas: list[Persona],
                                              service: Service, route: Route,
                                              rule: str) -> None:
    problems = []
    name = service_of(service.prefix)
    if rule != "anyone":
        r = _call(world, service, route, None)
        if r.status_code != 401:
            problems.append(f"no token: {r.status_code} {r.text[:200]}")
        elif route.method != "HEAD" and _body(r.content) != _body(
                bytes(service.render_fault(Unauthorized()).body)):
            problems.append(f"no token: not {name}'s 401: {r.text[:200]}")
    for persona in personas:
        if refuses(rule, persona.roles):
            r = _call(world, service, route, persona.token)
            allowed = (400, 403, 404) if route.deferred else (403,)
            if r.status_code not in allowed or (
                    route.method != "HEAD" and fault_problem(name, r)):
                problems.append(f"{persona.name} under {rule}: {r.status_code} "
                                f"{r.text[:200]}")
        elif persona.roles == ADMIN and route.method in ("GET", "HEAD"):
            r = _call(world, service, route, persona.token)
            if r.status_code in (401, 403):
                problems.append(f"admin under {rule}: {r.status_code} {r.text[:200]}")
    assert not problems, f"{route.method} {route.path}:\n" + "\n".join(problems)


def test_the_rules_refuse_as_the_walk_expects() -> None:
    """The derivation can fail: a reader is refused a member rule, a member an admin rule,
    the admin nothing, and a rule that looks at the target is judged on the persona's own."""
    assert refuses("scoped_member", READER) and refuses("project_member", READER)
    assert not refuses("scoped_reader", READER) and not refuses("project_reader", READER)
    assert refuses("admin", MEMBER) and not refuses("scoped_member", MEMBER)
    assert not refuses("admin_or_self", READER)  # on one's own user
    assert not any(refuses(rule, ADMIN) for rule in RULES)
    assert not refuses("anyone", frozenset())


def test_the_walk_claims_something_of_every_service() -> None:
    claimed = {service_of(s.prefix) for s in SERVICES for r in s.routes
               if refuses(PolicyTable(s.policies)[r.policy], READER)}
    assert claimed == {service_of(s.prefix) for s in SERVICES}
