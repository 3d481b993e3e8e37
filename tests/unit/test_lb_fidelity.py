"""Octavia's behaviour where octavia-tempest-plugin's API tests found cheptel's apart
(scripts/tempest.py, the load-balancer selection): each test names what Octavia does."""

from __future__ import annotations

import pytest

from cheptel.backends.haproxy import without_maintenance
from cheptel.reconciler import balancers
from tests.unit.loadbalancer import made, octavia, show, subnet
from tests.unit.reconcile import Cloud


def _lb(cloud: Cloud) -> dict:
    return made(cloud, "loadbalancers", {"name": "web", "vip_subnet_id": subnet(cloud)})


def test_an_integer_attribute_takes_a_string_of_digits(rcloud: Cloud) -> None:
    """wsme reads "80" as 80 (json.py numeric_fromjson: int(value)); the plugin's L7
    tests make their listener so."""
    lb = _lb(rcloud)
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": "80"})
    assert lis["protocol_port"] == 80
    r = octavia(rcloud, "POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": "eighty"}})
    assert r.status_code == 400 and "protocol_port" in r.json()["faultstring"]


def test_listeners_and_pools_filter_on_loadbalancer_id(rcloud: Cloud) -> None:
    """Octavia's pagination maps the loadbalancer_id filter to load_balancer_id."""
    lb, other = _lb(rcloud), _lb(rcloud)
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": 80})
    made(rcloud, "listeners", {"loadbalancer_id": other["id"], "protocol": "HTTP",
                               "protocol_port": 80})
    pool = made(rcloud, "pools", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN"})
    made(rcloud, "pools", {"loadbalancer_id": other["id"], "protocol": "HTTP",
                           "lb_algorithm": "ROUND_ROBIN"})
    r = octavia(rcloud, "GET", f"/listeners?loadbalancer_id={lb['id']}")
    assert [x["id"] for x in r.json()["listeners"]] == [lis["id"]]
    r = octavia(rcloud, "GET", f"/pools?loadbalancer_id={lb['id']}")
    assert [x["id"] for x in r.json()["pools"]] == [pool["id"]]


def test_a_monitor_of_a_pool_no_listener_uses_is_online(rcloud: Cloud) -> None:
    """Octavia's worker makes an enabled monitor ONLINE (MarkHealthMonitorActiveInDB),
    a disabled one OFFLINE, whatever sends to its pool."""
    lb = _lb(rcloud)
    pool = made(rcloud, "pools", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN"})
    hm = made(rcloud, "healthmonitors", {"pool_id": pool["id"], "type": "HTTP", "delay": 2,
                                         "timeout": 1, "max_retries": 2})
    assert show(rcloud, "healthmonitors", hm["id"])["operating_status"] == "ONLINE"
    r = octavia(rcloud, "PUT", f"/healthmonitors/{hm['id']}",
                {"healthmonitor": {"admin_state_up": False}})
    assert r.status_code == 200, r.text
    rcloud.settle()
    assert show(rcloud, "healthmonitors", hm["id"])["operating_status"] == "OFFLINE"


def test_a_monitor_is_online_as_it_becomes_active(rcloud: Cloud,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """ONLINE with ACTIVE in one write, health read or not: the plugin reads the monitor
    as soon as it is ACTIVE."""
    lb = _lb(rcloud)
    pool = made(rcloud, "pools", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN"})
    monkeypatch.setattr(balancers, "apply_health", lambda *args: None)
    hm = made(rcloud, "healthmonitors", {"pool_id": pool["id"], "type": "PING", "delay": 2,
                                         "timeout": 1, "max_retries": 2})
    hm = show(rcloud, "healthmonitors", hm["id"])
    assert (hm["provisioning_status"], hm["operating_status"]) == ("ACTIVE", "ONLINE")


def test_l7_policies_and_rules_are_online_as_they_become_active(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the monitor: octavia-tempest-plugin's l7policy list reads a policy as soon as
    it is ACTIVE (ONLINE if enabled, OFFLINE if not)."""
    lb = _lb(rcloud)
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": 80})
    monkeypatch.setattr(balancers, "apply_health", lambda *args: None)
    on = made(rcloud, "l7policies", {"listener_id": lis["id"], "action": "REJECT"})
    off = made(rcloud, "l7policies", {"listener_id": lis["id"], "action": "REJECT",
                                      "admin_state_up": False})
    rule = made(rcloud, f"l7policies/{on['id']}/rules", {
        "type": "PATH", "compare_type": "STARTS_WITH", "value": "/x"})
    assert show(rcloud, "l7policies", on["id"])["operating_status"] == "ONLINE"
    assert show(rcloud, "l7policies", off["id"])["operating_status"] == "OFFLINE"
    assert show(rcloud, f"l7policies/{on['id']}/rules", rule["id"])[
        "operating_status"] == "ONLINE"


def test_the_members_of_a_pool_no_listener_uses_keep_their_status(rcloud: Cloud) -> None:
    """Octavia's health manager: such a pool is OFFLINE (HAProxy does not know it), its
    members are left as they were made (NO_MONITOR without a monitor)."""
    lb = _lb(rcloud)
    pool = made(rcloud, "pools", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN"})
    member = made(rcloud, f"pools/{pool['id']}/members",
                  {"address": "10.9.0.10", "protocol_port": 80})
    rcloud.settle()
    assert show(rcloud, "pools", pool["id"])["operating_status"] == "OFFLINE"
    assert show(rcloud, f"pools/{pool['id']}/members", member["id"])[
        "operating_status"] == "NO_MONITOR"


STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight
3 b 1 m1 192.0.2.1 0 5 50
3 b 2 m2 192.0.2.2 0 0 50
"""


def test_a_member_in_maintenance_is_not_restored_at_a_reload() -> None:
    """Enabled again, with no monitor, it is NO_MONITOR (HAProxy's "no check") as the
    plugin waits for, not DOWN from its saved STOPPED state."""
    kept = without_maintenance(STATE)
    assert "m2" in kept and "m1" not in kept and kept.startswith("1\n# be_id")
    assert without_maintenance("1\n") == "1\n"
