"""The periodic network pass: the ruleset is rebuilt only when the network state changed
(rules.build grows with group members x members), and always applied."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from cheptel.backends.engine import ContainerSpec, ContainerState
from cheptel.backends.fake import FakeContainer
from cheptel.backends.firewall import Ruleset, prefix_for
from cheptel.identity.models import Project
from cheptel.network.models import FloatingIP, IPAllocation, Network, Port
from cheptel.network.service import ports
from cheptel.reconciler import network as network_pass
from cheptel.reconciler.network import engine_network
from tests.unit.conftest import Api, MakeApi, server_row


@pytest.fixture
def cloud(make_api: MakeApi) -> Api:
    return make_api(container_engine="fake")


def _server(cloud: Api, server: str) -> str:
    """A port on `private` for `server` and its running container; the port's IP."""
    with cloud.deps.sessions() as db, db.begin():
        net = db.scalar(select(Network).where(Network.name == "private"))
        project = db.scalar(select(Project.id).where(Project.name == "demo"))
        assert net is not None and project is not None
        db.add(server_row(server, project))
        port = ports.allocate_port(db, project, net.id, server, "compute:nova")
        ip, mac, net_id = port.fixed_ips[0].ip_address, port.mac_address, net.id
    name = f"cheptel-{server}"
    engine: Any = cloud.deps.containers
    engine.containers[name] = FakeContainer(
        spec=ContainerSpec(name=name, image="i", hostname=server, labels={}, memory_mb=64,
                           vcpus=1, attachments=((engine_network(cloud.deps.cloud_id, net_id),
                                                  ip, mac),)),
        state=ContainerState(name=name, status="running"))
    return ip


def _applied(cloud: Api) -> Ruleset:
    firewall: Any = cloud.deps.firewall
    return firewall.rulesets[prefix_for(cloud.deps.cloud_id)]


def _text(ruleset: Ruleset) -> str:
    return "\n".join(r for chains in ruleset.tables.values() for rules in chains.values()
                     for r in rules)


def test_an_unchanged_state_is_not_built_again(cloud: Api,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real = network_pass.rules.build

    def counting(state: Any, prefix: str) -> Ruleset:
        builds.append(1)
        return real(state, prefix)

    monkeypatch.setattr(network_pass.rules, "build", counting)
    converger = cloud.deps.reconciler.convergers["network"]
    first = _server(cloud, "one")
    converger.converge()
    assert len(builds) == 1 and first in _text(_applied(cloud))
    firewall: Any = cloud.deps.firewall
    firewall.rulesets.clear()  # drift: the rules went away behind cheptel's back
    converger.converge()
    assert len(builds) == 1  # the same state: the same ruleset...
    assert first in _text(_applied(cloud))  # ...applied again all the same
    second = _server(cloud, "two")
    converger.converge()
    assert len(builds) == 2 and second in _text(_applied(cloud))


def test_a_pass_over_an_unchanged_cloud_loads_and_writes_no_port(cloud: Api) -> None:
    """The periodic pass reads plain columns: an ORM object per port (and per fixed IP and
    group binding) at every pass held the GIL against the API for most of a second with
    1,000 ports. Only a port whose status or binding changes is loaded, to be written."""
    converger = cloud.deps.reconciler.convergers["network"]
    ip = _server(cloud, "one")
    converger.converge()  # the port goes ACTIVE and is bound: loaded and written once
    loaded: list[str] = []

    def on_load(target: Any, _context: Any) -> None:
        loaded.append(type(target).__name__)

    listened = [(model, "load", on_load) for model in (Port, IPAllocation, FloatingIP)]
    for args in listened:
        event.listen(*args)
    try:
        converger.converge()
    finally:
        for args in listened:
            event.remove(*args)
    assert loaded == []
    assert ip in _text(_applied(cloud))
    with cloud.deps.sessions() as db:
        assert db.scalar(select(Port.status).where(Port.device_id == "one")) == "ACTIVE"


def test_a_pass_makes_only_the_networks_the_engine_lacks(cloud: Api) -> None:
    """One listing a pass, a create only for a network it lacks (each create asked the
    engine about its network first: two calls per network at every pass); a network
    removed behind cheptel's back is made again at the next pass."""
    converger = cloud.deps.reconciler.convergers["network"]
    engine: Any = cloud.deps.containers
    converger.converge()
    with cloud.deps.sessions() as db:
        private = db.scalar(select(Network.id).where(Network.name == "private"))
    assert private is not None
    name = engine_network(cloud.deps.cloud_id, private)
    assert name in engine.networks
    engine.calls.clear()
    converger.converge()
    assert [c for c in engine.calls if c[0] == "create_network"] == []
    engine.networks.discard(name)  # behind cheptel's back
    engine.network_labels.pop(name)
    converger.converge()
    assert ("create_network", name) in engine.calls and name in engine.networks
    assert private in converger._made
