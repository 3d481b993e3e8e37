"""The periodic network pass: the ruleset is rebuilt only when the network state changed
(rules.build grows with group members x members), and always applied."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from cheptel.backends.firewall import Ruleset, prefix_for
from cheptel.identity.models import Project
from cheptel.network.models import FloatingIP, IPAllocation, Network, Port, Router
from cheptel.network.service import ports
from cheptel.reconciler import network as network_pass
from cheptel.reconciler.wiring import bridge_for
from tests.unit.conftest import Api, MakeApi, running_container, server_row


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
        ip = port.fixed_ips[0].ip_address
    running_container(cloud.deps.containers, f"cheptel-{server}")
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


def test_a_pass_makes_only_the_bridges_the_host_lacks(cloud: Api) -> None:
    """One listing a pass, an ensure only for a bridge it lacks; a bridge removed behind
    cheptel's back is made again at the next pass; a container plumbed is not plumbed
    again while its veths are there."""
    converger = cloud.deps.reconciler.convergers["network"]
    plumbing: Any = cloud.deps.plumbing
    _server(cloud, "one")
    converger.converge()
    with cloud.deps.sessions() as db:
        private = db.scalar(select(Network.id).where(Network.name == "private"))
    assert private is not None
    name = bridge_for(cloud.deps.cloud_id, private)
    assert plumbing.links[name].network_id == private
    # a tenant network's gateway is its router's, in the router's namespace, never the
    # host's; the external network's is the host's (its upstream)
    assert plumbing.links[name].address is None
    with cloud.deps.sessions() as db:
        public = db.scalar(select(Network.id).where(Network.name == "public"))
        router = db.scalar(select(Router.id).where(Router.name == "router1"))
    assert public is not None and router is not None
    gw_bridge = bridge_for(cloud.deps.cloud_id, public)
    assert plumbing.links[gw_bridge].address.endswith(".1/24")
    (space,) = plumbing.namespaces_of_routers.values()
    assert space.router_id == router
    inner = {p.inner_name[:3]: p for p in space.ports}
    assert inner["qr-"].addresses == ("10.0.0.1/24",) and inner["qr-"].bridge == name
    assert inner["qg-"].bridge == gw_bridge and space.gateway == plumbing.links[
        gw_bridge].address.split("/")[0]
    assert f"-o {inner['qg-'].inner_name} -j SNAT" in space.nat
    plumbing.calls.clear()
    converger.converge()
    assert [c for c in plumbing.calls if c[0] in ("ensure_bridge", "plumb",
                                                  "ensure_router")] == []
    del plumbing.links[name]  # behind cheptel's back
    converger.converge()
    assert ("ensure_bridge", name) in plumbing.calls and name in plumbing.links
    assert private in converger._made
    assert [c[0] for c in plumbing.calls].count("plumb") == 1  # its veth onto it again
