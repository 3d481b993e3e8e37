"""OS::Octavia::* over the in-process cloud: a load balancer, a listener, a pool, two
members and a health monitor made in order (each child held back while its balancer is
PENDING_*: Octavia's 409 never reaches the stack), read through get_attr, and deleted."""

from __future__ import annotations

from sqlalchemy import func, select

from cheptel.loadbalancer.models import LoadBalancer, Member
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
