"""os-simple-tenant-usage over the fake engine and the fake clock: hours are each
server's lifetime clipped to the period, deleted servers count, the totals are the sums."""

from __future__ import annotations

import datetime

import pytest

from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.unit.reconcile import NOVA, Cloud

HOUR = 3600.0


def _t(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _admin(cloud: Cloud, method: str, path: str, version: str = "2.90") -> dict:
    token = cloud.api.token("admin", ADMIN_PASSWORD, "admin")
    r = cloud.api.client.request(method, NOVA + path, headers={
        "X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _later(cloud: Cloud, seconds: float) -> None:
    """Time passes (the clock is the app's): the demo token is issued again."""
    cloud.api.clock.advance(seconds)
    cloud.token = cloud.api.token("demo", DEMO_PASSWORD, "demo")


def _project(cloud: Cloud) -> str:
    r = cloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": cloud.token, "X-Subject-Token": cloud.token})
    return str(r.json()["token"]["project"]["id"])


def test_hours_and_totals_over_a_period(rcloud: Cloud) -> None:
    clock = rcloud.api.clock
    t0 = clock()
    kept = rcloud.active("kept")  # m1.tiny: 1 vcpu, 512 MiB, 1 GiB
    _later(rcloud, 2 * HOUR)
    gone = rcloud.active("gone")
    _later(rcloud, HOUR)
    assert rcloud.nova("DELETE", f"/servers/{gone}").status_code == 204
    rcloud.settle()
    _later(rcloud, HOUR)
    project = _project(rcloud)
    # the whole life: kept 4 h, gone 1 h
    body = rcloud.nova("GET", f"/os-simple-tenant-usage/{project}?start={_t(t0 - 60)}"
                              f"&end={_t(clock() + 60)}").json()["tenant_usage"]
    hours = {u["name"]: round(u["hours"], 3) for u in body["server_usages"]}
    assert hours == {"kept": 4.0, "gone": 1.0}
    assert round(body["total_hours"], 3) == 5.0
    assert round(body["total_vcpus_usage"], 3) == 5.0
    assert round(body["total_memory_mb_usage"], 3) == 5.0 * 512
    assert round(body["total_local_gb_usage"], 3) == 5.0 * 1
    states = {u["name"]: (u["state"], u["ended_at"] is None) for u in body["server_usages"]}
    assert states == {"kept": ("active", True), "gone": ("terminated", False)}
    # a period after the deletion: only kept, for the hour in it
    body = rcloud.nova("GET", f"/os-simple-tenant-usage/{project}?start={_t(t0 + 3.5 * HOUR)}"
                              f"&end={_t(t0 + 4.5 * HOUR)}").json()["tenant_usage"]
    assert [u["name"] for u in body["server_usages"]] == ["kept"]
    assert round(body["total_hours"], 2) == 0.5  # the end is capped at now (t0 + 4 h)
    assert rcloud.nova("GET", f"/os-simple-tenant-usage/{project}?start={_t(t0 - 9 * HOUR)}"
                              f"&end={_t(t0 - 8 * HOUR)}").json() == {"tenant_usage": {}}
    assert kept


def test_every_project_for_the_admin_with_paging(rcloud: Cloud) -> None:
    clock = rcloud.api.clock
    start = _t(clock() - 60)
    for name in ("a", "b", "c"):
        rcloud.active(name)
    _later(rcloud, HOUR)
    body = _admin(rcloud, "GET", f"/os-simple-tenant-usage?start={start}&detailed=1")
    (usage,) = body["tenant_usages"]
    assert usage["tenant_id"] == _project(rcloud) and len(usage["server_usages"]) == 3
    brief = _admin(rcloud, "GET", f"/os-simple-tenant-usage?start={start}")
    assert "server_usages" not in brief["tenant_usages"][0]
    page = _admin(rcloud, "GET", f"/os-simple-tenant-usage?start={start}&detailed=1&limit=2")
    assert len(page["tenant_usages"][0]["server_usages"]) == 2
    (link,) = page["tenant_usages_links"]
    marker = link["href"].split("marker=")[1].split("&")[0]
    rest = _admin(rcloud, "GET", f"/os-simple-tenant-usage?start={start}&detailed=1"
                                 f"&limit=2&marker={marker}")
    names = {u["name"] for p in (page, rest) for u in p["tenant_usages"][0]["server_usages"]}
    assert names == {"a", "b", "c"} and "tenant_usages_links" not in rest
    old = _admin(rcloud, "GET", f"/os-simple-tenant-usage?start={start}&limit=2", "2.39")
    assert "tenant_usages_links" not in old  # paging from 2.40


@pytest.mark.parametrize(("query", "message"), [
    ("start=yesterday", "Invalid datetime string: Datetime is in invalid format"),
    ("start=2026-01-02T00:00:00&end=2026-01-01T00:00:00",
     "Invalid start time. The start time cannot occur after the end time."),
    ("marker=nope", "Marker nope could not be found."),
])
def test_bad_periods_and_markers_are_400(rcloud: Cloud, query: str, message: str) -> None:
    r = rcloud.nova("GET", f"/os-simple-tenant-usage/{_project(rcloud)}?{query}")
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == message


def test_a_member_sees_only_its_own_project(rcloud: Cloud) -> None:
    admin_project = _admin(rcloud, "GET", "/os-simple-tenant-usage")  # admin: allowed
    assert admin_project == {"tenant_usages": []}
    assert rcloud.nova("GET", "/os-simple-tenant-usage").status_code == 403
    token = rcloud.api.token("admin", ADMIN_PASSWORD, "admin")
    r = rcloud.api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": token, "X-Subject-Token": token})
    other = r.json()["token"]["project"]["id"]
    assert rcloud.nova("GET", f"/os-simple-tenant-usage/{other}").status_code == 403


def test_an_empty_project_id_is_404(rcloud: Cloud) -> None:
    assert rcloud.nova("GET", "/os-simple-tenant-usage/").status_code == 404
