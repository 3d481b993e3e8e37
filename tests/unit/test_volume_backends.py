"""The admin's reads of this host (os-services, os-hosts, get_pools, capabilities), the
extension list, quota classes and private types' access lists, as Cinder answers them."""

from __future__ import annotations

from tests.unit.conftest import Api
from tests.unit.test_volume_api import Cinder, admin, demo

__all__ = ["admin", "demo"]  # the fixtures, shared with test_volume_api


def test_services_list_filter_and_switch(admin: Cinder, demo: Cinder) -> None:
    services = admin("GET", "/os-services").json()["services"]
    assert {(s["binary"], s["host"]) for s in services} == {
        ("cinder-scheduler", "cheptel"), ("cinder-volume", "cheptel@file")}
    assert all(s["state"] == "up" and s["status"] == "enabled" for s in services)
    # Cinder's host filter takes the host of `host@backend`
    assert len(admin("GET", "/os-services?host=cheptel").json()["services"]) == 2
    assert [s["binary"] for s in admin(
        "GET", "/os-services?host=cheptel&binary=cinder-volume").json()["services"]] == [
        "cinder-volume"]
    assert demo("GET", "/os-services").status_code == 403
    body = {"host": "cheptel@file", "binary": "cinder-volume", "disabled_reason": "fix"}
    r = admin("PUT", "/os-services/disable-log-reason", body)
    assert r.status_code == 200 and r.json()["disabled"] is True, r.text
    assert r.json()["disabled_reason"] == "fix"
    shown = admin("GET", "/os-services?binary=cinder-volume").json()["services"][0]
    assert (shown["status"], shown["disabled_reason"]) == ("disabled", "fix")
    r = admin("PUT", "/os-services/enable", {"host": "cheptel@file",
                                             "binary": "cinder-volume"})
    assert r.json()["status"] == "enabled" and r.json()["disabled_reason"] is None
    for action, bad, code in (
            ("enable", {"host": "nope", "binary": "cinder-volume"}, 404),
            ("disable", {"host": "cheptel", "binary": "nope"}, 404),
            ("disable-log-reason", {**body, "disabled_reason": None}, 400),
            ("disable-log-reason", {**body, "disabled_reason": "  "}, 400),
            ("disable", {"binary": "cinder-volume"}, 400),
            ("freeze", {"host": "nope"}, 400), ("thaw", {"host": "nope"}, 400),
            ("explode", {"host": "cheptel"}, 404)):
        r = admin("PUT", f"/os-services/{action}", bad)
        assert r.status_code == code and len(r.json()) == 1, (action, bad, r.text)
    assert admin("PUT", "/os-services/freeze", {"host": "cheptel"}).status_code == 200
    frozen = admin("GET", "/os-services?binary=cinder-volume").json()["services"][0]
    assert frozen["frozen"] is True
    assert admin("PUT", "/os-services/thaw", {"host": "cheptel"}).status_code == 200


def test_hosts_pools_and_capabilities(admin: Cinder, demo: Cinder) -> None:
    demo.create(2)
    demo.create(3)
    hosts = admin("GET", "/os-hosts").json()["hosts"]
    assert {h["host_name"] for h in hosts} == {"cheptel", "cheptel@file"}
    usage = {u["resource"]["project"]: u["resource"] for u in admin(
        "GET", "/os-hosts/cheptel@file").json()["host"]}
    assert usage["(total)"]["volume_count"] == "2"
    assert usage[demo.project]["total_volume_gb"] == "5"
    assert admin("GET", "/os-hosts/nope").status_code == 404
    assert admin("GET", "/scheduler-stats/get_pools").json() == {
        "pools": [{"name": "cheptel@file#file"}]}
    (pool,) = admin("GET", "/scheduler-stats/get_pools?detail=True").json()["pools"]
    caps = pool["capabilities"]
    assert caps["total_capacity_gb"] >= caps["free_capacity_gb"] > 0
    assert caps["allocated_capacity_gb"] == 5 and caps["vendor_name"] == "Open Source"
    shown = admin("GET", "/capabilities/cheptel@file#file").json()
    assert shown["volume_backend_name"] == caps["volume_backend_name"]
    assert admin("GET", "/capabilities/nope").status_code == 404
    for path in ("/os-hosts", "/scheduler-stats/get_pools", "/capabilities/cheptel@file"):
        assert demo("GET", path).status_code == 403, path


def test_extensions_are_listed(demo: Cinder) -> None:
    aliases = {e["alias"] for e in demo("GET", "/extensions").json()["extensions"]}
    assert {"os-services", "os-quota-class-sets", "os-volume-type-access"} <= aliases


def test_the_default_quota_class_is_every_projects_default(admin: Cinder,
                                                          demo: Cinder) -> None:
    shown = admin("GET", "/os-quota-class-sets/default").json()["quota_class_set"]
    assert shown["id"] == "default" and shown["volumes"] == 10
    r = admin("PUT", "/os-quota-class-sets/default", {"quota_class_set": {
        "volumes": 1, "gigabytes_nosuchtype": 3}})
    assert r.status_code == 200 and r.json()["quota_class_set"]["volumes"] == 1
    assert "id" not in r.json()["quota_class_set"]
    assert demo("GET", f"/os-quota-sets/{demo.project}/defaults").json()[
        "quota_set"]["volumes"] == 1
    demo.create()
    assert demo("POST", "/volumes", {"volume": {"size": 1}}).status_code == 413
    assert admin("PUT", "/os-quota-class-sets/default", {"quota_class_set": {
        "volumes": "x"}}).status_code == 400
    assert demo("GET", "/os-quota-class-sets/default").status_code == 403


def test_private_types_are_seen_by_the_projects_given_access(api: Api, admin: Cinder,
                                                             demo: Cinder) -> None:
    vt = admin("POST", "/types", {"volume_type": {
        "name": "private", "os-volume-type-access:is_public": False}}).json()["volume_type"]
    tid = vt["id"]
    assert demo("POST", "/volumes", {"volume": {"size": 1,
                                                "volume_type": tid}}).status_code == 404
    action = f"/types/{tid}/action"
    r = admin("POST", action, {"addProjectAccess": {"project": demo.project}})
    assert r.status_code == 202, r.text
    assert admin("POST", action, {"addProjectAccess": {
        "project": demo.project}}).status_code == 409
    assert demo.create(volume_type=tid)["volume_type"] == "private"
    assert "private" in {t["name"] for t in demo("GET", "/types").json()["volume_types"]}
    assert admin("GET", f"/types/{tid}/os-volume-type-access").json() == {
        "volume_type_access": [{"volume_type_id": tid, "project_id": demo.project}]}
    assert demo("POST", action, {"removeProjectAccess": {
        "project": demo.project}}).status_code == 403
    assert admin("POST", action, {"removeProjectAccess": {
        "project": demo.project}}).status_code == 202
    assert demo("GET", f"/types/{tid}").status_code == 404
    assert admin("POST", action, {"removeProjectAccess": {
        "project": demo.project}}).status_code == 404
    default = demo("GET", "/types/default").json()["volume_type"]["id"]
    assert admin("GET", f"/types/{default}/os-volume-type-access").status_code == 404
    assert admin("POST", f"/types/{default}/action", {"addProjectAccess": {
        "project": demo.project}}).status_code == 400
    for bad in ({}, {"addProjectAccess": {}}, {"addProjectAccess": {"project": ""}},
                {"nope": {"project": "p"}}, [], {"addProjectAccess": {"project": "p"},
                                                 "removeProjectAccess": {"project": "p"}}):
        r = admin("POST", action, bad)
        assert r.status_code == 400 and len(r.json()) == 1, bad
