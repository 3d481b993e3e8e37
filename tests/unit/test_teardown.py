"""`cheptel teardown` over the fake engine and firewall: everything of one cloud goes,
found by its id, nothing of another cloud sharing the engine and host, in any state a
partial earlier run left."""

from __future__ import annotations

from pathlib import Path

import pytest

from cheptel import app, cli
from cheptel.backends.balancer import Balancer
from cheptel.backends.engine import LABEL_CLOUD, LABEL_MANAGED, LABEL_SERVER, ContainerSpec
from cheptel.backends.fake import Crash, FakeEngine
from cheptel.backends.fake_firewall import FakeFirewall
from cheptel.backends.firewall import (
    Claims,
    FirewallError,
    Ruleset,
    prefix_for,
)
from cheptel.backends.plumbing import (
    Bridge,
    Nic,
    RouterNamespace,
    balancer_namespace,
    router_namespace,
)
from cheptel.compute.images import engine_repository, local_ref
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.runlock import Busy, exclusive, hold_serving
from cheptel.teardown import Removal, read_cloud_id, teardown
from tests.unit.conftest import MakeApi
from tests.unit.reconcile import Cloud

OTHER = "0123456789abcdef0123456789abcdef"  # another cloud on the same engine and host


def _other_cloud(engine: FakeEngine, firewall: FakeFirewall) -> None:
    """What another cloud has on the shared engine: a running server on its network, its
    config drive, its rules."""
    labels = {LABEL_MANAGED: "true", LABEL_CLOUD: OTHER}
    engine.plumbing.ensure_bridge(Bridge("cbother", OTHER, "net", "10.99.0.1/24"))
    engine.write_volume("cheptel-cd-other", {"x": b"y"}, {**labels, LABEL_SERVER: "other"})
    image = local_ref(OTHER, BUSYBOX_ID)  # the same image id as this cloud's busybox
    engine.images.setdefault(image, None)  # type: ignore[arg-type]
    engine.create(ContainerSpec(name="cheptel-other", image=image, hostname="other",
                                labels={**labels, LABEL_SERVER: "other"}, memory_mb=64,
                                vcpus=1))
    engine.start("cheptel-other")
    engine.plumbing.plumb(engine.containers["cheptel-other"].state.pid, [Nic(
        "p", "cvother", "cbother", "fa:16:3e:00:00:05", "10.99.0.5", 24)])
    engine.plumbing.ensure_router(RouterNamespace(router_namespace(OTHER, "r"), OTHER, "r",
                                                  ()))
    engine.plumbing.ensure_router(RouterNamespace(balancer_namespace(OTHER, "lb"), OTHER,
                                                  "lb", ()))
    rules = Ruleset(prefix_for(OTHER))
    rules.add("filter", "FWD", "-o cbother -j DROP")
    firewall.apply(rules)


def _everything(engine: FakeEngine, firewall: FakeFirewall, cloud: str) -> dict[str, object]:
    return {"containers": [c.name for c in engine.list_managed(cloud)],
            "images": engine.list_images(engine_repository(cloud)),
            "volumes": engine.list_volumes(cloud),
            "networks": sorted(engine.plumbing.balancers(cloud))
            + sorted(engine.plumbing.routers(cloud))
            + sorted(engine.plumbing.bridges(cloud)),
            "rules": firewall.owned_rules(prefix_for(cloud))}


def _down(cloud: str, on: Cloud) -> Removal:
    """`cheptel teardown` of `cloud` on that fake host."""
    return teardown(cloud, on.engine, on.firewall, plumbing=on.engine.plumbing,
                    balancers=on.engine.balancers)


@pytest.fixture
def two(rcloud: Cloud) -> Cloud:
    """This cloud with a server on `private` (container, config drive, network, rules)
    beside another cloud on the same engine and firewall."""
    rcloud.active("web", networks=[{"uuid": _private(rcloud)}])
    cloud = rcloud.deps.cloud_id  # and a load balancer's VIP namespace
    rcloud.engine.plumbing.ensure_router(RouterNamespace(balancer_namespace(cloud, "lb"),
                                                         cloud, "lb", ()))
    rcloud.engine.balancers.ensure(Balancer("lb", balancer_namespace(cloud, "lb"), "10.0.0.9"))
    _other_cloud(rcloud.engine, rcloud.firewall)
    return rcloud


def _private(rcloud: Cloud) -> str:
    r = rcloud.neutron("GET", "/networks?name=private")
    assert r.status_code == 200, r.text
    return str(r.json()["networks"][0]["id"])


def test_everything_of_the_cloud_goes_and_nothing_of_another(two: Cloud) -> None:
    cloud, engine, firewall = two.deps.cloud_id, two.engine, two.firewall
    before = _everything(engine, firewall, cloud)
    assert all(before.values()), before  # there was something of each kind to remove
    other = _everything(engine, firewall, OTHER)
    removal = teardown(cloud, engine, firewall, plumbing=engine.plumbing,
                       balancers=engine.balancers)
    assert removal.left == [] and removal.balancers == ["lb"]
    assert engine.balancers.running() == set()
    assert (removal.containers, removal.images, removal.volumes, removal.networks,
            removal.rules) == (before["containers"], before["images"], before["volumes"],
                               before["networks"], before["rules"])
    assert _everything(engine, firewall, cloud) == {
        "containers": [], "images": [], "volumes": [], "networks": [], "rules": 0}
    assert _everything(engine, firewall, OTHER) == other
    assert engine.containers["cheptel-other"].state.status == "running"


def test_a_second_teardown_changes_nothing(two: Cloud) -> None:
    _down(two.deps.cloud_id, two)
    calls, applied = len(two.engine.calls), two.firewall.applied
    again = _down(two.deps.cloud_id, two)
    assert again.nothing and again.left == []
    assert "nothing of cloud" in again.summary()
    assert two.engine.calls[calls:] == [] and two.firewall.applied == applied


def test_a_container_that_does_not_go_keeps_the_cloud_isolated(two: Cloud) -> None:
    cloud = two.deps.cloud_id
    two.engine.fail("remove", "device or resource busy")
    removal = _down(cloud, two)
    # the server still runs: its network (still in use) and its rules stay
    assert removal.left and any("busy" in line for line in removal.left)
    assert any("rules kept" in line for line in removal.left)
    left = _everything(two.engine, two.firewall, cloud)
    assert left["containers"] and left["networks"] and left["rules"]
    # the next run finds the rest by the id, and finishes
    assert _down(cloud, two).left == []
    assert not any(_everything(two.engine, two.firewall, cloud).values())


@pytest.mark.parametrize("dies_after", ["remove", "remove_volume", "remove_bridge"])
def test_a_teardown_killed_half_way_is_finished_by_the_next(two: Cloud,
                                                            dies_after: str) -> None:
    cloud = two.deps.cloud_id
    (two.engine.plumbing if dies_after == "remove_bridge" else two.engine).crash_after(
        dies_after)
    with pytest.raises(Crash):
        _down(cloud, two)
    assert _down(cloud, two).left == []
    assert not any(_everything(two.engine, two.firewall, cloud).values())
    assert _everything(two.engine, two.firewall, OTHER)["rules"]


def test_rules_left_alone_by_a_dead_cloud_go_too(rcloud: Cloud) -> None:
    """A cloud whose containers and networks are gone (a host reboot, an earlier run)
    but whose chains remain: the rules are found by the prefix alone."""
    rcloud.deps.reconciler.convergers["network"].converge()
    rcloud.engine.plumbing.links.clear()
    rcloud.engine.network_labels.clear()
    assert rcloud.firewall.owned_rules(prefix_for(rcloud.deps.cloud_id))
    removal = _down(rcloud.deps.cloud_id, rcloud)
    assert removal.rules and removal.left == []
    assert rcloud.firewall.owned_rules(prefix_for(rcloud.deps.cloud_id)) == 0


@pytest.mark.parametrize("cloud", ["", "CH", "abc"])
def test_a_cut_cloud_id_is_refused(cloud: str) -> None:
    """An id too short to be one would match other clouds' chains and labels."""
    with pytest.raises(ValueError):
        teardown(cloud, FakeEngine(), FakeFirewall())


def test_the_cloud_id_is_read_never_made(tmp_path: Path, make_api: MakeApi) -> None:
    missing = tmp_path / "nowhere" / "cheptel.db"
    assert read_cloud_id(f"sqlite:///{missing}") is None
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    assert read_cloud_id(f"sqlite:///{empty}") is None
    api = make_api()
    assert read_cloud_id(api.deps.settings.db_url) == api.deps.cloud_id


def test_teardown_refuses_while_the_data_dir_is_served(tmp_path: Path, make_api: MakeApi,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    monkeypatch.setenv("CHEPTEL_CONTAINER_ENGINE", "fake")
    data_dir = make_api().deps.settings.data_dir
    serving = hold_serving(data_dir)  # what `cheptel serve` holds while it runs
    assert cli.main(["teardown", "--data-dir", str(data_dir)]) == 3
    assert "cheptel serve" in capsys.readouterr().err
    serving.close()  # it stopped (the kernel drops the lock of a killed one too)
    assert cli.main(["teardown", "--data-dir", str(data_dir)]) == 0
    assert "cloud" in capsys.readouterr().out
    nowhere = tmp_path / "never-served"
    assert cli.main(["teardown", "--data-dir", str(nowhere)]) == 0
    assert not nowhere.exists()


def test_serve_refuses_to_start_during_a_teardown(tmp_path: Path) -> None:
    first = hold_serving(tmp_path)  # several serves of one data dir may run, as before
    second = hold_serving(tmp_path)
    with pytest.raises(Busy):
        with exclusive(tmp_path):
            pass
    first.close()
    second.close()
    with exclusive(tmp_path):
        with pytest.raises(Busy):
            hold_serving(tmp_path)


def test_a_prefix_held_by_another_cloud_is_never_swept(two: Cloud) -> None:
    """Two ids may share the 6 digits of a chain prefix: the chains are the holder's."""
    cloud, prefix = two.deps.cloud_id, prefix_for(two.deps.cloud_id)
    two.firewall.claims[prefix] = OTHER  # as if the other cloud had drawn these digits
    removal = _down(cloud, two)
    assert any(OTHER in line for line in removal.left)
    assert two.firewall.owned_rules(prefix) and two.firewall.owner(prefix) == OTHER
    # what carries the full id went all the same
    assert not two.engine.list_managed(cloud) and not two.engine.plumbing.bridges(cloud)


def test_a_cloud_does_not_start_on_a_prefix_another_cloud_holds(
        make_api: MakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    cloud = make_api().deps.cloud_id
    host = FakeFirewall()  # this host's iptables: another cloud drew the same 6 digits
    host.claim(prefix_for(cloud), OTHER)
    monkeypatch.setattr(app, "make_firewall", lambda settings: host)
    with pytest.raises(FirewallError, match=OTHER):
        make_api()
    assert host.owner(prefix_for(cloud)) == OTHER
    host.release(prefix_for(cloud), OTHER)  # its teardown
    assert make_api().deps.firewall is host and host.owner(prefix_for(cloud)) == cloud


def test_a_teardown_gives_the_prefix_up(two: Cloud) -> None:
    prefix = prefix_for(two.deps.cloud_id)
    assert two.firewall.owner(prefix) == two.deps.cloud_id  # claimed at start
    assert _down(two.deps.cloud_id, two).left == []
    assert two.firewall.owner(prefix) is None


def test_claims_on_the_host_are_files_made_once(tmp_path: Path) -> None:
    claims = Claims(tmp_path / "chains")
    claims.claim("CHabcdef-", "a" * 32)
    claims.claim("CHabcdef-", "a" * 32)  # a restart of the same cloud
    with pytest.raises(FirewallError, match="a" * 32):
        claims.claim("CHabcdef-", "b" * 32)
    claims.release("CHabcdef-", "b" * 32)  # not its claim: kept
    assert claims.owner("CHabcdef-") == "a" * 32
    claims.release("CHabcdef-", "a" * 32)
    assert claims.owner("CHabcdef-") is None
    (tmp_path / "chains" / "CHabcdef").write_text("")  # a claim a crash cut short
    claims.claim("CHabcdef-", "b" * 32)
    assert claims.owner("CHabcdef-") == "b" * 32
