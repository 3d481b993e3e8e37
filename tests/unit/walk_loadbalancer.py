"""The load-balancer part of the walk's world (tests/unit/walk_world.py): a load
balancer of the walk project on its subnet, with a listener, a pool, a member, a health
monitor, an L7 policy and rule, each driven to ACTIVE by the walk's reconciler."""

from __future__ import annotations

import time
from typing import Any

from tests.unit.walk import World

L = "/load-balancer"
V2 = "/v2/lbaas"


def _active(w: World, path: str, root: str) -> None:
    deadline = time.monotonic() + 30  # the walk's reconciler runs on its own threads
    while w.ok(L, "GET", path)[root]["provisioning_status"] != "ACTIVE":
        assert time.monotonic() < deadline, f"{path} never became ACTIVE"
        time.sleep(0.05)


def _made(w: World, kind: str, root: str, body: dict[str, Any], lb: str,
          template: str | None = None) -> str:
    made = w.ok(L, "POST", f"{V2}/{kind}", {root: body}, template=template)[root]
    _active(w, f"{V2}/loadbalancers/{lb}", "loadbalancer")
    return str(made["id"])


def populate_loadbalancer(w: World) -> None:
    ids = w.ids
    project = ids["/identity project_id"]
    subnet = ids["/network subnet_id"]
    lb = w.ok(L, "POST", f"{V2}/loadbalancers", {"loadbalancer": {
        "name": "walk-lb", "description": "d", "vip_subnet_id": subnet,
        "project_id": project, "admin_state_up": True, "tags": ["walk"]}})[
        "loadbalancer"]["id"]
    _active(w, f"{V2}/loadbalancers/{lb}", "loadbalancer")
    ids[f"{L} loadbalancer_id"] = lb
    listener = _made(w, "listeners", "listener", {
        "loadbalancer_id": lb, "protocol": "HTTP", "protocol_port": 80, "name": "walk",
        "connection_limit": 100, "insert_headers": {"X-Forwarded-For": "true"},
        "timeout_client_data": 1000, "allowed_cidrs": ["10.0.0.0/8"]}, lb)
    ids[f"{L} listener_id"] = listener
    pool = _made(w, "pools", "pool", {
        "listener_id": listener, "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
        "name": "walk", "session_persistence": {"type": "APP_COOKIE",
                                                "cookie_name": "sid"}}, lb)
    ids[f"{L} pool_id"] = pool
    member = {"address": "10.123.0.30", "protocol_port": 8080, "weight": 2, "name": "m",
              "subnet_id": subnet, "backup": False}
    ids[f"{L} member_id"] = _made(w, f"pools/{pool}/members", "member", member, lb,
                                  template=f"{V2}/pools/{{pool_id}}/members")
    w.templates[f"{L} PUT {V2}/pools/{{pool_id}}/members"] = {"members": [member]}
    ids[f"{L} healthmonitor_id"] = _made(w, "healthmonitors", "healthmonitor", {
        "pool_id": pool, "type": "HTTP", "delay": 5, "timeout": 3, "max_retries": 2,
        "url_path": "/health", "expected_codes": "200-204"}, lb)
    policy = _made(w, "l7policies", "l7policy", {
        "listener_id": listener, "action": "REDIRECT_TO_URL",
        "redirect_url": "http://example.org/", "position": 1}, lb)
    ids[f"{L} l7policy_id"] = policy
    ids[f"{L} l7rule_id"] = _made(w, f"l7policies/{policy}/rules", "rule", {
        "type": "PATH", "compare_type": "STARTS_WITH", "value": "/old"}, lb,
        template=f"{V2}/l7policies/{{l7policy_id}}/rules")
    _catalog(w)
    for key in list(w.templates):  # the same bodies under /v2.0
        if key.startswith(f"{L} ") and f" {V2}/" in key:
            w.templates[key.replace(f" {V2}/", " /v2.0/lbaas/")] = w.templates[key]


def _catalog(w: World) -> None:
    """Flavors, availability zones and their profiles; quotas of the walk project; the
    provider; an amphora id (cheptel has none: every one is a 404)."""
    ids = w.ids
    profile = w.ok(L, "POST", f"{V2}/flavorprofiles", {"flavorprofile": {
        "name": "walk-fp", "provider_name": "amphora",
        "flavor_data": '{"loadbalancer_topology": "SINGLE"}'}})["flavorprofile"]["id"]
    ids[f"{L} flavorprofile_id"] = profile
    ids[f"{L} flavor_id"] = w.ok(L, "POST", f"{V2}/flavors", {"flavor": {
        "name": "walk-flavor", "description": "d", "enabled": True,
        "flavor_profile_id": profile}})["flavor"]["id"]
    zone_profile = w.ok(L, "POST", f"{V2}/availabilityzoneprofiles", {
        "availability_zone_profile": {"name": "walk-azp", "provider_name": "amphora",
                                      "availability_zone_data": '{"compute_zone": "nova"}'}}
    )["availability_zone_profile"]["id"]
    ids[f"{L} availability_zone_profile_id"] = zone_profile
    ids[f"{L} availability_zone_name"] = w.ok(L, "POST", f"{V2}/availabilityzones", {
        "availability_zone": {"name": "walk-az", "description": "d", "enabled": True,
                              "availability_zone_profile_id": zone_profile}}
    )["availability_zone"]["name"]
    ids[f"{L} project_id"] = ids["/identity project_id"]
    w.templates[f"{L} PUT {V2}/quotas/{{project_id}}"] = {"quota": {
        "load_balancer": 10, "listener": 20, "pool": 20, "member": 50}}
    ids[f"{L} provider"] = "amphora"
    ids[f"{L} amphora_id"] = "no-amphora"
