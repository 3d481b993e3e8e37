"""Helpers for the load-balancer tests: Octavia's API over the in-process cloud."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.reconcile import Cloud

LBAAS = "/load-balancer/v2/lbaas"


def octavia(cloud: Cloud, method: str, path: str, body: Any = None,
            token: str | None = None) -> httpx.Response:
    return cloud.api.client.request(method, LBAAS + path, json=body,
                                    headers={"X-Auth-Token": token or cloud.token})


def subnet(cloud: Cloud, cidr: str = "10.9.0.0/24") -> str:
    r = cloud.neutron("POST", "/networks", {"network": {"name": "lbnet"}})
    assert r.status_code == 201, r.text
    net = r.json()["network"]["id"]
    r = cloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": net, "cidr": cidr, "ip_version": 4}})
    assert r.status_code == 201, r.text
    return str(r.json()["subnet"]["id"])


def made(cloud: Cloud, kind: str, body: dict[str, Any], settle: bool = True) -> dict[str, Any]:
    root = {"loadbalancers": "loadbalancer", "listeners": "listener", "pools": "pool",
            "healthmonitors": "healthmonitor", "l7policies": "l7policy"}.get(kind)
    path = f"/{kind}"
    if root is None:  # a member or a rule: kind is e.g. "pools/<id>/members"
        root = "member" if kind.endswith("members") else "rule"
    r = octavia(cloud, "POST", path, {root: body})
    assert r.status_code == 201, r.text
    if settle:
        cloud.settle()
    return dict(r.json()[root])


def show(cloud: Cloud, kind: str, obj_id: str) -> dict[str, Any]:
    r = octavia(cloud, "GET", f"/{kind}/{obj_id}")
    assert r.status_code == 200, r.text
    return dict(next(iter(r.json().values())))
