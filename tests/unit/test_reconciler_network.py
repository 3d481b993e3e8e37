"""The network converger over the fake engine and firewall: the bridges and rules a few
topologies become. Rules are matched by what they must mention (addresses, bridges, ports),
not by their exact iptables syntax."""

from __future__ import annotations

from typing import Any

import pytest

from cheptel.backends.engine import LABEL_CLOUD
from cheptel.backends.plumbing import Bridge, host_veth
from cheptel.reconciler.network import NetworkConverger
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import ADMIN_PASSWORD
from tests.unit.reconcile import Cloud


def _converge(cloud: Cloud) -> None:
    cloud.deps.reconciler.kick_network()
    cloud.settle()


def _ok(r: Any, status: int = 201) -> dict:
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def _network(cloud: Cloud, name: str) -> dict:
    nets = _ok(cloud.neutron("GET", f"/networks?name={name}"), 200)["networks"]
    assert len(nets) == 1, nets
    return nets[0]  # type: ignore[no-any-return]


def _with(rules: list[str], *words: str) -> list[str]:
    return [r for r in rules if all(w in r for w in words)]


def _nics(cloud: Cloud, sid: str) -> dict[str, Any]:
    """The interfaces in the server's container: name -> NIC."""
    return cloud.engine.plumbing.interfaces(f"cheptel-{sid}")  # type: ignore[no-any-return]


def _server_port(cloud: Cloud, sid: str) -> dict:
    (port,) = _ok(cloud.neutron("GET", f"/ports?device_id={sid}"), 200)["ports"]
    return port  # type: ignore[no-any-return]


def test_the_bootstrap_networks_become_bridges_and_router1_a_namespace(rcloud: Cloud) -> None:
    _converge(rcloud)
    cid = rcloud.deps.cloud_id
    private, public = _network(rcloud, "private"), _network(rcloud, "public")
    # the host holds the external network's gateway only: private's is router1's
    for net, address in ((private, None), (public, "172.24.4.1/24")):
        bridge = rcloud.engine.plumbing.links[bridge_for(cid, net["id"])]
        assert (bridge.cloud, bridge.network_id, bridge.address) == (cid, net["id"], address)
    bpriv, bpub = bridge_for(cid, private["id"]), bridge_for(cid, public["id"])
    (space,) = rcloud.engine.plumbing.namespaces_of_routers.values()
    ports = {p.inner_name[:3]: p for p in space.ports}
    assert (ports["qr-"].bridge, ports["qr-"].addresses) == (bpriv, ("10.0.0.1/24",))
    assert ports["qg-"].bridge == bpub and space.gateway == "172.24.4.1"
    # router1 hides private behind its gateway address, in its namespace, not the host's
    gateway = ports["qg-"].addresses[0].split("/")[0]
    assert f"-o {ports['qg-'].inner_name} -j SNAT --to-source {gateway}" in space.nat
    rules = rcloud.rules()
    assert not _with(rules, "nat", "SNAT")
    assert not _with(rules, "filter", f"-i {bpriv}", f"-o {bpub}", "ACCEPT")


def test_a_server_port_is_wired_filtered_and_active(rcloud: Cloud) -> None:
    private = _network(rcloud, "private")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    port = _server_port(rcloud, sid)
    ip = port["fixed_ips"][0]["ip_address"]
    veth = host_veth(rcloud.deps.cloud_id, port["id"])
    (name, nic), = _nics(rcloud, sid).items()  # the container is plumbed as the port says
    assert (name, nic.host_name, nic.bridge, nic.mac, nic.address, nic.prefixlen,
            nic.gateway, nic.mtu) == (
        "eth0", veth, bridge_for(rcloud.deps.cloud_id, private["id"]), port["mac_address"],
        ip, 24, "10.0.0.1", 1500)
    rules = rcloud.rules()
    assert veth and _with(rules, "filter", veth)  # its traffic out is checked
    assert _with(rules, "filter", ip, port["mac_address"])  # anti-spoofing: its own pair
    assert _with(rules, "filter", f"{ip}/32")  # its traffic in is checked
    assert _server_port(rcloud, sid)["status"] == "ACTIVE"

    rcloud.nova("DELETE", f"/servers/{sid}")
    rcloud.settle()
    assert not _with(rcloud.rules(), ip) and not _with(rcloud.rules(), veth)


def test_a_stopped_server_has_no_veth_and_its_port_goes_down(rcloud: Cloud) -> None:
    private = _network(rcloud, "private")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    rcloud.act(sid, "os-stop")
    rcloud.settle()
    _converge(rcloud)
    assert _server_port(rcloud, sid)["status"] == "DOWN"
    rcloud.act(sid, "os-start")
    rcloud.settle()
    assert _server_port(rcloud, sid)["status"] == "ACTIVE"
    rcloud.engine.stop(f"cheptel-{sid}", 0)  # behind its back
    rcloud.pass_once()
    assert _server_port(rcloud, sid)["status"] == "DOWN"
    rcloud.act(sid, "os-start")
    rcloud.settle()
    assert set(_nics(rcloud, sid)) == {"eth0"}
    rcloud.engine.restart(f"cheptel-{sid}", 0)  # behind its back: a new namespace
    assert _nics(rcloud, sid) == {}
    rcloud.pass_once()  # the periodic pass plumbs it again
    assert set(_nics(rcloud, sid)) == {"eth0"}
    assert _server_port(rcloud, sid)["status"] == "ACTIVE"


def test_a_security_group_rule_opens_its_port(rcloud: Cloud) -> None:
    private = _network(rcloud, "private")
    rcloud.active("web", networks=[{"uuid": private["id"]}])
    assert not _with(rcloud.rules(), "8080")
    groups = _ok(rcloud.neutron("GET", "/security-groups?name=default"), 200)
    group = groups["security_groups"][0]["id"]
    _ok(rcloud.neutron("POST", "/security-group-rules", {"security_group_rule": {
        "security_group_id": group, "direction": "ingress", "protocol": "tcp",
        "port_range_min": 8080, "port_range_max": 8080}}))
    rcloud.settle()  # the API kicked the network converger
    assert _with(rcloud.rules(), "filter", "tcp", "8080")


def test_a_floating_ip_is_dnat_and_snat_to_the_fixed_address(rcloud: Cloud) -> None:
    private, public = _network(rcloud, "private"), _network(rcloud, "public")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    port = _server_port(rcloud, sid)
    fixed = port["fixed_ips"][0]["ip_address"]
    fip = _ok(rcloud.neutron("POST", "/floatingips", {"floatingip": {
        "floating_network_id": public["id"], "port_id": port["id"]}}))["floatingip"]
    rcloud.settle()
    address = fip["floating_ip_address"]

    def router1():  # type: ignore[no-untyped-def]
        (space,) = rcloud.engine.plumbing.namespaces_of_routers.values()
        return space
    # in router1's namespace: the address on its gateway, NAT both ways
    assert f"-d {address}/32 -j DNAT --to-destination {fixed}" in router1().nat
    assert f"-s {fixed}/32 -j SNAT --to-source {address}" in router1().nat
    gateway = next(p for p in router1().ports if p.inner_name.startswith("qg-"))
    assert f"{address}/32" in gateway.addresses
    assert not _with(rcloud.rules(), address)  # nothing of it on the host
    got = _ok(rcloud.neutron("GET", f"/floatingips/{fip['id']}"), 200)["floatingip"]
    assert got["status"] == "ACTIVE"
    _ok(rcloud.neutron("PUT", f"/floatingips/{fip['id']}",
                       {"floatingip": {"port_id": None}}), 200)
    rcloud.settle()
    assert address not in router1().nat


def test_a_new_network_gets_a_bridge_once_it_has_a_subnet(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    net = _ok(rcloud.neutron("POST", "/networks", {"network": {"name": "n2"}}))["network"]
    rcloud.settle()
    name = bridge_for(cid, net["id"])
    assert name not in rcloud.engine.plumbing.links  # nothing to address it with yet
    _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.9.0.0/24"}}))
    rcloud.settle()
    assert rcloud.engine.plumbing.links[name].address is None  # no host address: L2 only
    # an isolated network: no router joins it to anything; the cloud isolates it itself
    bridge = bridge_for(cid, net["id"])
    mine = _with(rcloud.rules(), bridge)
    accepted = [r.split(" ", 2)[2] for r in mine if r.endswith("-j ACCEPT")]
    assert accepted == [f"-i {bridge} -o {bridge} -j ACCEPT"]  # only within itself
    assert any(r.endswith(f"-o {bridge} -j DROP") for r in mine)
    assert rcloud.neutron("DELETE", f"/networks/{net['id']}").status_code == 204
    rcloud.settle()
    assert name not in rcloud.engine.plumbing.links


def test_a_router_interface_joins_a_network_to_the_others(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    net = _ok(rcloud.neutron("POST", "/networks", {"network": {"name": "n3"}}))["network"]
    subnet = _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.8.0.0/24"}}))["subnet"]
    router = _ok(rcloud.neutron("GET", "/routers?name=router1"), 200)["routers"][0]
    _ok(rcloud.neutron("PUT", f"/routers/{router['id']}/add_router_interface",
                       {"subnet_id": subnet["id"]}), 200)
    rcloud.settle()
    b3 = bridge_for(cid, net["id"])
    bpriv = bridge_for(cid, _network(rcloud, "private")["id"])
    (space,) = rcloud.engine.plumbing.namespaces_of_routers.values()
    inner = {p.bridge: p for p in space.ports if p.inner_name.startswith("qr-")}
    assert set(inner) == {b3, bpriv}  # router1 routes between them in its namespace
    assert inner[b3].addresses == ("10.8.0.1/24",)
    # the host lets router1's port on the new bridge forward, routes nothing itself
    rules = rcloud.rules()
    assert _with(rules, f"--physdev-in {inner[b3].host_name}", "RETURN")
    assert not _with(rules, f"-i {b3}", f"-o {bpriv}", "ACCEPT")


def test_a_bridge_that_is_not_removed_is_removed_by_a_later_pass(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    net = _ok(rcloud.neutron("POST", "/networks", {"network": {"name": "n4"}}))["network"]
    _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.7.0.0/24"}}))
    rcloud.settle()
    name = bridge_for(cid, net["id"])
    rcloud.engine.plumbing.fail("remove_bridge", "device busy")
    assert rcloud.neutron("DELETE", f"/networks/{net['id']}").status_code == 204
    rcloud.settle()
    assert name in rcloud.engine.plumbing.links  # refused: kept for the next pass
    _converge(rcloud)
    assert name not in rcloud.engine.plumbing.links


def test_another_clouds_bridges_and_networks_are_left_alone(rcloud: Cloud) -> None:
    rcloud.engine.plumbing.ensure_bridge(Bridge("cbother", "some-other-cloud", "x"))
    rcloud.engine.network_labels["cheptel-other-x"] = {LABEL_CLOUD: "some-other-cloud"}
    _converge(rcloud)
    assert "cbother" in rcloud.engine.plumbing.links
    assert "cheptel-other-x" in rcloud.engine.network_labels


def test_an_older_cheptels_engine_networks_are_removed(rcloud: Cloud) -> None:
    """Before issue 17 the engine made each network (Docker's IPAM): once nothing uses
    them, the first pass removes this cloud's."""
    rcloud.engine.network_labels["cheptel-old"] = {LABEL_CLOUD: rcloud.deps.cloud_id}
    rcloud.deps.reconciler.convergers["network"]._legacy_checked = False
    _converge(rcloud)
    assert "cheptel-old" not in rcloud.engine.network_labels


def test_no_networks_no_rules(rcloud: Cloud) -> None:
    _converge(rcloud)
    assert rcloud.ruleset() is not None
    admin = rcloud.api.token("admin", ADMIN_PASSWORD, "admin")
    rcloud.token = admin
    router = _ok(rcloud.neutron("GET", "/routers?name=router1"), 200)["routers"][0]
    subnet = _network(rcloud, "private")["subnets"][0]
    _ok(rcloud.neutron("PUT", f"/routers/{router['id']}/remove_router_interface",
                       {"subnet_id": subnet}), 200)
    assert rcloud.neutron("DELETE", f"/routers/{router['id']}").status_code == 204
    for name in ("private", "public"):
        r = rcloud.neutron("DELETE", f"/networks/{_network(rcloud, name)['id']}")
        assert r.status_code == 204, r.text
    rcloud.settle()
    assert rcloud.ruleset() is None
    assert not rcloud.engine.plumbing.bridges(rcloud.deps.cloud_id)


def test_an_interface_hot_plugged_then_unplugged(rcloud: Cloud) -> None:
    cid = rcloud.deps.cloud_id
    private = _network(rcloud, "private")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    net = _ok(rcloud.neutron("POST", "/networks", {"network": {"name": "n5"}}))["network"]
    _ok(rcloud.neutron("POST", "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.6.0.0/24"}}))
    r = rcloud.nova("POST", f"/servers/{sid}/os-interface",
                    {"interfaceAttachment": {"net_id": net["id"]}})
    attached = _ok(r, 200)["interfaceAttachment"]
    rcloud.settle()
    ip = attached["fixed_ips"][0]["ip_address"]
    port = _ok(rcloud.neutron("GET", f"/ports/{attached['port_id']}"), 200)["port"]
    nic = _nics(rcloud, sid)["eth1"]  # plumbed with Neutron's MAC, as a real cloud
    assert (nic.bridge, nic.address, nic.mac) == (bridge_for(cid, net["id"]), ip,
                                                  port["mac_address"])
    assert port["mac_address"].startswith("fa:16:3e:")
    assert port["status"] == "ACTIVE" and _with(rcloud.rules(), ip, port["mac_address"])
    r = rcloud.nova("DELETE", f"/servers/{sid}/os-interface/{attached['port_id']}")
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert set(_nics(rcloud, sid)) == {"eth0"}
    assert not _with(rcloud.rules(), ip)


def test_a_new_mtu_reaches_the_bridge_and_the_servers_interface(rcloud: Cloud) -> None:
    private = _network(rcloud, "private")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    bridge = bridge_for(rcloud.deps.cloud_id, private["id"])
    assert rcloud.engine.plumbing.links[bridge].mtu == _nics(rcloud, sid)["eth0"].mtu == 1500
    _ok(rcloud.neutron("PUT", f"/networks/{private['id']}", {"network": {"mtu": 1400}}), 200)
    rcloud.settle()
    assert rcloud.engine.plumbing.links[bridge].mtu == 1400
    assert _nics(rcloud, sid)["eth0"].mtu == 1400


def test_a_server_without_ports_is_never_plumbed_one_losing_its_last_port_is(
        rcloud: Cloud) -> None:
    """Its container's namespace holds only the engine's loopback: a start (or reboot)
    enters nothing; a port detached while it runs still leaves it at once."""
    calls = rcloud.engine.plumbing.calls
    bare = rcloud.active("bare")
    rcloud.act(bare, "reboot", {"type": "HARD"})
    rcloud.settle()
    pid = rcloud.engine.inspect(f"cheptel-{bare}").pid
    assert ("plumb", str(pid)) not in calls and _nics(rcloud, bare) == {}
    private = _network(rcloud, "private")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    pid = rcloud.engine.inspect(f"cheptel-{sid}").pid
    assert ("plumb", str(pid)) in calls and set(_nics(rcloud, sid)) == {"eth0"}
    port = _server_port(rcloud, sid)
    r = rcloud.nova("DELETE", f"/servers/{sid}/os-interface/{port['id']}")
    assert r.status_code == 202, r.text
    rcloud.settle()
    assert _nics(rcloud, sid) == {}


def test_a_container_a_pass_plumbed_since_its_start_is_not_plumbed_again(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start's own wiring (fresh) trusts a record of the new namespace only: a pass that
    plumbed the restarted container first is not redone; a record of the namespace before
    the restart is."""
    net = rcloud.deps.reconciler.converger(NetworkConverger)
    calls = rcloud.engine.plumbing.calls
    private = _network(rcloud, "private")
    sid = rcloud.active("web", networks=[{"uuid": private["id"]}])
    container = f"cheptel-{sid}"
    rcloud.engine.restart(container, 0)  # a new namespace; the record names the old one
    pid = rcloud.engine.inspect(container).pid
    with monkeypatch.context() as m:  # the kernel removes a dead namespace's veths later
        m.setattr(rcloud.engine.plumbing, "interface_exists", lambda name: True)
        assert net.wire_server(sid, fresh=True) is True  # the old record is not trusted
    assert calls.count(("plumb", str(pid))) == 1 and set(_nics(rcloud, sid)) == {"eth0"}
    rcloud.engine.restart(container, 0)
    pid = rcloud.engine.inspect(container).pid
    rcloud.pass_once()  # a pass comes first and plumbs the new namespace
    assert calls.count(("plumb", str(pid))) == 1
    assert net.wire_server(sid, fresh=True) is False  # then the start's own wiring
    assert calls.count(("plumb", str(pid))) == 1 and set(_nics(rcloud, sid)) == {"eth0"}
