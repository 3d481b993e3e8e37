"""The persona matrix of the load balancers' objects, as Octavia's default policies
(keystone_default_roles) give it: a project's reader reads its tree and changes nothing,
its member changes it, another project's member gets Octavia's 403 on every object of
it (found first: a 404 for what does not exist) and sees none of it in listings; only
the admin fails a load balancer over or lists every project's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.loadbalancer import made, octavia, subnet
from tests.unit.reconcile import Cloud


def _user(cloud: Cloud, project: str, name: str, role: str) -> str:
    api, admin = cloud.api, cloud.api.admin()
    h = {"X-Auth-Token": admin}
    c = api.client
    if project != "demo":
        c.post("/identity/v3/projects", headers=h, json={"project": {"name": project}})
    pid = c.get(f"/identity/v3/projects?name={project}", headers=h).json()["projects"][0]["id"]
    uid = c.post("/identity/v3/users", headers=h, json={"user": {
        "name": name, "password": f"{name}-secret-1"}}).json()["user"]["id"]
    rid = c.get(f"/identity/v3/roles?name={role}", headers=h).json()["roles"][0]["id"]
    c.put(f"/identity/v3/projects/{pid}/users/{uid}/roles/{rid}", headers=h)
    return api.token(name, f"{name}-secret-1", project)


@pytest.fixture
def tree(rcloud: Cloud) -> dict[str, Any]:
    lb = made(rcloud, "loadbalancers", {"name": "web", "vip_subnet_id": subnet(rcloud)})
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": 80})
    pool = made(rcloud, "pools", {"listener_id": lis["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN"})
    member = made(rcloud, f"pools/{pool['id']}/members", {"address": "10.9.0.20",
                                                          "protocol_port": 80})
    hm = made(rcloud, "healthmonitors", {"pool_id": pool["id"], "type": "TCP", "delay": 5,
                                         "timeout": 3, "max_retries": 2})
    pol = made(rcloud, "l7policies", {"listener_id": lis["id"], "action": "REJECT"})
    rule = made(rcloud, f"l7policies/{pol['id']}/rules", {
        "type": "PATH", "compare_type": "STARTS_WITH", "value": "/x"})
    return {"tokens": {"member": rcloud.token,
                       "reader": _user(rcloud, "demo", "lbreader", "reader"),
                       "other": _user(rcloud, "other", "lbother", "member"),
                       "admin": rcloud.api.admin()},
            "paths": {"loadbalancers": f"/loadbalancers/{lb['id']}",
                      "listeners": f"/listeners/{lis['id']}", "pools": f"/pools/{pool['id']}",
                      "members": f"/pools/{pool['id']}/members/{member['id']}",
                      "healthmonitors": f"/healthmonitors/{hm['id']}",
                      "l7policies": f"/l7policies/{pol['id']}",
                      "rules": f"/l7policies/{pol['id']}/rules/{rule['id']}"},
            "ids": {"loadbalancers": lb["id"], "listeners": lis["id"], "pools": pool["id"],
                    "healthmonitors": hm["id"], "l7policies": pol["id"]}}


READS = {"member": 200, "reader": 200, "other": 403, "admin": 200}
RENAMES = {"member": 200, "reader": 403, "other": 403, "admin": 200}


@pytest.mark.parametrize("who", sorted(READS))
def test_who_reads_and_who_changes_each_object(rcloud: Cloud, tree: dict[str, Any],
                                               who: str) -> None:
    token = tree["tokens"][who]
    for kind, path in tree["paths"].items():
        r = octavia(rcloud, "GET", path, token=token)
        assert r.status_code == READS[who], (who, kind, r.text)
        if r.status_code == 403:
            assert r.json()["faultstring"] == \
                "Policy does not allow this request to be performed."
    for kind, path in tree["paths"].items():
        root = {"loadbalancers": "loadbalancer", "listeners": "listener", "pools": "pool",
                "members": "member", "healthmonitors": "healthmonitor",
                "l7policies": "l7policy", "rules": "rule"}[kind]
        body: dict[str, Any] = {"admin_state_up": True} if kind == "rules" else {"name": who}
        r = octavia(rcloud, "PUT", path, {root: body}, token=token)
        assert r.status_code == RENAMES[who], (who, kind, r.text)
        rcloud.settle()
    r = octavia(rcloud, "DELETE", tree["paths"]["rules"], token=token)
    assert r.status_code == (204 if RENAMES[who] == 200 else 403), r.text
    rcloud.settle()


def test_listings_show_a_project_its_own_and_the_admin_everyone(
        rcloud: Cloud, tree: dict[str, Any]) -> None:
    for kind, obj_id in tree["ids"].items():
        for who, sees in (("member", True), ("reader", True), ("other", False)):
            r = octavia(rcloud, "GET", f"/{kind}", token=tree["tokens"][who])
            assert r.status_code == 200, r.text
            ids = {d["id"] for d in r.json()[kind]}
            assert (obj_id in ids) == sees, (who, kind)
        r = octavia(rcloud, "GET", f"/{kind}?project_id=nobody", token=tree["tokens"]["member"])
        assert r.json()[kind] == []
        r = octavia(rcloud, "GET", f"/{kind}", token=tree["tokens"]["admin"])
        assert obj_id in {d["id"] for d in r.json()[kind]}


def test_another_projects_ids_are_refused_in_bodies(rcloud: Cloud,
                                                    tree: dict[str, Any]) -> None:
    other = tree["tokens"]["other"]
    ids = tree["ids"]
    for kind, body in (
            ("listeners", {"listener": {"loadbalancer_id": ids["loadbalancers"],
                                        "protocol": "TCP", "protocol_port": 81}}),
            ("pools", {"pool": {"loadbalancer_id": ids["loadbalancers"], "protocol": "TCP",
                                "lb_algorithm": "ROUND_ROBIN"}}),
            ("healthmonitors", {"healthmonitor": {"pool_id": ids["pools"], "type": "TCP",
                                                  "delay": 5, "timeout": 3,
                                                  "max_retries": 2}}),
            ("l7policies", {"l7policy": {"listener_id": ids["listeners"],
                                         "action": "REJECT"}})):
        r = octavia(rcloud, "POST", f"/{kind}", body, token=other)
        assert r.status_code == 403, (kind, r.text)
    # a VIP on another project's subnet is no subnet of the caller's
    r = octavia(rcloud, "GET", tree["paths"]["loadbalancers"])
    vip_subnet = r.json()["loadbalancer"]["vip_subnet_id"]
    r = octavia(rcloud, "POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": vip_subnet}}, token=other)
    assert r.status_code == 400 and "not found" in r.json()["faultstring"]
    # nor may a member make one in another project
    r = octavia(rcloud, "POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": vip_subnet, "project_id": "someone-else"}})
    assert r.status_code == 403
    # the admin alone fails over
    path = tree["paths"]["loadbalancers"] + "/failover"
    assert octavia(rcloud, "PUT", path).status_code == 403
    assert octavia(rcloud, "PUT", path, token=tree["tokens"]["admin"]).status_code == 202
