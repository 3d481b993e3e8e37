"""Diagnostics from the fake engine's reading, without HTTP: both body shapes, the power
states that refuse them, and the event schema per microversion."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cheptel.backends.engine import ContainerSpec
from cheptel.backends.fake import FakeEngine
from cheptel.backends.plumbing import Bridge, Nic
from cheptel.compute import schemas, views_diagnostics
from cheptel.compute.microversion import Version
from cheptel.compute.models import Server
from cheptel.compute.service import diagnostics
from cheptel.errors import Conflict, ValidationError
from cheptel.validation import check


class Reader:
    """The one server converger method diagnostics use, over a fake engine."""

    def __init__(self, engine: FakeEngine):
        self.engine = engine

    def container_stats(self, server: Server):  # type: ignore[no-untyped-def]
        return self.engine.stats(f"cheptel-{server.id}")


def _world(status: str = "running", vm_state: str = "active") -> tuple[Reader, Server]:
    engine = FakeEngine()
    engine.images["img"] = None  # type: ignore[assignment]
    engine.create(ContainerSpec(name="cheptel-s1", image="img", hostname="h", labels={},
                                memory_mb=64, vcpus=2))
    engine.start("cheptel-s1")
    c = engine.containers["cheptel-s1"]
    engine.plumbing.ensure_bridge(Bridge("cbnet", "cloud", "net"))
    engine.plumbing.plumb(c.state.pid, [Nic("p1", "cvp1", "cbnet", "fa:16:3e:00:00:01",
                                            "10.0.0.5", 24)])
    c.state = replace(c.state, status=status)
    server = Server(id="s1", host="h", vm_state=vm_state, flavor={"ram": 64, "vcpus": 2})
    return Reader(engine), server


def test_both_shapes_from_one_reading() -> None:
    reader, server = _world()
    stats = diagnostics.read(reader, server)
    body = views_diagnostics.standard(server, stats, now=30.0)
    assert (body["state"], body["driver"], body["hypervisor"]) == ("running", "libvirt",
                                                                   "docker")
    assert body["memory_details"] == {"maximum": 64, "used": 1} and body["num_cpus"] == 2
    assert body["nic_details"][0]["mac_address"] == "fa:16:3e:00:00:01"
    assert body["uptime"] == 30 and body["num_nics"] == 1 and body["num_disks"] == 1
    legacy = views_diagnostics.legacy(stats)
    assert legacy["memory"] == 64 * 1024 and legacy["eth0_rx"] == 100
    assert legacy["cpu0_time"] == 1_000_000 and "state" not in legacy


@pytest.mark.parametrize("status,vm_state,named", [
    ("paused", "paused", "paused"), ("paused", "suspended", "suspended"),
    ("exited", "stopped", "shutdown")])
def test_only_a_running_guest_answers(status: str, vm_state: str, named: str) -> None:
    reader, server = _world(status, vm_state)
    with pytest.raises(Conflict, match=f"power state {named}$"):
        diagnostics.read(reader, server)


def test_a_missing_container_is_pending_and_no_host_not_ready() -> None:
    reader, server = _world()
    reader.engine.remove("cheptel-s1")
    with pytest.raises(Conflict, match="power state pending"):
        diagnostics.read(reader, server)
    server.host = None
    with pytest.raises(Conflict, match="not ready"):
        diagnostics.read(reader, server)


@pytest.mark.parametrize("name,since", [("network-changed", "2.1"),
                                        ("volume-extended", "2.51"),
                                        ("power-update", "2.76"),
                                        ("accelerator-request-bound", "2.82")])
def test_event_names_by_microversion(name: str, since: str) -> None:
    body = {"events": [{"name": name, "server_uuid": "a" * 32, "tag": "t"}]}
    major, minor = (int(x) for x in since.split("."))
    assert check(schemas.events_for(Version(major, minor)), body) == body
    if minor > 1:
        with pytest.raises(ValidationError):
            check(schemas.events_for(Version(major, minor - 1)), body)
