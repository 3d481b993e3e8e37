"""Every route of every service, walked with bad bodies and queries: never a 5xx.

The routes come from cheptel.services.SERVICES, so a route added later is walked too. Each
route is called with its path parameters naming real objects (tests/unit/walk_world.py
makes one of each), as the admin and once as a plain member, and without a token:

- POST/PUT/PATCH: bodies of the wrong JSON type, then the route's own valid body with
  each member in turn given a value of another type (or a number no column holds);
  non-JSON media types and undecodable bytes;
- every GET of a collection: absurd limit, marker, sort_key, sort_dir, offset,
  page_reverse (negative, huge, 2**64, not numbers, unknown ids, unicode).

Each answer must be below 500 (501, the deliberate "not implemented", aside) and, when
it is a failure, in the service's own fault format, and a failure must commit nothing
to the database and leave the data directory and the (fake) container engine as they were.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from cheptel.compute.api import server_actions
from cheptel.services import SERVICES
from cheptel.web import Route
from tests.unit.walk import (
    TYPE_BODIES,
    World,
    bodies,
    fault_problem,
    is_list,
    method_routes,
    outside_state,
    service_of,
)
from tests.unit.walk_world import walked_world

WRITES = ("POST", "PUT", "PATCH")
HUGE = str(10**30)
QUERIES = {
    "limit": [HUGE, str(2**64), "-1", "abc", "", "1.5", "\u00e9"],
    "marker": ["00000000-0000-0000-0000-000000000000", "", "\u00e9\u2603"],
    "sort_key": ["nope", "", "\u00e9"],
    "sort_dir": ["sideways", ""],
    "offset": ["-1", str(2**64), "x"],
    "page_reverse": ["maybe", str(2**64)],
}
REPEATED = ["limit=1&limit=-1", "sort_key=name&sort_dir=asc&sort_dir=desc",
            "sort_key=id&sort_key=id&sort_dir=asc&sort_dir=asc", "marker=a&marker=b&limit=1",
            "limit=1&page_reverse=true&marker=00000000-0000-0000-0000-000000000000",
            "limit=1&offset=1&marker=nope"]
MEMBER_QUERIES = [("limit", HUGE), ("limit", "-1"), ("marker", "nope"),
                  ("sort_key", "nope"), ("offset", str(2**64))]
# a valid argument for each server action (the walk shifts each of its members in turn)
ACTION_ARGS: dict[str, Any] = {
    "reboot": {"type": "HARD"}, "resize": {"flavorRef": "2", "OS-DCF:diskConfig": "AUTO"},
    "rebuild": {"imageRef": "{busybox}", "name": "n", "metadata": {"a": "b"},
                "description": "d", "key_name": "walk-kp", "accessIPv4": "10.1.1.2",
                "preserve_ephemeral": False, "user_data": "IyEvYmluL3NoCg=="},
    "createImage": {"name": "n", "metadata": {"a": "b"}},
    "createBackup": {"name": "b", "backup_type": "daily", "rotation": 1,
                     "metadata": {"a": "b"}},
    "os-getConsoleOutput": {"length": 5}, "lock": {"locked_reason": "r"},
    "addSecurityGroup": {"name": "default"}, "removeSecurityGroup": {"name": "default"},
    "os-resetState": {"state": "active"}, "migrate": {"host": "h"},
}
NOT_OBJECTS = {b"[]", b'"x"', b"1", b"true", b"-1.5", b"[{}]"}
SKIP_ACTIONS = {"forceDelete"}  # a success would delete the walked server


def _all_routes() -> list[tuple[str, Route]]:
    return [(s.prefix, r) for s in SERVICES for r in s.routes if r.method != "HEAD"]


def _id(prefix: str, route: Route) -> str:
    return f"{prefix.strip('/')} {route.method} {route.path}"


def _params(methods: tuple[str, ...] | None = None, lists: bool = False) -> list:
    out = []
    for prefix, route in _all_routes():
        if (methods and route.method not in methods) or (lists and not is_list(route)):
            continue
        out.append(pytest.param(prefix, route, id=_id(prefix, route)))
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from walked_world(tmp_path_factory)


class Walk:
    """One route's calls; every problem found is kept, then all are reported at once."""

    def __init__(self, world: World, prefix: str, route: Route):
        self.w, self.prefix, self.route = world, prefix, route
        self.service = service_of(prefix)
        self.problems: list[str] = []

    def call(self, label: str, token: str | None, *, raw: bytes | None = None,
             media: str | None = None, query: str = "", real: bool = True,
             version: str = "latest", refused: bool = False, odd: str | None = None) -> None:
        """One request; `refused`: it must fail (a 4xx), whoever asks."""
        path = self.w.fill(self.prefix, self.route.path, real, odd)
        if media is None and raw is not None:
            media = self.route.content_types[0] if self.route.content_types else \
                "application/json"
        assert self.w.writes is not None
        reads = self.route.method == "GET"  # (the database counter watches reads too)
        commits, outside = self.w.writes.commits, None if reads else outside_state(self.w)
        r = self.w.send(self.prefix, self.route.method, path, token, raw=raw, media=media,
                        query=query, version=version)
        problem = fault_problem(self.service, r)
        if refused and r.status_code < 400:
            problem = f"{r.status_code}: accepted a body it cannot use"
        if r.status_code >= 400 and self.w.writes.commits != commits:
            problem = (problem or "") + f" failed with {r.status_code} but committed a write"
        if r.status_code >= 400 and not reads and outside_state(self.w) != outside:
            problem = (problem or "") + f" failed with {r.status_code} but changed files or " \
                "containers"
        if problem:
            self.problems.append(f"[{label}] {problem}")

    def check(self) -> None:
        assert not self.problems, f"{_id(self.prefix, self.route)}:\n" + "\n".join(
            self.problems[:40])


# every volume action but os-force_delete, whose valid bodies ({} and null) are among
# the walk's own and would delete the walked volume (the attach ones record, never mount)
VOLUME_ACTIONS = [{"os-extend": {"new_size": 2}}, {"os-set_bootable": {"bootable": True}},
                  {"os-update_readonly_flag": {"readonly": False}},
                  {"os-reset_status": {"status": "available", "attach_status": "detached"}},
                  {"os-retype": {"new_type": "walk-type", "migration_policy": "never"}},
                  {"os-reserve": {}}, {"os-unreserve": {}}, {"os-begin_detaching": {}},
                  {"os-roll_detaching": {}},
                  {"os-attach": {"instance_uuid": "5b0e6a55-0f6e-4d7c-9e43-2d4c1a6f0e11",
                                 "host_name": "walk-host", "mountpoint": "/dev/vdb",
                                 "mode": "rw"}},
                  {"os-detach": {"attachment_id": None}},
                  {"os-initialize_connection": {"connector": {"host": "walk-host"}}},
                  {"os-terminate_connection": {"connector": {"host": "walk-host"}}},
                  {"os-force_detach": {"connector": None, "attachment_id": None}},
                  {"os-set_image_metadata": {"metadata": {"walk-key": "v"}}},
                  {"os-unset_image_metadata": {"key": "walk-key"}},
                  {"os-show_image_metadata": None}]


def _action_templates(w: World) -> Iterator[Any]:
    busybox = w.client.get("/image/v2/images?name=busybox", headers=w.headers(
        "image", w.admin)).json()["images"][0]["id"]
    for name in sorted(set(server_actions.ACTIONS) - SKIP_ACTIONS):
        arg = ACTION_ARGS.get(name)
        if isinstance(arg, dict) and arg.get("imageRef") == "{busybox}":
            arg = {**arg, "imageRef": busybox}
        yield {name: arg}


@pytest.mark.parametrize(("prefix", "route"), _params(WRITES))
def test_bad_bodies(world: World, prefix: str, route: Route) -> None:
    walk = Walk(world, prefix, route)
    if route.path.endswith("/servers/{server_id}/action"):
        templates = list(_action_templates(world))
    elif route.path.endswith("/volumes/{volume_id}/action"):
        templates = list(VOLUME_ACTIONS)
    else:
        templates = [world.template(prefix, route)]
    # a route whose valid body is an object (as the setup made it) refuses any other type
    takes_object = isinstance(world.templates.get(f"{prefix} {route.method} {route.path}"),
                              dict) or route.path.endswith("/action")
    seen: set[bytes] = set()
    for template in templates:
        for label, raw in bodies(template):
            if raw not in seen:
                seen.add(raw)
                walk.call(label, world.admin, raw=raw,
                          refused=takes_object and raw in NOT_OBJECTS)
    if prefix == "/compute":  # the oldest microversion's schemas too
        for raw in TYPE_BODIES:
            walk.call(f"2.1 {raw.decode()}", world.admin, raw=raw, version="2.1")
    for raw in TYPE_BODIES[:3]:  # ids of no object
        walk.call(f"random ids {raw.decode()}", world.admin, raw=raw, real=False)
    walk.check()


@pytest.mark.parametrize(("prefix", "route"), _params(WRITES))
def test_bodies_not_json(world: World, prefix: str, route: Route) -> None:
    walk = Walk(world, prefix, route)
    for media, raw in (("text/plain", b"hello"), ("application/x-www-form-urlencoded", b"a=b"),
                       ("application/json", b"\xff\xfe{"), ("application/json", b"{nope"),
                       ("application/json", b'{"a": NaN}'), ("", b"{}"),
                       ("application/xml", b"<a/>"), ("multipart/form-data", b"--x--")):
        walk.call(f"{media} {raw!r}", world.admin, raw=raw, media=media)
    walk.check()


@pytest.mark.parametrize(("prefix", "route"), _params(lists=True))
def test_bad_list_queries(world: World, prefix: str, route: Route) -> None:
    walk = Walk(world, prefix, route)
    for name, values in QUERIES.items():
        for value in values:
            walk.call(f"{name}={value[:20]}", world.admin, query=f"{name}={quote(value)}")
    for q in REPEATED:
        walk.call(q, world.admin, query=q)
    rng = random.Random(route.path)
    for _ in range(3):  # a few of them at once
        picked = rng.sample(sorted(QUERIES), 3)
        q = "&".join(f"{n}={quote(rng.choice(QUERIES[n]))}" for n in picked)
        walk.call(q[:40], world.admin, query=q)
    walk.check()


@pytest.mark.parametrize(("prefix", "route"), _params())
def test_as_a_member_and_unauthenticated(world: World, prefix: str, route: Route) -> None:
    walk = Walk(world, prefix, route)
    writes = route.method in WRITES
    for i, raw in enumerate(TYPE_BODIES if writes else [None]):
        walk.call(f"member {raw!r}", world.member, raw=raw)
        if i < 3:  # the token is checked before the body is looked at
            walk.call(f"no token {raw!r}", None, raw=raw)
            walk.call(f"bad token {raw!r}", "not-a-token", raw=raw)
    if writes:
        template = world.templates.get(f"{prefix} {route.method} {route.path}")
        for label, raw in list(bodies(template))[len(TYPE_BODIES):][:12]:
            walk.call(f"member {label}", world.member, raw=raw)
    if is_list(route):
        for name, value in MEMBER_QUERIES:
            walk.call(f"member {name}={value[:20]}", world.member,
                      query=f"{name}={quote(value)}")
    walk.check()


ODD_IDS = [str(2**64), "-1", "0", "1.5", quote("\u00e9\u2603"), "x" * 300, "%20", "%25",
           quote("a/b", safe=""), "null"]


@pytest.mark.parametrize(("prefix", "route"), [p for p in _params() if "{" in p.values[1].path])
def test_odd_ids_in_the_path(world: World, prefix: str, route: Route) -> None:
    walk = Walk(world, prefix, route)
    body = b"{}" if route.method in WRITES else None
    for odd in ODD_IDS:
        walk.call(f"id {odd[:20]}", world.admin, raw=body, odd=odd)
    walk.check()


def test_every_path_parameter_is_real(world: World) -> None:
    """A new route's parameter must name an object the world makes (walk_world.py)."""
    missing = {f"{_id(p, r)}: {m}" for p, r in _all_routes()
               for m in world.known(p, r.path) if m != "rest"}
    assert not missing, sorted(missing)


def test_the_walk_covers_every_service(world: World) -> None:
    methods = {(service_of(p), r.method) for p, r in method_routes(SERVICES, WRITES)}
    assert {s for s, _ in methods} == {"identity", "compute", "image", "network",
                                         "volume", "object-store", "orchestration",
                                         "load-balancer"}
    assert len(_params(lists=True)) > 100


def test_the_write_counter_sees_a_commit_and_no_rollback(world: World) -> None:
    """The 'committed nothing' check can fail: a success moves the counter, a failure not."""
    assert world.writes is not None
    before = world.writes.commits
    project = world.ids["/identity project_id"]
    r = world.send("/identity", "PUT", f"/v3/projects/{project}/tags/walk-counted", world.admin)
    assert r.status_code == 201 and world.writes.commits == before + 1
    r = world.send("/identity", "PUT", f"/v3/projects/{project}/tags/{'t' * 300}", world.admin)
    assert r.status_code == 400 and world.writes.commits == before + 1


def test_outside_state_sees_image_data(world: World) -> None:
    before = outside_state(world)
    image = world.send("/image", "POST", "/v2/images", world.admin, {
        "name": "walk-data", "disk_format": "raw", "container_format": "bare"}).json()["id"]
    r = world.send("/image", "PUT", f"/v2/images/{image}/file", world.admin, raw=b"data",
                   media="application/octet-stream")
    assert r.status_code == 204 and outside_state(world) != before
