"""OS::Octavia::* over the in-process cloud: a load balancer, a listener, a pool, two
members and a health monitor made in order (each child held back while its balancer is
PENDING_*: Octavia's 409 never reaches the stack), read through get_attr, and deleted."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from cheptel.errors import Conflict
from cheptel.loadbalancer.models import LoadBalancer, Member
from cheptel.orchestration.models import StackEvent
from cheptel.orchestration.resources.registry import TYPES
from cheptel.orchestration.service import healing
from tests.unit.loadbalancer import subnet
from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud

TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "parameters": {"subnet": {"type": "string"}},
    "resources": {
        "lb": {"type": "OS::Octavia::LoadBalancer",
               "properties": {"vip_subnet": {"get_param": "subnet"}, "name": "web"}},
        "listener": {"type": "OS::Octavia::Listener",
                     "properties": {"loadbalancer": {"get_resource": "lb"},
                                    "protocol": "HTTP", "protocol_port": 80}},
        "pool": {"type": "OS::Octavia::Pool",
                 "properties": {"listener": {"get_resource": "listener"},
                                "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}},
        "m1": {"type": "OS::Octavia::PoolMember",
               "properties": {"pool": {"get_resource": "pool"}, "address": "10.9.0.11",
                              "protocol_port": 8080}},
        "m2": {"type": "OS::Octavia::PoolMember",
               "properties": {"pool": {"get_resource": "pool"}, "address": "10.9.0.12",
                              "protocol_port": 8080}},
        "hm": {"type": "OS::Octavia::HealthMonitor",
               "properties": {"pool": {"get_resource": "pool"}, "type": "HTTP", "delay": 2,
                              "timeout": 1, "max_retries": 2}}},
    "outputs": {"vip": {"value": {"get_attr": ["lb", "vip_address"]}},
                "port": {"value": {"get_attr": ["lb", "vip_port_id"]}}}}


def _count(cloud: Cloud, model: object) -> int:
    with cloud.deps.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)))  # type: ignore[arg-type]


def test_a_load_balanced_stack_is_made_read_and_deleted(rcloud: Cloud) -> None:
    quiet(rcloud)
    sid = subnet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "lbs", "template": TEMPLATE,
                                         "parameters": {"subnet": sid}})
    assert r.status_code == 201, r.text
    stack_id = r.json()["stack"]["id"]
    for _ in range(40):
        rcloud.settle()
        stack = heat(rcloud, "GET", f"/stacks/lbs/{stack_id}").json()["stack"]
        if stack["stack_status"] != "CREATE_IN_PROGRESS":
            break
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs["vip"].startswith("10.9.0.")
    with rcloud.deps.sessions() as db:
        lb = db.scalars(select(LoadBalancer)).one()
        assert lb.provisioning_status == "ACTIVE" and lb.vip_port_id == outputs["port"]
    assert _count(rcloud, Member) == 2
    spec = rcloud.deps.balancers.balancers[lb.id]
    assert len(spec.pools[0].members) == 2 and spec.pools[0].monitor is not None
    assert heat(rcloud, "DELETE", f"/stacks/lbs/{stack_id}").status_code == 204
    for _ in range(40):
        rcloud.settle()
        if _count(rcloud, LoadBalancer) == 0:
            break
    assert _count(rcloud, LoadBalancer) == 0 and not rcloud.deps.balancers.running()


def test_a_conflict_is_waited_out_not_a_failure(rcloud: Cloud,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Another stack's member (a group's nested stacks run side by side) may change the
    balancer between a child's check and its create: Octavia's 409 then makes the step
    roll back and run again a moment later, as Heat's Octavia resources retry."""
    member = TYPES["OS::Octavia::PoolMember"]
    refused: list[str] = []

    def flaky(cloud: Any, p: dict[str, Any], r: Any) -> None:
        if not refused:
            refused.append(p["address"])
            raise Conflict("Load Balancer x is immutable and cannot be updated.")
        member.create(cloud, p, r)

    monkeypatch.setitem(TYPES, member.name, replace(member, create=flaky))
    quiet(rcloud)
    sid = subnet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "lbs", "template": TEMPLATE,
                                         "parameters": {"subnet": sid}})
    stack_id = r.json()["stack"]["id"]
    for _ in range(40):
        rcloud.settle()
        stack = heat(rcloud, "GET", f"/stacks/lbs/{stack_id}").json()["stack"]
        if stack["stack_status"] != "CREATE_IN_PROGRESS":
            break
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    assert refused and _count(rcloud, Member) == 2


WEB = "file:///tmp/w/web.yaml"
WEB_FILES = {WEB: """
heat_template_version: 2018-08-31
parameters: {pool: {type: string}, network: {type: string}}
resources:
  server:
    type: OS::Nova::Server
    properties: {image: busybox, flavor: m1.tiny, networks: [{network: {get_param: network}}]}
  member:
    type: OS::Octavia::PoolMember
    properties: {pool: {get_param: pool}, address: {get_attr: [server, first_address]},
                 protocol_port: 8080}
outputs:
  OS::stack_id:
    value: {get_resource: server}
"""}


def _web_tier(subnet_id: str, network_id: str) -> dict[str, Any]:
    resources = {k: v for k, v in TEMPLATE["resources"].items() if k not in ("m1", "m2")}
    resources["herd"] = {"type": "OS::Heat::AutoScalingGroup", "properties": {
        "min_size": 2, "max_size": 3, "resource": {"type": WEB, "properties": {
            "pool": {"get_resource": "pool"}, "network": network_id}}}}
    return {**TEMPLATE, "resources": resources, "parameters": {"subnet": {"type": "string"}},
            "outputs": {"refs": {"value": {"get_attr": ["herd", "refs"]}}}}


def test_a_member_failing_its_health_checks_is_replaced_after_its_grace(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its container runs, its service does not answer: the monitor's ERROR makes the
    group replace it (not before MEMBER_GRACE after it was made)."""
    quiet(rcloud)
    sid = subnet(rcloud)
    net = rcloud.neutron("GET", f"/subnets/{sid}").json()["subnet"]["network_id"]
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "tier", "template": _web_tier(
        sid, net), "files": WEB_FILES, "parameters": {"subnet": sid}})
    assert r.status_code == 201, r.text
    stack_id = r.json()["stack"]["id"]

    def stack() -> dict[str, Any]:
        for _ in range(40):
            rcloud.settle()
            doc: dict[str, Any] = heat(rcloud, "GET", f"/stacks/tier/{stack_id}").json()[
                "stack"]
            if not doc["stack_status"].endswith("IN_PROGRESS"):
                return doc
        raise AssertionError("the stack never settled")
    refs = stack()["outputs"][0]["output_value"]
    assert len(refs) == 2
    with rcloud.deps.sessions() as db:
        lb = db.scalars(select(LoadBalancer)).one()
        sick = db.scalars(select(Member).order_by(Member.created_at)).first()
        assert sick is not None
        sick_id = sick.id
    converger = rcloud.deps.reconciler.convergers["load-balancer"]
    rcloud.deps.balancers.member_status[sick_id] = "DOWN"  # its httpd died
    converger.read_health(lb.id)
    rcloud.pass_once()
    assert stack()["outputs"][0]["output_value"] == refs  # within its grace: kept
    monkeypatch.setattr(healing, "MEMBER_GRACE", 0.0)
    rcloud.pass_once()
    after = stack()["outputs"][0]["output_value"]
    assert len(after) == 2 and len(set(after) & set(refs)) == 1, (refs, after)
    with rcloud.deps.sessions() as db:
        members = list(db.scalars(select(Member)))
        assert len(members) == 2 and sick_id not in {m.id for m in members}
        reasons = list(db.scalars(select(StackEvent.status_reason).where(
            StackEvent.action == "CHECK")))
    assert any("fails its load balancer's health checks" in r for r in reasons), reasons
