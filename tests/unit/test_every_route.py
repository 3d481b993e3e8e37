"""Every route of every service (cheptel.services.SERVICES), without a token: a 401 in the
service's own fault format. A new service's routes are walked here with no new test."""

from __future__ import annotations

import json
import re

import pytest

from cheptel.errors import Unauthorized
from cheptel.policy import PolicyTable
from cheptel.service import Service
from cheptel.services import SERVICES
from cheptel.web import Route
from tests.unit.conftest import Api

GUARDED = [(s, r) for s in SERVICES for r in s.routes
           if PolicyTable(s.policies)[r.policy] != "anyone"]


def _path(service: Service, route: Route) -> str:
    return service.prefix + re.sub(r"\{[^}]+\}", "x", route.path)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.type)
def test_no_token_is_a_401_in_the_service_format(api: Api, service: Service) -> None:
    expected = json.loads(service.render_fault(Unauthorized()).body)
    routes = [r for s, r in GUARDED if s is service]
    assert routes
    for route in routes:
        headers = {"Content-Type": route.content_types[0]} if route.content_types else {}
        body = b"{}" if route.method in ("POST", "PUT", "PATCH") else None
        r = api.client.request(route.method, _path(service, route), content=body,
                               headers=headers)
        assert r.status_code == 401, (route.method, route.path, r.status_code, r.text)
        if route.method != "HEAD":  # no body to a HEAD
            assert r.json() == expected, (route.method, route.path)
