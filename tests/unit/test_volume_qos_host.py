"""Front-end QoS made real, over the fake engine, storage and cgroups with the reconciler
run by hand: an attached volume of a type with front-end specs is limited in its server's
cgroup on its device; a container restart (a new cgroup) is repaired by the next pass;
back-end specs and volumes without QoS are unlimited."""

from __future__ import annotations

from cheptel.backends.iothrottle import FakeIoThrottle, IoLimits
from cheptel.volume.models import Volume
from cheptel.volume.service import qos, types
from tests.unit.reconcile import Cloud
from tests.unit.test_volume_attach_host import _attach, _detach, _volume


def _throttle(cloud: Cloud) -> FakeIoThrottle:
    assert isinstance(cloud.deps.throttle, FakeIoThrottle)
    return cloud.deps.throttle


def _qos_volume(cloud: Cloud, consumer: str = "front-end", **specs: str) -> tuple[str, str]:
    """A volume of a new type associated with new QoS specs: (volume, specs) ids."""
    vid = _volume(cloud)
    with cloud.deps.sessions() as db, db.begin():
        made = qos.create(db, {"name": f"q-{vid}", "consumer": consumer, **specs}, 0.0)
        vt = types.create(db, {"name": f"t-{vid}"}, True, 0.0)
        qos.associate(db, made, vt.id)
        volume = db.get(Volume, vid)
        assert volume is not None
        volume.volume_type_id = vt.id
        return vid, made.id


def _pid(cloud: Cloud, sid: str) -> int:
    return int(cloud.container(sid).state.pid)


def test_limits_follow_the_specs_and_survive_a_restart(rcloud: Cloud) -> None:
    sid = rcloud.active()
    vid, qos_id = _qos_volume(rcloud, read_bytes_sec="1048576", total_iops_sec="100",
                              write_bytes_sec="junk")
    plain = _volume(rcloud)
    _attach(rcloud, vid, sid)
    _attach(rcloud, plain, sid)
    rcloud.settle()
    device = rcloud.deps.blocks.device_of(sid, "vdb")
    assert device is not None
    first = _pid(rcloud, sid)
    expected = IoLimits(read_bps=1048576, write_bps=0, read_iops=100, write_iops=100)
    assert _throttle(rcloud).limits == {(first, device): expected}  # plain: no limits

    rcloud.act(sid, "reboot", {"type": "HARD"})  # a new first process, a new cgroup
    rcloud.settle()
    now = _pid(rcloud, sid)
    assert now != first and _throttle(rcloud).get(now, device) == IoLimits()
    rcloud.pass_once()
    assert _throttle(rcloud).get(now, device) == expected
    writes = _throttle(rcloud).writes
    rcloud.pass_once()  # nothing differs: nothing written
    assert _throttle(rcloud).writes == writes

    with rcloud.deps.sessions() as db, db.begin():  # specs changed: the next pass applies
        qos.update(db, qos.get(db, qos_id), {"read_bytes_sec": "2048"}, 1.0)
    rcloud.pass_once()
    assert _throttle(rcloud).limits[(_pid(rcloud, sid), device)].read_bps == 2048

    with rcloud.deps.sessions() as db, db.begin():  # the back end's: no front-end limit
        qos.update(db, qos.get(db, qos_id), {"consumer": "back-end"}, 2.0)
    rcloud.pass_once()
    assert _throttle(rcloud).get(_pid(rcloud, sid), device) == IoLimits()


def test_a_disassociated_type_loses_its_limits(rcloud: Cloud) -> None:
    sid = rcloud.active()
    vid, qos_id = _qos_volume(rcloud, "both", write_iops_sec="50")
    att = _attach(rcloud, vid, sid)
    rcloud.settle()
    assert list(_throttle(rcloud).limits.values()) == [IoLimits(write_iops=50)]
    with rcloud.deps.sessions() as db, db.begin():
        qos.disassociate_all(db, qos.get(db, qos_id))
    rcloud.pass_once()
    assert _throttle(rcloud).limits == {}
    _detach(rcloud, att)
    rcloud.settle()
    assert rcloud.deps.blocks.mounts() == {}
