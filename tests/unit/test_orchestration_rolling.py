"""Rolling updates of the groups over the in-process cloud: Heat's batches (its own
next_batch scenarios), a ResourceGroup's rolling_update (which members in which order,
never fewer than min_in_service ACTIVE, extra members made when min_in_service needs
them), pause_time by the injected clock, batch_create, an AutoScalingGroup's
rolling_updates behind a load balancer (each old pool member deleted, and gone from
HAProxy's configuration, before its server is deleted; a member removed by a smaller
group too), and the policies' 400s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from cheptel.orchestration.resources import rolling
from cheptel.orchestration.resources.registry import TYPES
from tests.unit.loadbalancer import subnet
from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud

V = "2018-08-31"


# -- Heat's arithmetic ---------------------------------------------------------------------

@pytest.mark.parametrize(("target", "current", "updated", "size", "min_in", "batch"), [
    # (a few of heat/tests/autoscaling/test_rolling_update.py's scenarios)
    (4, 4, 0, 1, 0, (4, 1)), (4, 4, 0, 1, 4, (5, 1)), (4, 5, 4, 1, 4, (4, 0)),
    (4, 4, 0, 2, 4, (6, 2)), (5, 6, 4, 2, 4, (5, 1)), (3, 3, 0, 2, 4, (5, 2)),
    (3, 5, 2, 2, 4, (4, 1)), (4, 4, 0, 5, 0, (4, 4)), (4, 4, 0, 4, 4, (8, 4)),
    (6, 4, 0, 6, 1, (7, 6)), (6, 9, 2, 5, 6, (10, 4)), (6, 7, 6, 5, 6, (6, 0))])
def test_next_batch_is_heats(target: int, current: int, updated: int, size: int,
                             min_in: int, batch: tuple[int, int]) -> None:
    assert rolling.next_batch(target, current, updated, size, min_in) == batch


def test_the_batches_of_a_group() -> None:
    assert rolling.asg_batches(3, 1, 2) == [(3, 1)] * 3
    assert rolling.asg_batches(3, 1, 3) == [(4, 1)] * 3 + [(3, 0)]
    assert rolling.asg_batches(5, 2, 0) == [(5, 2), (5, 2), (5, 1)]
    assert rolling.rg_batches(3, 3, 1, 2) == [(3, 1)] * 3
    # a ResourceGroup's extra member does not count as updated: one more batch
    assert rolling.rg_batches(3, 3, 1, 3) == [(4, 1)] * 4 + [(3, 0)]
    assert rolling.rg_batches(2, 4, 3, 0) == [(2, 2)]  # smaller and updated at once
    assert rolling.rg_batches(5, 0, 2, 0) == [(2, 2), (4, 2), (5, 1)]  # batch_create


# -- driving the cloud and watching it -----------------------------------------------------

def _drive(cloud: Cloud, watch: Callable[[], None] = lambda: None, tick: float = 0.25,
           rounds: int = 400) -> None:
    """Run the reconciler's work one item at a time (`watch` after each), the stacks'
    0.25 s looks-again held until the clock has moved (pause_time is the clock's)."""
    held: list[Callable[[], None]] = []
    converger = cloud.deps.reconciler.convergers["orchestration"]
    converger.later = lambda seconds, kick: held.append(kick)
    for _ in range(rounds):
        while cloud.pool.queue:
            fn, args = cloud.pool.queue.popleft()
            fn(*args)
            watch()
        if not held:
            break
        cloud.api.clock.advance(tick)
        kicks = held[:]
        held.clear()
        for kick in kicks:
            kick()
    assert not held, "the stack never settled"
    assert not cloud.errors.records, [r.getMessage() for r in cloud.errors.records]
    quiet(cloud)


def _active(cloud: Cloud) -> dict[str, dict[str, Any]]:
    r = cloud.nova("GET", "/servers/detail")
    return {s["id"]: s for s in r.json()["servers"] if s["status"] == "ACTIVE"
            and s.get("OS-EXT-STS:task_state") != "deleting"}


def _stack(cloud: Cloud, name: str, sid: str) -> dict[str, Any]:
    return dict(heat(cloud, "GET", f"/stacks/{name}/{sid}").json()["stack"])


def _outputs(cloud: Cloud, name: str, sid: str) -> dict[str, Any]:
    stack = _stack(cloud, name, sid)
    assert stack["stack_status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), stack
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def _events(cloud: Cloud, path: str) -> list[dict[str, Any]]:
    return list(heat(cloud, "GET", f"{path}/events?sort_dir=asc").json()["events"])


def _group_events(cloud: Cloud, name: str, sid: str, group: str) -> list[str]:
    return [e["resource_status_reason"] for e in _events(
        cloud, f"/stacks/{name}/{sid}/resources/{group}")]


# -- a ResourceGroup of servers ------------------------------------------------------------

def _rg(marker: str, count: int = 3, policy: dict[str, Any] | None = None
        ) -> dict[str, Any]:
    group: dict[str, Any] = {"type": "OS::Heat::ResourceGroup", "properties": {
        "count": count, "resource_def": {"type": "OS::Nova::Server", "properties": {
            "name": "web-%index%", "image": "busybox", "flavor": "m1.tiny",
            "networks": [], "user_data": marker}}}}
    if policy is not None:
        group["update_policy"] = policy
    return {"heat_template_version": V, "resources": {"group": group},
            "outputs": {"refs_map": {"value": {"get_attr": ["group", "refs_map"]}}}}


def _made(cloud: Cloud, name: str, template: Any) -> str:
    quiet(cloud)
    r = heat(cloud, "POST", "/stacks", {"stack_name": name, "template": template})
    assert r.status_code == 201, r.text
    _drive(cloud)
    return str(r.json()["stack"]["id"])


def test_a_resource_group_rolls_a_member_at_a_time(rcloud: Cloud) -> None:
    policy = {"rolling_update": {"max_batch_size": 1, "min_in_service": 2}}
    sid = _made(rcloud, "roll", _rg("v1", policy=policy))
    before = _outputs(rcloud, "roll", sid)["refs_map"]
    assert len(_active(rcloud)) == 3
    seen: list[int] = []
    r = heat(rcloud, "PUT", f"/stacks/roll/{sid}", {"template": _rg("v2", policy=policy)})
    assert r.status_code == 202, r.text
    _drive(rcloud, watch=lambda: seen.append(len(_active(rcloud))))
    after = _outputs(rcloud, "roll", sid)["refs_map"]
    assert sorted(after) == ["0", "1", "2"]
    assert not set(after.values()) & set(before.values())  # every member replaced
    assert all(rcloud.gone(s) for s in before.values())
    # never fewer than min_in_service ACTIVE; each replacement made before the old
    # server is deleted, one at a time: 3 or 4 throughout
    assert min(seen) >= 2 and set(seen) <= {3, 4} and 4 in seen, seen
    reasons = _group_events(rcloud, "roll", sid, "group")
    batches = [x for x in reasons if x.startswith("Batch")]
    assert batches == [f"Batch {i} of 3: 1 member(s) given the new definition, 3 in "
                       "the group" for i in (1, 2, 3)], reasons
    # the highest index first, as Heat's ResourceGroup
    group = heat(rcloud, "GET", f"/stacks/roll/{sid}/resources/group").json()["resource"]
    child = group["physical_resource_id"]
    events = _events(rcloud, f"/stacks/{child}")
    child = events[0]["resource_name"]  # the nested stack's own events
    order = [(e["resource_name"], e["resource_status"]) for e in events]
    update = order.index((child, "UPDATE_IN_PROGRESS"))
    order = order[update:]
    # each replacement made (a CREATE, as Heat's) before its old member goes
    made = [n for n, status in order if status == "CREATE_COMPLETE" and n != child]
    assert made == ["2", "1", "0"], order
    # each old member kept until its replacement is made, deleted before the next batch
    for name in made:
        old = next(n for n, _ in order if n.startswith(f"{name}~"))
        assert order.index((name, "CREATE_COMPLETE")) < order.index(
            (old, "DELETE_IN_PROGRESS")) < order.index((old, "DELETE_COMPLETE")), order
    assert _stack(rcloud, "roll", sid)["stack_status"] == "UPDATE_COMPLETE"


def test_min_in_service_makes_an_extra_member_for_the_update(rcloud: Cloud) -> None:
    policy = {"rolling_update": {"max_batch_size": 1, "min_in_service": 3}}
    sid = _made(rcloud, "surge", _rg("v1", policy=policy))
    before = _outputs(rcloud, "surge", sid)["refs_map"]
    seen: list[int] = []
    assert heat(rcloud, "PUT", f"/stacks/surge/{sid}", {"template": _rg(
        "v2", policy=policy)}).status_code == 202
    _drive(rcloud, watch=lambda: seen.append(len(_active(rcloud))))
    after = _outputs(rcloud, "surge", sid)["refs_map"]
    assert sorted(after) == ["0", "1", "2"] and not set(after.values()) & set(
        before.values())
    assert min(seen) >= 3 and max(seen) <= 5, seen
    reasons = [x for x in _group_events(rcloud, "surge", sid, "group")
               if x.startswith("Batch")]
    assert reasons[0] == "Batch 1 of 5: 1 member(s) given the new definition, 4 in the " \
        "group" and reasons[-1].startswith("Batch 5 of 5: 0 member(s)"), reasons
    assert len(_active(rcloud)) == 3  # the extra member "3" dropped at the end


def test_pause_time_holds_the_next_batch(rcloud: Cloud) -> None:
    policy = {"rolling_update": {"max_batch_size": 2, "pause_time": 30}}
    sid = _made(rcloud, "pause", _rg("v1", policy=policy))
    assert heat(rcloud, "PUT", f"/stacks/pause/{sid}", {"template": _rg(
        "v2", policy=policy)}).status_code == 202
    _drive(rcloud, tick=5)
    events = [e for e in _events(rcloud, f"/stacks/pause/{sid}/resources/group")
              if e["resource_status_reason"].startswith(("Batch", "Pausing"))]
    assert [e["resource_status_reason"] for e in events] == [
        "Batch 1 of 2: 2 member(s) given the new definition, 3 in the group",
        "Pausing 30 s before batch 2 of 2",
        "Batch 2 of 2: 1 member(s) given the new definition, 3 in the group"]
    times = [datetime.strptime(e["event_time"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC).timestamp() for e in events]
    assert times[2] - times[1] >= 30, times
    assert _stack(rcloud, "pause", sid)["stack_status"] == "UPDATE_COMPLETE"


def test_no_policy_replaces_at_once_and_batch_create(rcloud: Cloud) -> None:
    sid = _made(rcloud, "plain", _rg("v1"))
    assert heat(rcloud, "PUT", f"/stacks/plain/{sid}", {"template": _rg("v2")}
                ).status_code == 202
    _drive(rcloud)
    assert not [x for x in _group_events(rcloud, "plain", sid, "group")
                if x.startswith("Batch")]
    assert _stack(rcloud, "plain", sid)["stack_status"] == "UPDATE_COMPLETE"
    made = _made(rcloud, "batched", _rg("v1", count=5, policy={
        "batch_create": {"max_batch_size": 2}}))
    assert len(_outputs(rcloud, "batched", made)["refs_map"]) == 5
    assert [x for x in _group_events(rcloud, "batched", made, "group")
            if x.startswith("Batch")] == [
        "Batch 1 of 3: 2 member(s) made, 2 in the group",
        "Batch 2 of 3: 2 member(s) made, 4 in the group",
        "Batch 3 of 3: 1 member(s) made, 5 in the group"]


def test_an_autoscaling_group_without_a_policy_rolls_one_at_a_time(rcloud: Cloud) -> None:
    """Heat's AutoScalingGroup has a default rolling_updates (min_in_service 0,
    max_batch_size 1, pause_time 0): a changed member definition goes out a member at a
    time, never the whole group at once (a ResourceGroup without a policy does)."""
    def asg(marker: str) -> dict[str, Any]:
        return {"heat_template_version": V, "resources": {"herd": {
            "type": "OS::Heat::AutoScalingGroup", "properties": {
                "min_size": 3, "max_size": 5, "resource": {
                    "type": "OS::Nova::Server", "properties": {
                        "image": "busybox", "flavor": "m1.tiny", "networks": [],
                        "user_data": marker}}}}},
            "outputs": {"refs": {"value": {"get_attr": ["herd", "refs"]}}}}
    sid = _made(rcloud, "herd", asg("v1"))
    before = _outputs(rcloud, "herd", sid)["refs"]
    seen: list[int] = []
    assert heat(rcloud, "PUT", f"/stacks/herd/{sid}", {"template": asg("v2")}
                ).status_code == 202
    _drive(rcloud, watch=lambda: seen.append(len(_active(rcloud))))
    after = _outputs(rcloud, "herd", sid)["refs"]
    assert len(after) == 3 and not set(after) & set(before)
    assert [x for x in _group_events(rcloud, "herd", sid, "herd") if x.startswith("Batch")
            ] == [f"Batch {i} of 3: 1 member(s) given the new definition, 3 in the group"
                  for i in (1, 2, 3)]
    assert min(seen) >= 2, seen  # one member replaced at a time
    assert _stack(rcloud, "herd", sid)["stack_status"] == "UPDATE_COMPLETE"


# -- an AutoScalingGroup behind a load balancer --------------------------------------------

MEMBER = "file:///tmp/r/web.yaml"
FILES = {MEMBER: """
heat_template_version: 2018-08-31
parameters:
  pool: {type: string}
  network: {type: string}
  banner: {type: string}
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: m1.tiny
      networks: [{network: {get_param: network}}]
      user_data: {get_param: banner}
  member:
    type: OS::Octavia::PoolMember
    properties:
      pool: {get_param: pool}
      address: {get_attr: [server, first_address]}
      protocol_port: 8080
outputs:
  OS::stack_id:
    value: {get_resource: server}
"""}


def _web(subnet_id: str, network: str, size: int = 3) -> dict[str, Any]:
    return {"heat_template_version": V, "parameters": {
        "banner": {"type": "string", "default": "v1"}}, "resources": {
        "lb": {"type": "OS::Octavia::LoadBalancer", "properties": {"vip_subnet": subnet_id}},
        "listener": {"type": "OS::Octavia::Listener", "properties": {
            "loadbalancer": {"get_resource": "lb"}, "protocol": "HTTP",
            "protocol_port": 80}},
        "pool": {"type": "OS::Octavia::Pool", "properties": {
            "listener": {"get_resource": "listener"}, "protocol": "HTTP",
            "lb_algorithm": "ROUND_ROBIN"}},
        "herd": {"type": "OS::Heat::AutoScalingGroup", "properties": {
            "min_size": size, "max_size": 5, "desired_capacity": size,
            "rolling_updates": {"max_batch_size": 1, "min_in_service": 2},
            "resource": {"type": "My::Web", "properties": {
                "pool": {"get_resource": "pool"}, "network": network,
                "banner": {"get_param": "banner"}}}}}},
        "outputs": {"servers": {"value": {"get_attr": ["herd", "refs"]}}}}


def test_a_rolling_update_drains_each_pool_member_first(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = subnet(rcloud)
    network = rcloud.neutron("GET", f"/subnets/{sub}").json()["subnet"]["network_id"]
    env = {"resource_registry": {"My::Web": MEMBER}}
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "web", "template": _web(
        sub, network), "files": FILES, "environment": env})
    assert r.status_code == 201, r.text
    sid = r.json()["stack"]["id"]
    _drive(rcloud)
    before = _outputs(rcloud, "web", sid)["servers"]
    assert len(before) == 3

    def rotation() -> set[str]:
        """The addresses HAProxy sends requests to now."""
        return {m.address for b in rcloud.deps.balancers.balancers.values()
                for p in b.pools for m in p.members}

    def addresses() -> dict[str, str]:
        return {sid: next(a["addr"] for net in s["addresses"].values() for a in net)
                for sid, s in _active(rcloud).items() if s["addresses"]}

    deletes: list[tuple[str, bool]] = []  # (server, its address still in rotation?)
    server = TYPES["OS::Nova::Server"]

    def delete(cloud: Any, rec: Any) -> None:
        address = addresses().get(rec.physical_id)
        deletes.append((rec.physical_id, address in rotation()))
        server.delete(cloud, rec)
    monkeypatch.setitem(TYPES, "OS::Nova::Server", replace(server, delete=delete))
    in_service: list[int] = []

    def watch() -> None:
        live = set(addresses().values())
        in_service.append(len(live & rotation()))
    # what `openstack stack update --existing --parameter banner=v2` sends: the stored
    # template, environment and files kept
    r = heat(rcloud, "PATCH", f"/stacks/web/{sid}", {
        "template": None, "parameters": {"banner": "v2"}, "files": {}, "environment": {},
        "existing": True})
    assert r.status_code == 202, r.text
    _drive(rcloud, watch=watch)
    after = _outputs(rcloud, "web", sid)["servers"]
    assert len(after) == 3 and not set(after) & set(before)
    assert sorted(s for s, _ in deletes) == sorted(before)
    assert not [s for s, serving in deletes if serving], deletes  # drained first
    assert min(in_service) >= 2 and max(in_service) <= 4, in_service
    assert len(rotation()) == 3
    reasons = [x for x in _group_events(rcloud, "web", sid, "herd")
               if x.startswith("Batch")]
    assert len(reasons) == 3, reasons
    assert _stack(rcloud, "web", sid)["stack_status"] == "UPDATE_COMPLETE"
    # a smaller group: the member's nested stack deleted, dependents first (as before)
    deletes.clear()
    r = heat(rcloud, "PATCH", f"/stacks/web/{sid}", {"template": _web(sub, network, 2)})
    assert r.status_code == 202, r.text
    _drive(rcloud)
    assert len(deletes) == 1 and not deletes[0][1], deletes
    assert len(rotation()) == 2


# -- the policies' checks ------------------------------------------------------------------

def test_bad_policies_are_400s(rcloud: Cloud) -> None:
    quiet(rcloud)

    def asg(policy: Any) -> dict[str, Any]:
        return {"heat_template_version": V, "resources": {"g": {
            "type": "OS::Heat::AutoScalingGroup", "properties": {
                "min_size": 1, "max_size": 2, "resource": {"type": "OS::Heat::None"},
                "rolling_updates": policy}}}}

    for template, message in (
            (_rg("x", policy={"rolling_update": {"max_batch_size": 0}}),
             "resources.group.update_policy.rolling_update.max_batch_size: 0 is out of "
             "range (min: 1, max: None)"),
            (_rg("x", policy={"rolling_update": {"min_in_service": -1}}),
             "min_in_service: -1 is out of range (min: 0, max: None)"),
            (_rg("x", policy={"rolling_update": {"pause_time": 4000}}),
             "Maximum pause_time allowed is 1hr(3600s), provided 4000 seconds."),
            (_rg("x", policy={"batch_create": {"min_in_service": 1}}),
             "update_policy.batch_create: Unknown Property min_in_service"),
            (_rg("x", policy={"sideways": {}}), "Unknown Property sideways"),
            (asg({"max_batch_size": 0}), "resources.g.properties.rolling_updates."
             "max_batch_size: 0 is out of range (min: 1, max: None)"),
            (asg({"pause_time": -1}), "pause_time: -1 is out of range"),
            (asg({"min_in_service": "x"}), "Value 'x' is not an integer"),
            (asg({"batch": 1}), "Unknown Property batch")):
        r = heat(rcloud, "POST", "/stacks", {"stack_name": "bad", "template": template})
        assert r.status_code == 400, (template, r.text)
        assert message in r.json()["error"]["message"], r.json()


def test_pauses_longer_than_the_timeout_fail_the_update(rcloud: Cloud) -> None:
    policy = {"rolling_update": {"max_batch_size": 1, "pause_time": 30}}
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "slow", "template": _rg(
        "v1", policy=policy), "timeout_mins": 1})
    sid = r.json()["stack"]["id"]
    _drive(rcloud)
    assert heat(rcloud, "PUT", f"/stacks/slow/{sid}", {"template": _rg(
        "v2", policy=policy)}).status_code == 202
    _drive(rcloud)
    stack = _stack(rcloud, "slow", sid)
    assert stack["stack_status"] == "UPDATE_FAILED", stack
    assert "will result in stack update timeout" in stack["stack_status_reason"]
