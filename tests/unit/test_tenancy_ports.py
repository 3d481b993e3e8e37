"""A port never attaches by its own say-so, tried as a hostile project would.

The API refuses a port naming another project's server or router (see test_tenancy_ids);
here the crossing rows are written straight into the database (as a bug or a hand edit
would) and every consumer of device_id must still ignore them: the server's addresses,
interfaces and security groups, the reconciler's wiring of the server (boot, hot-plug,
rebuild), the router and firewall ruleset, floating IPs and port status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cheptel.backends.firewall import prefix_for
from cheptel.network.models import FloatingIP, Network, Port, PortSecurityGroup
from cheptel.network.service import floatingips, ports
from cheptel.network.service.common import SYSTEM
from cheptel.reconciler.servers import container_name
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import MakeApi
from tests.unit.hostile import World, populate

S = "/compute/v2.1/servers"


def _settle(w: World, server_id: str) -> dict:
    """Run the reconciler for the server until it has no task left (the fake engine)."""
    for _ in range(10):
        w.deps.reconciler.convergers["compute"].converge(server_id)
        server = w.ok("admin", "GET", f"{S}/{server_id}")["server"]
        if server["OS-EXT-STS:task_state"] is None and server["status"] != "BUILD":
            return server
    raise AssertionError(f"server {server_id} did not settle: {server['status']}")


@pytest.fixture
def world(make_api: MakeApi) -> World:
    api = make_api()
    w = populate(World(api.client, api.deps))
    assert _settle(w, w.ids["victim_server"])["status"] == "ACTIVE"
    return w


def _cross(w: World) -> dict[str, str]:
    """Mallory's rows that name the victim's devices, written past the API."""
    made = {}
    with w.deps.sessions() as db, db.begin():
        net = db.get(Network, w.ids["mallory_net"])
        mallory = w.ids["mallory_project"]
        made["nic"] = ports.create(db, 1.0, net, mallory, {
            "device_id": w.ids["victim_server"], "device_owner": "compute:nova"}).id
        made["iface"] = ports.create(db, 1.0, net, mallory, {
            "device_id": w.ids["victim_router"], "device_owner": "network:router_interface",
            "fixed_ips": [{"ip_address": "10.66.0.1"}]}).id
        victim_nic = db.scalar(select(Port).where(Port.device_id == w.ids["victim_server"],
                                                  Port.project_id == w.ids["victim_project"]))
        made["victim_nic"] = victim_nic.id
        db.add(PortSecurityGroup(port_id=victim_nic.id, security_group_id=w.ids["mallory_sg"]))
        public = db.scalar(select(Network).where(Network.name == "public"))
        fip = floatingips.create(db, 1.0, SYSTEM, mallory, {"floating_network_id": public.id})
        fip.port_id, fip.fixed_ip_address = victim_nic.id, victim_nic.fixed_ips[0].ip_address
        made["fip"] = fip.floating_ip_address
    return made


def test_a_crossing_port_is_not_the_servers(world: World) -> None:
    w = world
    made = _cross(w)
    server = w.ok("victim", "GET", f"{S}/{w.ids['victim_server']}")["server"]
    assert list(server["addresses"]) == ["private"]
    assert [g["name"] for g in server["security_groups"]] == ["default"]
    ifaces = w.ok("victim", "GET", f"{S}/{w.ids['victim_server']}/os-interface")
    assert [i["port_id"] for i in ifaces["interfaceAttachments"]] == [made["victim_nic"]]
    assert w.call("victim", "GET", f"{S}/{w.ids['victim_server']}/os-interface/"
                  f"{made['nic']}").status_code == 404
    groups = w.ok("victim", "GET", f"{S}/{w.ids['victim_server']}/os-security-groups")
    assert [g["id"] for g in groups["security_groups"]] == [w.ids["victim_sg"]]
    # the victim's own calls still work around the planted row (no 404 through it)
    assert w.call("victim", "POST", f"{S}/{w.ids['victim_server']}/action",
                  {"addSecurityGroup": {"name": "default"}}).status_code == 202


def test_the_reconciler_does_not_plug_a_crossing_port(world: World) -> None:
    w = world
    _cross(w)
    engine, sid = w.deps.containers, w.ids["victim_server"]
    mine = bridge_for(w.deps.cloud_id, w.ids["victim_net"])

    def bridges() -> list[str]:
        return [nic.bridge for nic in engine.plumbing.interfaces(container_name(sid)).values()]
    w.deps.reconciler.convergers["compute"].converge(sid)  # hot-plug pass
    assert bridges() == [mine]
    w.ok("victim", "POST", f"{S}/{sid}/action", {"rebuild": {"imageRef": w.ids["image"]}})
    assert _settle(w, sid)["status"] == "ACTIVE"  # a new container, from the ports again
    assert bridges() == [mine]


def test_router_and_firewall_rules_ignore_crossing_rows(world: World) -> None:
    w = world
    made = _cross(w)
    w.deps.reconciler.convergers["network"].converge()
    rs = w.deps.firewall.rulesets[prefix_for(w.deps.cloud_id)]
    text = "\n".join(r for chains in rs.tables.values() for rules in chains.values()
                     for r in rules)
    attacker = bridge_for(w.deps.cloud_id, w.ids["mallory_net"])
    victim = bridge_for(w.deps.cloud_id, w.ids["victim_net"])
    assert f"-i {attacker} -o {victim} -j ACCEPT" not in text  # the router does not forward
    assert f"-i {victim} -o {attacker} -j ACCEPT" not in text
    assert made["nic"].replace("-", "")[:14] not in text  # no chain for the planted NIC
    assert made["fip"] not in text  # no DNAT of mallory's floating IP to the victim
    victim_chain = rs.name("I" + made["victim_nic"].replace("-", "")[:14])
    assert victim_chain in rs.tables["filter"]  # the victim's own port is filtered as before
    with w.deps.sessions() as db:
        nic = db.get(Port, made["nic"])
        assert (nic.status, nic.binding_vif_type) == ("DOWN", "unbound")
        assert db.scalar(select(FloatingIP.port_id).where(
            FloatingIP.floating_ip_address == made["fip"])) == made["victim_nic"]


def test_a_crossing_router_interface_is_no_interface(world: World) -> None:
    w = world
    made = _cross(w)
    # the victim may delete its router's real interface and the router; the planted port
    # neither blocks that nor is removed as one of its interfaces
    assert w.call("victim", "PUT", f"/network/v2.0/routers/{w.ids['victim_router']}/"
                  "remove_router_interface", {"port_id": made["iface"]}).status_code == 404
    # mallory's floating IP cannot reach her port through the victim's router
    r = w.call("mallory", "POST", "/network/v2.0/floatingips", {"floatingip": {
        "floating_network_id": w.ok("mallory", "GET", "/network/v2.0/networks?name=public"
                                    )["networks"][0]["id"],
        "port_id": w.ids["mallory_port"]}})
    assert r.status_code == 404 and "ExternalGatewayForFloatingIPNotFound" in r.text


def test_a_deleted_server_releases_only_its_own_ports(world: World) -> None:
    w = world
    made = _cross(w)
    sid = w.ids["victim_server"]
    assert w.call("victim", "DELETE", f"{S}/{sid}").status_code == 204
    w.deps.reconciler.convergers["compute"].converge(sid)
    with w.deps.sessions() as db:
        assert db.get(Port, made["victim_nic"]) is None  # Nova's own port: deleted
        assert db.get(Port, made["nic"]).device_id == sid  # mallory's: not touched
