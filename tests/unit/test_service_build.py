"""Building a service checks its policy table: no route may name a policy it lacks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from cheptel.app import build_app
from cheptel.policy import PolicyTable
from cheptel.services import IDENTITY, SERVICES
from cheptel.web import Ctx, Route
from tests.unit.conftest import Api


def _hello(ctx: Ctx) -> dict:
    return {"hello": "world"}


def test_a_route_naming_an_unknown_policy_fails_the_build(api: Api) -> None:
    broken = replace(IDENTITY, routes=[*IDENTITY.routes,
                                       Route("GET", "/hello", _hello, "identity:no_such")])
    with pytest.raises(ValueError, match=r"GET /hello: identity:no_such"):
        build_app(api.deps, [broken, *SERVICES[1:]])


def test_a_policy_naming_an_unknown_rule_fails_the_build(api: Api) -> None:
    broken = replace(IDENTITY, policies={**IDENTITY.policies,
                                         "identity:list_users": "no_such_rule"})
    with pytest.raises(ValueError, match="identity:list_users names unknown rule"):
        build_app(api.deps, [broken, *SERVICES[1:]])


def test_the_table_travels_with_the_service(api: Api) -> None:
    """A policy only one service's table holds is unknown to the others: no global table."""
    extra = replace(IDENTITY, routes=[*IDENTITY.routes,
                                      Route("GET", "/hello", _hello, "hello:read")],
                    policies={**IDENTITY.policies, "hello:read": "anyone"})
    app = build_app(api.deps, [extra, *SERVICES[1:]])
    with TestClient(app, base_url=api.deps.settings.base_url) as client:
        assert client.get("/identity/hello").json() == {"hello": "world"}
    assert "hello:read" not in PolicyTable(IDENTITY.policies)
    with pytest.raises(ValueError, match="hello:read"):
        build_app(api.deps, [IDENTITY, replace(SERVICES[1], routes=[
            *SERVICES[1].routes, Route("GET", "/hello", _hello, "hello:read")])])

