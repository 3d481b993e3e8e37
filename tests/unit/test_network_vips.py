"""Load balancers' VIPs as namespaces (cheptel.reconciler.vips), over the fake plumbing:
one veth named as a server port's, a default route via the subnet's gateway, the port's
rules, ACTIVE and bound; gone with its load balancer; never for a port that is not the
load balancer's own."""

from __future__ import annotations

from typing import Any

from cheptel.backends.plumbing import balancer_namespace, host_veth, parse_router_namespace
from cheptel.loadbalancer.models import LoadBalancer
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import ADMIN_PASSWORD
from tests.unit.reconcile import Cloud


def _ok(r: Any, status: int = 201) -> dict:
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def _converge(cloud: Cloud) -> None:
    cloud.deps.reconciler.kick_network()
    cloud.settle()


def _private(cloud: Cloud) -> tuple[dict, dict]:
    (net,) = _ok(cloud.neutron("GET", "/networks?name=private"), 200)["networks"]
    (sub,) = _ok(cloud.neutron("GET", "/subnets?name=private-subnet"), 200)["subnets"]
    return net, sub


def _balancer(cloud: Cloud, lb_id: str, owner: str = "Octavia", device: str | None = None,
              row_project: str | None = None) -> dict:
    """A VIP port as Octavia makes it (device_owner Octavia, device_id lb-<id>), and the
    load balancer's row (of the port's project unless said)."""
    net, sub = _private(cloud)
    port = _ok(cloud.neutron("POST", "/ports", {"port": {
        "network_id": net["id"], "name": f"octavia-lb-{lb_id}", "admin_state_up": False,
        "device_owner": owner, "device_id": device or f"lb-{lb_id}"}}))["port"]
    with cloud.deps.sessions() as db, db.begin():
        db.add(LoadBalancer(
            id=lb_id, project_id=row_project or port["project_id"], name="lb",
            provisioning_status="ACTIVE", operating_status="ONLINE",
            vip_address=port["fixed_ips"][0]["ip_address"], vip_port_id=port["id"],
            vip_subnet_id=sub["id"], vip_network_id=net["id"], provider="amphora",
            created_at=0.0))
    return port


def _port(cloud: Cloud, port_id: str) -> dict:
    return _ok(cloud.neutron("GET", f"/ports/{port_id}"), 200)["port"]  # type: ignore[no-any-return]


def test_a_vip_gets_a_namespace_its_rules_and_is_active(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    port = _balancer(rcloud, "lb-one")
    _converge(rcloud)
    plumbing = rcloud.engine.plumbing
    name = balancer_namespace(cid, "lb-one")
    assert plumbing.balancers(cid) == {name: "lb-one"}
    # a VIP namespace is no router's: the router pass would remove it otherwise
    assert parse_router_namespace(name, cid) is None and name not in plumbing.routers(cid)
    space = plumbing.namespaces_of_routers[name]
    net, sub = _private(rcloud)
    (veth,) = space.ports
    ip = port["fixed_ips"][0]["ip_address"]
    assert (veth.inner_name, veth.host_name, veth.bridge, veth.mac, veth.addresses) == (
        "vip", host_veth(cid, port["id"]), bridge_for(cid, net["id"]), port["mac_address"],
        (f"{ip}/24",))
    assert space.gateway == sub["gateway_ip"] and not space.forwarding and space.nat == ""
    # the port's own chains, as a server port's: anti-spoofing on its veth and address
    rules = rcloud.rules()
    assert [r for r in rules if "filter" in r and veth.host_name in r]
    assert [r for r in rules if "filter" in r and ip in r and port["mac_address"] in r]
    shown = _port(rcloud, port["id"])
    assert shown["status"] == "ACTIVE"
    admin = rcloud.token
    rcloud.token = rcloud.api.token("admin", ADMIN_PASSWORD, "admin")  # sees bindings
    assert _port(rcloud, port["id"])["binding:host_id"]
    rcloud.token = admin
    # a second pass leaves it as it is
    calls = len(plumbing.calls)
    _converge(rcloud)
    assert ("ensure_router", name) not in plumbing.calls[calls:]


def test_a_gone_load_balancer_takes_its_namespace(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    _balancer(rcloud, "lb-two")
    _converge(rcloud)
    assert rcloud.engine.plumbing.balancers(cid)
    with rcloud.deps.sessions() as db, db.begin():
        row = db.get(LoadBalancer, "lb-two")
        assert row is not None
        db.delete(row)
    _converge(rcloud)
    assert rcloud.engine.plumbing.balancers(cid) == {}
    assert ("remove_router", balancer_namespace(cid, "lb-two")) in rcloud.engine.plumbing.calls


def test_a_port_that_is_not_the_load_balancers_own_gets_nothing(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    ports = [_balancer(rcloud, "lb-a", owner="compute:nova"),
             _balancer(rcloud, "lb-b", device="lb-somebody-else"),
             _balancer(rcloud, "lb-c", row_project="another-project")]
    _converge(rcloud)
    assert rcloud.engine.plumbing.balancers(cid) == {}
    for port in ports:
        assert _port(rcloud, port["id"])["status"] == "DOWN"


def test_a_namespace_that_failed_is_made_at_the_next_pass(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    port = _balancer(rcloud, "lb-three")
    plumbing = rcloud.engine.plumbing
    _converge(rcloud)  # the bootstrap's router first
    plumbing.namespaces_of_routers.pop(balancer_namespace(cid, "lb-three"))
    plumbing.fail("ensure_router")
    _converge(rcloud)
    assert plumbing.balancers(cid) == {}
    assert _port(rcloud, port["id"])["status"] == "DOWN"  # its traffic dropped meanwhile
    _converge(rcloud)
    assert plumbing.balancers(cid) and _port(rcloud, port["id"])["status"] == "ACTIVE"
