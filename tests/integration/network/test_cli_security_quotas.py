"""Security groups, their rules and network quotas through the unmodified openstack CLI."""

from __future__ import annotations

import uuid

from tests.integration.cloud import Cloud
from tests.integration.network.neutron_http import Neutron


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_security_group_and_rules(net_cloud: Cloud) -> None:
    name = _name("cli-sg")
    group = net_cloud.cli("security", "group", "create", name)
    assert {(r["direction"], r["ethertype"]) for r in group["rules"]} == {
        ("egress", "IPv4"), ("egress", "IPv6")}
    ssh = net_cloud.cli("security", "group", "rule", "create", "--protocol", "tcp",
                        "--dst-port", "22", name)
    assert (ssh["protocol"], ssh["port_range_min"], ssh["port_range_max"]) == ("tcp", 22, 22)
    assert ssh["direction"] == "ingress"
    ranged = net_cloud.cli("security", "group", "rule", "create", "--protocol", "udp",
                           "--remote-ip", "192.0.2.0/24", name)
    assert ranged["remote_ip_prefix"] == "192.0.2.0/24"
    peers = net_cloud.cli("security", "group", "rule", "create", "--protocol", "icmp",
                          "--remote-group", name, name)
    assert peers["remote_group_id"] == group["id"] and peers["remote_ip_prefix"] is None
    twice = net_cloud.cli("security", "group", "rule", "create", "--protocol", "tcp",
                          "--dst-port", "22", name, check=False, as_json=False)
    assert twice.returncode != 0 and f"Rule id is {ssh['id']}" in twice.stderr
    listed = net_cloud.cli("security", "group", "rule", "list", name)
    assert {r["ID"] for r in listed} >= {ssh["id"], ranged["id"], peers["id"]}
    assert len(listed) == 5
    net_cloud.cli("security", "group", "delete", name, as_json=False)
    assert net_cloud.cli("security", "group", "show", group["id"], check=False,
                         as_json=False).returncode != 0


def test_default_group_cannot_be_deleted(net_cloud: Cloud) -> None:
    refused = net_cloud.cli("security", "group", "delete", "default", cloud="cheptel-demo",
                            check=False, as_json=False)
    assert refused.returncode != 0 and "409" in refused.stderr
    assert "default security group" in refused.stderr


def test_quota_show_set_and_exceed(net_cloud: Cloud, neutron: Neutron) -> None:
    who = neutron.add_user("member")
    user, password, project = neutron.logins[who]
    shown = net_cloud.cli("quota", "show", project)
    limits = {row["Resource"]: row["Limit"] for row in shown}
    assert (limits["networks"], limits["subnets"], limits["ports"]) == (100, 100, 500)
    assert (limits["routers"], limits["floating_ips"], limits["security_groups"]) == (10, 50, 10)
    net_cloud.cli("quota", "set", "--networks", "2", project, as_json=False)
    for _ in range(2):
        neutron.network(who=who)
    over = net_cloud.cli("--os-username", user, "--os-password", password,
                         "--os-project-name", project, "network", "create", _name("over"),
                         check=False, as_json=False)
    assert over.returncode != 0 and "409" in over.stderr
    assert "Quota exceeded for resources: ['network']" in over.stderr
    usage = neutron.ok("GET", f"/quotas/{neutron.project_id(project)}/details", who=who)
    assert usage["quota"]["network"] == {"limit": 2, "used": 2, "reserved": 0}
