"""The network functions compute calls (ports for servers, get-me-a-network), in-process."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cheptel.compute.models import Server
from cheptel.errors import CheptelError
from cheptel.identity.models import Project
from cheptel.identity.service import resources
from cheptel.network.models import FloatingIP, Network, Port
from cheptel.network.service import floatingips, networks, ports, topology
from cheptel.network.service.common import SYSTEM
from cheptel.policy import Creds
from tests.unit.conftest import Api, MakeApi, running_container


@pytest.fixture
def cloud(make_api: MakeApi) -> Api:
    return make_api(container_engine="fake")


def _project(db, name: str) -> str:  # type: ignore[no-untyped-def]
    found = db.scalar(select(Project.id).where(Project.name == name))
    return found or resources.create_project(db, name, "default").id


def _network(db, name: str) -> Network:  # type: ignore[no-untyped-def]
    return db.scalar(select(Network).where(Network.name == name))


def test_ports_for_a_server_then_released(cloud: Api) -> None:
    with cloud.deps.sessions() as db, db.begin():
        demo = _project(db, "demo")
        private = _network(db, "private")
        first = ports.allocate_port(db, demo, private.id, "server-1", "compute:nova")
        second = ports.allocate_port(db, demo, private.id, "server-1", "compute:nova",
                                     fixed_ip="10.0.0.77")
        assert first.fixed_ips[0].ip_address == "10.0.0.2" and first.status == "DOWN"
        assert [a.ip_address for a in second.fixed_ips] == ["10.0.0.77"]
        assert len(first.security_group_ids) == 1 and first.auto_delete
        with pytest.raises(CheptelError) as taken:
            ports.allocate_port(db, demo, private.id, "server-2", "compute:nova",
                                fixed_ip="10.0.0.77")
        assert taken.value.code == 409
        creds = Creds(user_id="u", user_name="demo", user_domain_id="default",
                      roles=frozenset({"member", "reader"}), project_id=demo)
        mine = ports.create(db, 1.0, private, demo, {"name": "mine"})
        ports.bind_port(db, creds, mine.id, "server-1")
        with pytest.raises(CheptelError) as busy:
            ports.bind_port(db, creds, mine.id, "server-9")
        assert busy.value.code == 409
        assert {p.id for p in ports.ports_of_device(db, "server-1", demo)} == {
            first.id, second.id, mine.id}
        ports.set_port_status(db, first.id, "ACTIVE")
        public = _network(db, "public")
        fip = floatingips.create(db, 1.0, SYSTEM, demo, {"floating_network_id": public.id,
                                                         "port_id": first.id})
        assert fip.status == "ACTIVE" and fip.fixed_ip_address == "10.0.0.2"
        assert sorted(ports.release_ports(db, "server-1", demo)) == sorted([first.id, second.id])
        assert db.get(Port, first.id) is None and db.get(Port, mine.id).device_id == ""
        fip_after = db.get(FloatingIP, fip.id)
        assert fip_after.port_id is None and fip_after.status == "DOWN"


def test_auto_network_is_made_once_with_a_router(cloud: Api) -> None:
    with cloud.deps.sessions() as db, db.begin():
        project = _project(db, "auto-project")
        net = topology.auto_network(db, project)
        assert net.name == "auto_allocated_network" and net.project_id == project
        (subnet,) = net.subnets
        assert subnet.cidr == "10.0.1.0/24" and subnet.gateway_ip == "10.0.1.1"
        gateways = networks.routers_on(db, _network(db, "public").id)
        assert "auto_allocated_router" in {r.name for r in gateways}
        assert topology.auto_network(db, project).id == net.id
        demo = _project(db, "demo")
        assert topology.auto_network(db, demo).name == "private"


def test_auto_network_refuses_to_guess(cloud: Api) -> None:
    with cloud.deps.sessions() as db, db.begin():
        project = _project(db, "two-networks")
        for name in ("one", "two"):
            networks.create(db, 1.0, project, {"name": name})
        with pytest.raises(CheptelError) as ambiguous:
            topology.auto_network(db, project)
        assert ambiguous.value.code == 409


def test_a_wired_server_port_is_bound_to_this_host_until_released(cloud: Api) -> None:
    engine = cloud.deps.containers
    with cloud.deps.sessions() as db, db.begin():
        demo = _project(db, "demo")
        db.add(Server(id="server-b1", name="b1", hostname="b1", project_id=demo, user_id="u",
                      image_id="i", flavor_id="1", flavor={}, vm_state="active",
                      created_at=0.0, updated_at=0.0, deleted=False, networks=[],
                      security_groups=[], config_drive=False, availability_zone="nova",
                      power_state=1, progress=0, locked=False, launch_index=0,
                      reservation_id=""))
        port = ports.create(db, 1.0, _network(db, "private"), demo, {"name": "handed"})
        ports.bind_port(db, SYSTEM, port.id, "server-b1")
        port_id = port.id
        assert (port.binding_host_id, port.binding_vif_type) == ("", "unbound")
    name = "cheptel-server-b1"  # the container the dataplane finds the port's veth on
    running_container(engine, name)
    cloud.deps.reconciler.convergers["network"].converge()
    with cloud.deps.sessions() as db, db.begin():
        port = db.get(Port, port_id)
        assert (port.status, port.binding_host_id, port.binding_vif_type) == (
            "ACTIVE", engine.host_info()["hostname"], "bridge")
        ports.release_port(db, port_id)
        assert (port.binding_host_id, port.binding_vif_type, port.device_id) == (
            "", "unbound", "")
