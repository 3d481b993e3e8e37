"""Octavia's API over the in-process cloud (fake engine and balancers, the reconciler
run by hand): the provisioning state machine (PENDING_* -> ACTIVE, 409 while pending),
the tree made into the balancer engine's spec, health read back into operating_status,
cascade delete, and Octavia's 4xx bodies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cheptel.loadbalancer.models import LoadBalancer, Member
from cheptel.network.models import Port
from cheptel.reconciler import balancers
from tests.unit.loadbalancer import made, octavia, show, subnet
from tests.unit.reconcile import Cloud


def _lb(cloud: Cloud, **extra: object) -> dict:
    return made(cloud, "loadbalancers", {"name": "web", "vip_subnet_id": subnet(cloud),
                                         **extra})


def test_a_load_balancer_is_pending_then_active_with_its_vip_port(rcloud: Cloud) -> None:
    sid = subnet(rcloud)
    r = octavia(rcloud, "POST", "/loadbalancers", {"loadbalancer": {
        "name": "web", "vip_subnet_id": sid}})
    assert r.status_code == 201, r.text
    lb = r.json()["loadbalancer"]
    assert (lb["provisioning_status"], lb["operating_status"]) == ("PENDING_CREATE",
                                                                   "OFFLINE")
    assert lb["vip_address"].startswith("10.9.0.") and lb["provider"] == "amphora"
    r = octavia(rcloud, "PUT", f"/loadbalancers/{lb['id']}", {"loadbalancer": {"name": "x"}})
    assert r.status_code == 409 and "PENDING_CREATE" in r.json()["faultstring"]
    rcloud.settle()
    lb = show(rcloud, "loadbalancers", lb["id"])
    assert (lb["provisioning_status"], lb["operating_status"]) == ("ACTIVE", "ONLINE")
    port = rcloud.neutron("GET", f"/ports/{lb['vip_port_id']}").json()["port"]
    assert port["device_owner"] == "Octavia" and port["device_id"] == f"lb-{lb['id']}"
    assert port["status"] == "ACTIVE"
    assert lb["id"] in rcloud.deps.balancers.running()


def test_a_tree_becomes_the_balancer_spec_and_health_comes_back(rcloud: Cloud) -> None:
    lb = _lb(rcloud)
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": 80,
                                     "insert_headers": {"X-Forwarded-For": "true"}})
    pool = made(rcloud, "pools", {"listener_id": lis["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN",
                                  "session_persistence": {"type": "HTTP_COOKIE"}})
    members = [made(rcloud, f"pools/{pool['id']}/members",
                    {"address": f"10.9.0.{n}", "protocol_port": 8080}) for n in (10, 11)]
    assert show(rcloud, f"pools/{pool['id']}/members", members[0]["id"])[
        "operating_status"] == "NO_MONITOR"
    hm = made(rcloud, "healthmonitors", {"pool_id": pool["id"], "type": "HTTP", "delay": 2,
                                         "timeout": 1, "max_retries": 2,
                                         "url_path": "/health"})
    spec = rcloud.deps.balancers.balancers[lb["id"]]
    assert spec.listeners[0].port == 80 and spec.listeners[0].default_pool_id == pool["id"]
    assert spec.listeners[0].insert_headers == (("X-Forwarded-For", "true"),)
    assert sorted(m.address for m in spec.pools[0].members) == ["10.9.0.10", "10.9.0.11"]
    assert spec.pools[0].monitor is not None and spec.pools[0].monitor.url_path == "/health"
    assert spec.pools[0].persistence is not None
    for kind, obj in (("loadbalancers", lb), ("listeners", lis), ("pools", pool),
                      ("healthmonitors", hm)):
        doc = show(rcloud, kind, obj["id"])
        assert (doc["provisioning_status"], doc["operating_status"]) == ("ACTIVE",
                                                                         "ONLINE"), doc
    rcloud.deps.balancers.member_status[members[1]["id"]] = "DOWN"
    rcloud.deps.reconciler.convergers["load-balancer"].read_health(lb["id"])
    assert show(rcloud, f"pools/{pool['id']}/members", members[1]["id"])[
        "operating_status"] == "ERROR"
    assert show(rcloud, "pools", pool["id"])["operating_status"] == "DEGRADED"
    assert show(rcloud, "loadbalancers", lb["id"])["operating_status"] == "DEGRADED"
    tree = octavia(rcloud, "GET", f"/loadbalancers/{lb['id']}/status").json()["statuses"]
    tpool = tree["loadbalancer"]["listeners"][0]["pools"][0]
    assert tpool["health_monitor"]["id"] == hm["id"] and len(tpool["members"]) == 2
    stats = octavia(rcloud, "GET", f"/loadbalancers/{lb['id']}/stats").json()["stats"]
    assert set(stats) == {"bytes_in", "bytes_out", "active_connections",
                          "total_connections", "request_errors"}


def test_children_lock_the_balancer_and_deletes_remove_them(rcloud: Cloud) -> None:
    lb = _lb(rcloud)
    pool = made(rcloud, "pools", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                                  "lb_algorithm": "LEAST_CONNECTIONS"})
    made(rcloud, f"pools/{pool['id']}/members", {"address": "10.9.0.5",
                                                  "protocol_port": 22}, settle=False)
    r = octavia(rcloud, "POST", f"/pools/{pool['id']}/members", {"member": {
        "address": "10.9.0.6", "protocol_port": 22}})
    assert r.status_code == 409
    assert r.json() == {"faultcode": "Client", "debuginfo": None, "faultstring":
                        f"Load Balancer {lb['id']} is immutable and cannot be updated."}
    rcloud.settle()
    r = octavia(rcloud, "DELETE", f"/loadbalancers/{lb['id']}")
    assert r.status_code == 400 and "it has children" in r.json()["faultstring"]
    r = octavia(rcloud, "DELETE", f"/loadbalancers/{lb['id']}?cascade=true")
    assert r.status_code == 204
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "PENDING_DELETE"
    rcloud.settle()
    assert octavia(rcloud, "GET", f"/loadbalancers/{lb['id']}").status_code == 404
    with rcloud.deps.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Member)) == 0
        assert db.get(Port, lb["vip_port_id"]) is None
    assert lb["id"] not in rcloud.deps.balancers.running()


def test_a_refused_configuration_is_error_and_a_failover_retries(rcloud: Cloud) -> None:
    lb = _lb(rcloud)
    rcloud.deps.balancers.refuse("[ALERT] parsing: bad")
    made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                               "protocol_port": 443}, settle=False)
    rcloud.settle(errors_expected=True)
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "ERROR"
    failover = f"/loadbalancers/{lb['id']}/failover"
    assert octavia(rcloud, "PUT", failover).status_code == 403  # the admin's
    r = octavia(rcloud, "PUT", failover, token=rcloud.api.admin())
    assert r.status_code == 202
    rcloud.settle()
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "ACTIVE"


def test_a_change_not_taken_in_time_is_tried_again_then_error(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(balancers, "RETRY_EVERY", 0.0)
    lb = _lb(rcloud)
    rcloud.deps.balancers.stall(2)  # two reloads time out on a loaded host, the third works
    made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                               "protocol_port": 443}, settle=False)
    rcloud.settle()
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "ACTIVE"
    assert [x.port for x in rcloud.deps.balancers.balancers[lb["id"]].listeners] == [443]
    # an ACTIVE one whose HAProxy went and does not come back in time stays ACTIVE: the
    # next scan tries again
    rcloud.deps.balancers.balancers.clear()
    rcloud.deps.balancers.stall(1)
    rcloud.pass_once()
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "ACTIVE"
    assert lb["id"] not in rcloud.deps.balancers.balancers
    rcloud.pass_once()
    assert lb["id"] in rcloud.deps.balancers.balancers
    monkeypatch.setattr(balancers, "RETRY_FOR", 0.0)  # a minute of tries has passed
    rcloud.deps.balancers.stall(1)
    made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                               "protocol_port": 22}, settle=False)
    rcloud.settle(errors_expected=True)
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "ERROR"
    with rcloud.deps.sessions() as db:
        assert db.get(LoadBalancer, lb["id"]).error == "HAProxy did not reload"


def test_a_restart_leaves_nothing_pending(rcloud: Cloud) -> None:
    lb = _lb(rcloud)
    made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                               "protocol_port": 80}, settle=False)
    rcloud.deps.balancers.balancers.clear()
    keys = rcloud.deps.reconciler.convergers["load-balancer"].scan(True)
    assert lb["id"] in keys
    rcloud.deps.reconciler.schedule("load-balancer", *keys)
    rcloud.settle()
    assert show(rcloud, "loadbalancers", lb["id"])["provisioning_status"] == "ACTIVE"
    with rcloud.deps.sessions() as db:
        assert db.get(LoadBalancer, lb["id"]) is not None


def test_octavia_refusals(rcloud: Cloud) -> None:
    sid = subnet(rcloud)
    for body, code, text in (
            ({"name": "x"}, 400, "VIP must contain one of"),
            ({"vip_subnet_id": "nope"}, 400, "Subnet nope not found"),
            ({"vip_subnet_id": sid, "provider": "f5"}, 400, "not enabled"),
            ({"vip_subnet_id": sid, "bogus": 1}, 400, ""),
            ({"vip_subnet_id": sid, "admin_state_up": "yes"}, 400, "")):
        r = octavia(rcloud, "POST", "/loadbalancers", {"loadbalancer": body})
        assert r.status_code == code and text in r.json()["faultstring"], r.text
    lb = made(rcloud, "loadbalancers", {"vip_subnet_id": sid})
    for protocol, code in (("UDP", 501), ("SCTP", 501), ("TERMINATED_HTTPS", 400),
                           ("FTP", 400)):
        r = octavia(rcloud, "POST", "/listeners", {"listener": {
            "loadbalancer_id": lb["id"], "protocol": protocol, "protocol_port": 53}})
        assert r.status_code == code, r.text
    made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                               "protocol_port": 53})
    r = octavia(rcloud, "POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 53}})
    assert r.status_code == 409 and "protocol_port 53" in r.json()["faultstring"]
    assert octavia(rcloud, "GET", "/listeners/nope").json()["faultstring"] == \
        "Listener nope not found."


def test_a_balancer_whose_haproxy_went_is_made_again(rcloud: Cloud) -> None:
    lb = _lb(rcloud)
    made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                               "protocol_port": 22})
    rcloud.deps.balancers.balancers.clear()  # killed behind cheptel's back
    converger = rcloud.deps.reconciler.convergers["load-balancer"]
    keys = converger.scan()
    assert lb["id"] in keys
    rcloud.deps.reconciler.schedule("load-balancer", *keys)
    rcloud.settle()
    assert rcloud.deps.balancers.balancers[lb["id"]].listeners[0].port == 22
    with rcloud.deps.sessions() as db, db.begin():
        db.get(LoadBalancer, lb["id"]).provisioning_status = "ERROR"
    assert lb["id"] not in converger.scan()  # ERROR waits for a failover or a change


def test_statistics_add_up_over_reloads(rcloud: Cloud) -> None:
    """HAProxy's counters start at 0 with each new worker: the listener's row sums them,
    as Octavia's listener_statistics."""
    from cheptel.backends.balancer import ListenerStats
    lb = _lb(rcloud)
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                                     "protocol_port": 22})
    converger = rcloud.deps.reconciler.convergers["load-balancer"]
    fake = rcloud.deps.balancers
    for counted in (10, 25, 5, 7):  # 25 -> 5: a reload in between
        fake.stats[lis["id"]] = ListenerStats(bytes_in=counted * 100, total_connections=counted,
                                              active_connections=2)
        converger.read_health(lb["id"])
    stats = octavia(rcloud, "GET", f"/loadbalancers/{lb['id']}/stats").json()["stats"]
    # from the 0 read when the listener was made: +10, +15, +5 (a reset), +2
    assert stats["total_connections"] == 32 and stats["bytes_in"] == 3200
    assert stats["active_connections"] == 2
    assert octavia(rcloud, "GET", f"/listeners/{lis['id']}/stats").json()["stats"] == stats
    rcloud.deps.reconciler.convergers["load-balancer"]._seen.clear()  # a cheptel start
    fake.stats[lis["id"]] = ListenerStats(total_connections=9)
    converger.read_health(lb["id"])  # only marks: what ran meanwhile is not known
    stats = octavia(rcloud, "GET", f"/loadbalancers/{lb['id']}/stats").json()["stats"]
    assert stats["total_connections"] == 32


def test_the_health_of_every_balancer_is_written_in_one_transaction(rcloud: Cloud) -> None:
    """The watcher reads every ACTIVE balancer's HAProxy each second: one write for all
    of them (SQLite has one writer: a transaction each held it once per balancer)."""
    from sqlalchemy import event

    from cheptel.backends.balancer import ListenerStats
    listeners = []
    for name in ("a", "b", "c"):
        lb = _lb(rcloud, name=name)
        listeners.append((lb["id"], made(rcloud, "listeners", {
            "loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 22})["id"]))
    converger = rcloud.deps.reconciler.convergers["load-balancer"]
    converger.read_health(*(lb_id for lb_id, _ in listeners))  # the first read marks
    for count, (_, lis) in enumerate(listeners, 1):
        rcloud.deps.balancers.stats[lis] = ListenerStats(total_connections=count)
    commits: list[object] = []

    def committed(session: object) -> None:
        commits.append(session)
    event.listen(rcloud.deps.sessions, "after_commit", committed)
    try:
        converger.read_health(*(lb_id for lb_id, _ in listeners))
    finally:
        event.remove(rcloud.deps.sessions, "after_commit", committed)
    assert len(commits) == 1
    for count, (lb_id, _) in enumerate(listeners, 1):
        stats = octavia(rcloud, "GET", f"/loadbalancers/{lb_id}/stats").json()["stats"]
        assert stats["total_connections"] == count


def test_updates_store_a_null_name_as_empty_and_tags_once(rcloud: Cloud) -> None:
    lb = _lb(rcloud)
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "TCP",
                                     "protocol_port": 22, "name": "x"})
    for path, root in ((f"/loadbalancers/{lb['id']}", "loadbalancer"),
                       (f"/listeners/{lis['id']}", "listener")):
        r = octavia(rcloud, "PUT", path, {root: {"name": None, "description": None,
                                                 "tags": ["a", "b", "a"]}})
        assert r.status_code == 200, r.text
        doc = r.json()[root]
        assert (doc["name"], doc["description"], doc["tags"]) == ("", "", ["a", "b"])
        rcloud.settle()
