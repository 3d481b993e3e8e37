"""Anti-spoofing and isolation fail closed, as a hostile tenant would probe them: the real
network converger over the fake engine and the fake firewall, the ruleset it applies
walked packet by packet (tests/unit/iptables_sim.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from cheptel.backends.engine import ContainerSpec, ContainerState, EngineError
from cheptel.backends.fake import FakeContainer
from cheptel.backends.firewall import Ruleset, prefix_for
from cheptel.backends.plumbing import PlumbingError, host_veth
from cheptel.identity.models import Project
from cheptel.identity.service import resources
from cheptel.network.models import Network, Port
from cheptel.network.service import networks, ports, security_groups, subnets
from cheptel.network.service.common import SYSTEM
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import Api, MakeApi, server_row
from tests.unit.iptables_sim import Packet, verdict


@pytest.fixture
def cloud(make_api: MakeApi) -> Api:
    return make_api(container_engine="fake")


def _project(db, name: str) -> str:  # type: ignore[no-untyped-def]
    found = db.scalar(select(Project.id).where(Project.name == name))
    return found or resources.create_project(db, name, "default").id


def _server_port(cloud: Api, project: str, network_id: str, server: str) -> tuple[str, str,
                                                                                  str]:
    """A server's port and its running container; (port id, ip, mac)."""
    with cloud.deps.sessions() as db, db.begin():
        project_id = _project(db, project)
        db.add(server_row(server, project_id))
        port = ports.allocate_port(db, project_id, network_id, server, "compute:nova")
        found = (port.id, port.fixed_ips[0].ip_address, port.mac_address)
    name = f"cheptel-{server}"
    engine = cloud.deps.containers
    engine._pids += 1
    engine.containers[name] = FakeContainer(
        spec=ContainerSpec(name=name, image="i", hostname=server, labels={}, memory_mb=64,
                           vcpus=1),
        state=ContainerState(name=name, status="running", pid=engine._pids))
    return found


def _veth(cloud: Api, port_id: str) -> str:
    return host_veth(cloud.deps.cloud_id, port_id)


def _ruleset(cloud: Api) -> Ruleset:
    cloud.deps.reconciler.convergers["network"].converge()
    return cloud.deps.firewall.rulesets[prefix_for(cloud.deps.cloud_id)]


def _status(cloud: Api, port_id: str) -> str:
    with cloud.deps.sessions() as db:
        return db.get(Port, port_id).status


def _lookup(cloud: Api, fail: Callable[[str], bool], raises: bool = False) -> None:
    """Plumbing the containers `fail` names fails: the kernel refuses (a PlumbingError),
    or the engine cannot say where the container's namespace is (an EngineError)."""
    engine, plumbing = cloud.deps.containers, cloud.deps.plumbing
    real_inspect, real_plumb = type(engine).inspect, type(plumbing).plumb
    failing = {c.state.pid for name, c in engine.containers.items() if fail(name)}

    def inspect(name: str) -> ContainerState | None:
        if raises and fail(name):
            raise EngineError("the engine timed out")
        return real_inspect(engine, name)

    def plumb(pid: int, nics):  # type: ignore[no-untyped-def]
        if pid in failing:
            raise PlumbingError("netlink refused")
        return real_plumb(plumbing, pid, nics)
    engine.inspect = inspect
    plumbing.plumb = plumb


@pytest.mark.parametrize("raises", [False, True], ids=["not-found", "error"])
def test_a_port_whose_veth_is_not_found_is_dropped_not_passed(cloud: Api, raises: bool
                                                              ) -> None:
    with cloud.deps.sessions() as db:
        private = db.scalar(select(Network).where(Network.name == "private"))
        net_id, bridge = private.id, bridge_for(cloud.deps.cloud_id, private.id)
    victim_port, victim_ip, victim_mac = _server_port(cloud, "demo", net_id, "victim")
    port_id, ip, mac = _server_port(cloud, "demo", net_id, "spoofer")
    veth = _veth(cloud, port_id)

    def sent(src: str) -> Packet:  # from the spoofer's real bridge port to the victim
        return Packet(in_if=bridge, out_if=bridge, physdev_in=veth, src=src, dst=victim_ip,
                      mac=mac, proto="icmp", dport=None)

    # its lookup fails: nothing from it passes, spoofed or not; the port says DOWN
    _lookup(cloud, lambda container: container == "cheptel-spoofer", raises)
    rs = _ruleset(cloud)
    assert verdict(rs, sent(ip)) == "DROP"
    assert verdict(rs, sent("10.0.0.200")) == "DROP"
    assert _status(cloud, port_id) == "DOWN" and _status(cloud, victim_port) == "ACTIVE"
    # the victim, whose veth is known, still talks to the spoofer's address
    victim_veth = _veth(cloud, victim_port)
    back = Packet(in_if=bridge, out_if=bridge, physdev_in=victim_veth, src=victim_ip, dst=ip,
                  mac=victim_mac, proto="icmp", dport=None)
    assert verdict(rs, back) == "ACCEPT"

    # found at the next pass: its own address passes (the default group admits members),
    # a spoofed one is still dropped
    _lookup(cloud, lambda container: False)
    rs = _ruleset(cloud)
    assert verdict(rs, sent(ip)) == "ACCEPT"
    assert verdict(rs, sent("10.0.0.200")) == "DROP"
    assert _status(cloud, port_id) == "ACTIVE"

    # restarted (a new namespace): plumbing it again fails, it drops again
    cloud.deps.containers.restart("cheptel-spoofer", 0)
    _lookup(cloud, lambda container: container == "cheptel-spoofer", raises)
    rs = _ruleset(cloud)
    assert verdict(rs, sent(ip)) == "DROP"
    assert _status(cloud, port_id) == "DOWN"


def test_a_container_restarted_behind_cheptels_back_is_plumbed_again(cloud: Api) -> None:
    with cloud.deps.sessions() as db:
        private = db.scalar(select(Network).where(Network.name == "private"))
        net_id, bridge = private.id, bridge_for(cloud.deps.cloud_id, private.id)
    _, peer_ip, _ = _server_port(cloud, "demo", net_id, "peer")
    port_id, ip, mac = _server_port(cloud, "demo", net_id, "restarted")
    engine, plumbing = cloud.deps.containers, cloud.deps.plumbing
    _ruleset(cloud)
    assert set(plumbing.interfaces("cheptel-restarted")) == {"eth0"}
    engine.restart("cheptel-restarted", 0)  # an operator's `docker restart`: no forget()
    # a new namespace: no interface, its veth gone from the host, nothing to send from
    assert plumbing.interfaces("cheptel-restarted") == {}
    assert not plumbing.interface_exists(_veth(cloud, port_id))
    # the next pass sees the veth gone and plumbs the container again
    rs = _ruleset(cloud)
    nic = plumbing.interfaces("cheptel-restarted")["eth0"]
    assert (nic.mac, nic.address, nic.bridge) == (mac, ip, bridge)
    sent = Packet(in_if=bridge, out_if=bridge, physdev_in=_veth(cloud, port_id), src=ip,
                  dst=peer_ip, mac=mac, proto="icmp", dport=None)
    assert verdict(rs, sent) == "ACCEPT" and _status(cloud, port_id) == "ACTIVE"


def test_an_unrouted_network_never_reaches_another_projects_open_server(cloud: Api) -> None:
    """The cloud's own chain drops traffic between unrouted networks: it does not lean on
    Docker's isolation chains, whose FORWARD jump Docker deletes and re-inserts whenever
    any network is made on the host (the window of the flake seen under load)."""
    with cloud.deps.sessions() as db, db.begin():
        a, b = _project(db, "tenant-a"), _project(db, "tenant-b")
        lonely = networks.create(db, 1.0, a, {"name": "lonely"})
        subnets.create(db, 1.0, lonely, a, {"cidr": "10.9.1.0/24", "ip_version": 4})
        web = networks.create(db, 1.0, b, {"name": "web"})
        subnets.create(db, 1.0, web, b, {"cidr": "10.9.2.0/24", "ip_version": 4})
        group = security_groups.ensure_default(db, 1.0, b)
        security_groups.create_rule(db, 1.0, SYSTEM, {
            "security_group_id": group.id, "direction": "ingress", "ethertype": "IPv4",
            "protocol": "tcp", "port_range_min": 8080, "port_range_max": 8080,
            "remote_ip_prefix": "0.0.0.0/0"})
        lonely_id, web_id = lonely.id, web.id
    attacker, attacker_ip, attacker_mac = _server_port(cloud, "tenant-a", lonely_id,
                                                       "attacker")
    _, server_ip, _ = _server_port(cloud, "tenant-b", web_id, "web-server")
    rs = _ruleset(cloud)
    lonely_bridge = bridge_for(cloud.deps.cloud_id, lonely_id)
    web_bridge = bridge_for(cloud.deps.cloud_id, web_id)
    veth = _veth(cloud, attacker)
    fetch = Packet(in_if=lonely_bridge, out_if=web_bridge, physdev_in=veth, src=attacker_ip,
                   dst=server_ip, mac=attacker_mac)
    assert verdict(rs, fetch) == "DROP"
    # the same page from a peer on the server's own network is served
    peer, peer_ip, peer_mac = _server_port(cloud, "tenant-b", web_id, "peer")
    rs = _ruleset(cloud)
    peer_veth = _veth(cloud, peer)
    assert verdict(rs, Packet(in_if=web_bridge, out_if=web_bridge, physdev_in=peer_veth,
                              src=peer_ip, dst=server_ip, mac=peer_mac)) == "ACCEPT"
    # and a packet from a bridge of another cloud (or anything not a bridge of this one)
    # is not let into the server's bridge either
    assert verdict(rs, Packet(in_if="cbforeign", out_if=web_bridge, physdev_in="vethx",
                              src="10.200.0.5", dst=server_ip, mac="02:00:00:00:00:01")
                   ) == "DROP"
