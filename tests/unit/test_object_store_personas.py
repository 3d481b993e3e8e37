"""The object store's persona matrix, in process: what each persona gets from each route
on the demo project's account, written from Swift's keystoneauth defaults (an operator
role in the project owns the account, ResellerAdmin and cheptel's admin act anywhere, a
reader or another project's member only through ACLs, nobody without a token). Every
route of the service is listed."""

from __future__ import annotations

import pytest

from cheptel.objectstore.spec import SERVICE
from tests.unit.conftest import Api
from tests.unit.objstore import Swift, admin, demo, user_with_role

OK, DENIED = "ok", "denied"
PERSONAS = ("owner", "swiftoperator", "reseller", "admin", "reader", "stranger", "anonymous")
OWNERS = {"owner", "swiftoperator", "reseller", "admin"}
# (method, route path) -> the request made on the demo account
CALLS = {
    ("GET", "/info"): None, ("GET", "/healthcheck"): None, ("GET", "/crossdomain.xml"): None,
    ("GET", "/v1/{account}"): ("GET", ""), ("POST", "/v1/{account}"): ("POST", ""),
    ("PUT", "/v1/{account}"): ("PUT", "?extract-archive=tar"),
    ("DELETE", "/v1/{account}"): ("DELETE", "?bulk-delete"),
    ("GET", "/v1/{account}/"): ("GET", "/"), ("POST", "/v1/{account}/"): ("POST", "/"),
    ("PUT", "/v1/{account}/"): ("PUT", "/?extract-archive=tar"),
    ("DELETE", "/v1/{account}/"): ("DELETE", "/?bulk-delete"),
    ("GET", "/v1/{account}/{container}"): ("GET", "/c"),
    ("PUT", "/v1/{account}/{container}"): ("PUT", "/c2"),
    ("POST", "/v1/{account}/{container}"): ("POST", "/c"),
    ("DELETE", "/v1/{account}/{container}"): ("DELETE", "/empty"),
    ("GET", "/v1/{account}/{container}/{object:path}"): ("GET", "/c/o"),
    ("PUT", "/v1/{account}/{container}/{object:path}"): ("PUT", "/c/new"),
    ("POST", "/v1/{account}/{container}/{object:path}"): ("POST", "/c/o"),
    ("DELETE", "/v1/{account}/{container}/{object:path}"): ("DELETE", "/c/o"),
    ("COPY", "/v1/{account}/{container}/{object:path}"): ("COPY", "/c/o"),
}


def test_every_route_is_in_the_matrix() -> None:
    assert {(r.method, r.path) for r in SERVICE.routes} == set(CALLS)


@pytest.fixture
def personas(api: Api) -> dict[str, Swift]:
    owner = demo(api)
    owner.ok("PUT", "/c")
    owner.ok("PUT", "/empty")
    owner.ok("PUT", "/c/o", b"data")

    def on_demo(s: Swift) -> Swift:
        return Swift(api, s.token, owner.project)

    return {
        "owner": owner,
        "swiftoperator": on_demo(user_with_role(api, "m-op", "swiftoperator")),
        "reseller": on_demo(user_with_role(api, "m-reseller", "ResellerAdmin", "admin")),
        "admin": on_demo(admin(api)),
        "reader": on_demo(user_with_role(api, "m-reader", "reader")),
        "stranger": on_demo(user_with_role(api, "m-stranger", "member", "admin")),
        "anonymous": Swift(api, None, owner.project),
    }


@pytest.mark.parametrize("route", sorted(k for k, v in CALLS.items() if v), ids=str)
def test_each_persona_on_the_demo_account(personas: dict[str, Swift],
                                          route: tuple[str, str]) -> None:
    method, path = CALLS[route]  # type: ignore[misc]
    body = b"x" if method == "PUT" and "extract" not in path else None
    problems = []
    for persona in PERSONAS:  # the refused first: an owner's success may change the target
        if persona in OWNERS:
            continue
        r = personas[persona].call(method, path, body, Destination="c/copy")
        want = 401 if persona == "anonymous" else 403
        if r.status_code != want:
            problems.append(f"{persona}: {r.status_code} {r.text[:100]}")
    for persona in sorted(OWNERS):
        r = personas[persona].call(method, path, body, Destination="c/copy")
        if r.status_code >= 400:
            problems.append(f"{persona}: {r.status_code} {r.text[:100]}")
        if method == "DELETE" and r.status_code < 300 and "bulk" not in path:
            personas["owner"].ok("PUT", path, b"data" if path.count("/") > 1 else None)
    assert not problems, f"{method} {path}:\n" + "\n".join(problems)


def test_an_acl_opens_only_what_it_names(personas: dict[str, Swift]) -> None:
    owner, reader, stranger = personas["owner"], personas["reader"], personas["stranger"]
    owner.ok("POST", "/c", X_Container_Read="*:m-reader", X_Container_Write="*:m-stranger")
    assert reader.call("GET", "/c/o").status_code == 200
    assert reader.call("GET", "/c").status_code == 200
    assert reader.call("PUT", "/c/r", b"x").status_code == 403
    assert stranger.call("GET", "/c/o").status_code == 403  # write is not read
    assert stranger.call("PUT", "/c/s", b"x").status_code == 201
    assert stranger.call("DELETE", "/c/s").status_code == 204
    for who in (reader, stranger):
        assert who.call("GET", "").status_code == 403  # ACLs open containers, not accounts
        assert who.call("DELETE", "/empty").status_code == 403
        assert who.call("GET", "/empty").status_code == 403
