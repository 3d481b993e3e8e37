"""Compute bodies per microversion, and the server-group placement rule, without HTTP."""

from __future__ import annotations

import pytest

from cheptel.compute.microversion import Version
from cheptel.compute.models import Flavor, Server
from cheptel.compute.service import flavors, hosts, quotas, server_groups
from cheptel.compute.service.server_groups import NoValidHost
from cheptel.compute.views_flavors import brief, detail
from cheptel.compute.views_hosts import hypervisor
from cheptel.compute.views_quotas import limits, quota_set
from cheptel.errors import BadRequest, Forbidden
from tests.unit.conftest import MakeApi

V = Version


def _flavor(swap: int = 0) -> Flavor:
    return Flavor(id="7", name="f", ram=64, vcpus=1, disk=0, ephemeral=0, swap=swap,
                  rxtx_factor=1.0, is_public=True, description="d", disabled=False,
                  created_at=0.0)


def test_flavor_swap_description_and_extra_specs() -> None:
    assert detail("http://x", _flavor(), V(2, 1))["swap"] == ""
    assert detail("http://x", _flavor(), V(2, 74))["swap"] == ""
    assert detail("http://x", _flavor(), V(2, 75))["swap"] == 0
    assert detail("http://x", _flavor(16), V(2, 1))["swap"] == 16
    assert "description" not in detail("http://x", _flavor(), V(2, 54))
    assert detail("http://x", _flavor(), V(2, 55))["description"] == "d"
    assert "extra_specs" not in detail("http://x", _flavor(), V(2, 60), {"a": "b"})
    assert detail("http://x", _flavor(), V(2, 61), {"a": "b"})["extra_specs"] == {"a": "b"}
    assert "extra_specs" not in detail("http://x", _flavor(), V(2, 61), None)
    assert set(brief("http://x", _flavor(), V(2, 1))) == {"id", "name", "links"}
    links = brief("http://x", _flavor(), V(2, 1))["links"]
    assert links == [{"rel": "self", "href": "http://x/compute/v2.1/flavors/7"},
                     {"rel": "bookmark", "href": "http://x/compute/flavors/7"}]


def test_quota_and_limit_filters() -> None:
    values = {**quotas.DEFAULTS, **quotas.LEGACY}
    assert "floating_ips" in quota_set(values, V(2, 35))["quota_set"]
    assert "floating_ips" not in quota_set(values, V(2, 36))["quota_set"]
    assert "injected_files" in quota_set(values, V(2, 56))["quota_set"]
    assert "injected_files" not in quota_set(values, V(2, 57))["quota_set"]
    absolute = limits(values, {}, V(2, 1))["limits"]["absolute"]
    assert absolute["maxImageMeta"] == 128 and absolute["maxTotalFloatingIps"] == -1
    assert "maxImageMeta" not in limits(values, {}, V(2, 39))["limits"]["absolute"]
    assert "maxSecurityGroups" not in limits(values, {}, V(2, 36))["limits"]["absolute"]
    assert "maxPersonality" in limits(values, {}, V(2, 56))["limits"]["absolute"]
    assert "maxPersonality" not in limits(values, {}, V(2, 57))["limits"]["absolute"]


def test_hypervisor_ids_and_fields() -> None:
    h = hosts.Host(hostname="node", up=True, vcpus=4, memory_mb=1024, version="28.2.2")
    used = hosts.Usage(vcpus=1, memory_mb=512)
    old = hypervisor(h, used, V(2, 1), detail=True)
    assert old["id"] == 1 and old["free_ram_mb"] == 512 and old["cpu_info"] == "{}"
    assert old["hypervisor_version"] == 28002002
    new = hypervisor(h, used, V(2, 53), detail=True)
    assert new["id"] == hosts.hypervisor_uuid("node") and new["cpu_info"] == {}
    assert hosts.hypervisor_uuid("node") == hosts.hypervisor_uuid("node")
    latest = hypervisor(h, used, V(2, 88), detail=True, uptime="up")
    assert "vcpus" not in latest and latest["uptime"] == "up"
    assert hypervisor(h, used, V(2, 75), detail=False, with_servers=True)["servers"] == []
    assert "servers" not in hypervisor(h, used, V(2, 74), detail=False, with_servers=True)


def test_flavor_bootstrap_is_idempotent(make_api: MakeApi) -> None:
    api = make_api(container_engine="fake")
    with api.deps.sessions() as db, db.begin():
        assert flavors.bootstrap(db, 0.0) is False  # prepare() seeded them already
        listed, more = flavors.list_flavors(db, None, True, flavors.ListQuery(is_public=None))
        assert [f.name for f in listed][:2] == ["m1.tiny", "m1.small"] and not more
        assert flavors.flavor_dict(db, listed[0]) == {
            "id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "ephemeral": 0,
            "swap": 0, "extra_specs": {}}
        with pytest.raises(BadRequest, match="Flavor nope could not be found."):
            flavors.get_for_boot(db, "nope", "p", False)
        assert flavors.get_for_boot(db, "http://x/compute/flavors/2", "p", False).id == "2"


def _server(db, sid: str, state: str = "active") -> None:  # noqa: ANN001
    db.add(Server(id=sid, name=sid, hostname=sid, project_id="p", user_id="u", image_id="i",
                  flavor_id="1", flavor={"vcpus": 1, "ram": 512, "disk": 1},
                  vm_state=state, created_at=0.0, updated_at=0.0, deleted=False,
                  networks=[], security_groups=[], config_drive=False,
                  availability_zone="nova", power_state=0, progress=0, locked=False,
                  launch_index=0, reservation_id=""))
    db.flush()


def test_anti_affinity_allows_one_member_per_host(make_api: MakeApi) -> None:
    api = make_api(container_engine="fake")
    with api.deps.sessions() as db, db.begin():
        anti = server_groups.create(db, 0.0, project_id="p", user_id="u", name="a",
                                    policy="anti-affinity")
        two = server_groups.create(db, 0.0, project_id="p", user_id="u", name="b",
                                   policy="anti-affinity", rules={"max_server_per_host": "2"})
        near = server_groups.create(db, 0.0, project_id="p", user_id="u", name="c",
                                    policy="affinity")
        server_groups.check_member_fits(db, anti.id, None)
        with pytest.raises(NoValidHost, match="No valid host was found"):
            server_groups.check_member_fits(db, anti.id, None, count=2)
        _server(db, "s1")
        server_groups.add_member(db, anti.id, "s1")
        with pytest.raises(NoValidHost):
            server_groups.check_member_fits(db, anti.id, None)
        _server(db, "s2", state="error")  # a failed build holds no place
        server_groups.add_member(db, two.id, "s2")
        server_groups.add_member(db, two.id, "s1")
        server_groups.check_member_fits(db, two.id, None)
        for i in range(5):
            _server(db, f"n{i}")
            server_groups.add_member(db, near.id, f"n{i}")
        server_groups.check_member_fits(db, near.id, None, count=5)
        with pytest.raises(Forbidden, match="too many servers in group"):
            server_groups.check_member_fits(db, near.id, None, count=6)
        with pytest.raises(BadRequest):
            server_groups.check_member_fits(db, "no-such-group", None)
        assert sorted(server_groups.groups_of(db, "s1")) == sorted([anti.id, two.id])
        assert quotas.usage(db, "p")["server_group_members"] == 8


def test_how_many_servers_fit_is_computed_not_searched(make_api: MakeApi) -> None:
    """max_count 2**64 answers at once (it once counted down from it, one by one)."""
    api = make_api(container_engine="fake")
    with api.deps.sessions() as db, db.begin():
        limit = quotas.limits(db, "p")["instances"]
        assert quotas.how_many_servers_fit(db, "p", 1, 64, 1, 2**64) == limit
        assert quotas.how_many_servers_fit(db, "p", 1, 64, 2, 3) == 3
        quotas.set_limits(db, "p", {"instances": 4, "cores": 3})
        assert quotas.how_many_servers_fit(db, "p", 1, 64, 1, 2**64) == 3
        assert quotas.how_many_servers_fit(db, "p", 0, 0, 1, 2**64) == 4
        with pytest.raises(Forbidden, match="Quota exceeded for instances"):
            quotas.how_many_servers_fit(db, "p", 0, 0, 5, 2**64)
        quotas.set_limits(db, "p", {"instances": -1, "cores": -1, "ram": -1})
        assert quotas.how_many_servers_fit(db, "p", 1, 64, 1, 2**64) == 2**64
