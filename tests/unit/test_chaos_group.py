"""`cheptel chaos --scaling-group` and the dockerd fault in-process: the group is named as
STACK/RESOURCE of the project's own stack (another project's stack is unknown, another
resource type refused); the victims are the group's ACTIVE servers read again at each
injection (a killed one, replaced, is never drawn again); a kill is noticed when its
server is down and replaced when the group is back at its size without it; `--pool`
alone re-reads its victims too. The dockerd fault restarts the engine through the
function it is given (here a fake; cheptel.backends.dockerd's own restart runs on a
stand-in process), refused without live restore."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from cheptel import chaos
from cheptel.backends import dockerd
from cheptel.chaos_group import GroupRun, find_group, members
from cheptel.chaos_pool import PoolRun, members_by_server, pool_targets
from cheptel.cli import main
from cheptel.loadbalancer.models import Member
from cheptel.reconciler.servers import container_name
from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud
from tests.unit.test_chaos_pool import _service
from tests.unit.test_orchestration_groups import FILES, MEMBER

TEMPLATE = {"heat_template_version": "2018-08-31", "resources": {
    "herd": {"type": "OS::Heat::AutoScalingGroup", "properties": {
        "min_size": 3, "max_size": 4, "resource": {"type": MEMBER}}},
    "lone": {"type": "OS::Nova::Server", "properties": {
        "image": "busybox", "flavor": "m1.tiny", "networks": []}}},
    "outputs": {"refs": {"value": {"get_attr": ["herd", "refs"]}}}}


def _stack(rcloud: Cloud) -> str:
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "web-tier", "template": TEMPLATE,
                                         "files": FILES})
    assert r.status_code == 201, r.text
    rcloud.settle()
    return str(r.json()["stack"]["id"])


def _refs(rcloud: Cloud, sid: str) -> list[str]:
    stack = heat(rcloud, "GET", f"/stacks/web-tier/{sid}").json()["stack"]
    return list(next(o["output_value"] for o in stack["outputs"] if o["output_key"] == "refs"))


def test_the_group_is_the_projects_own_and_a_group(rcloud: Cloud) -> None:
    sid = _stack(rcloud)
    refs = _refs(rcloud, sid)
    with rcloud.deps.sessions() as db:
        project, where = find_group(db, "demo", "web-tier/herd")
        assert (where.stack_id, where.type) == (sid, "OS::Heat::AutoScalingGroup")
        assert find_group(db, "demo", f"{sid}/herd")[1] == where  # by id too
        size, servers = members(db, project, where)
        assert size == 3 and sorted(s.id for s in servers) == sorted(refs)
        for ref, why in (("web-tier/lone", "not an OS::Heat::ResourceGroup or "
                                           "OS::Heat::AutoScalingGroup"),
                         ("web-tier/nope", "has no resource nope"),
                         ("web-tier", "takes STACK/RESOURCE"),
                         ("other/herd", "no stack other")):
            with pytest.raises(ValueError, match=why):
                find_group(db, "demo", ref)
        # another project's stack, by name or id: as if there were none
        for ref in ("web-tier/herd", f"{sid}/herd"):
            with pytest.raises(ValueError, match="no stack"):
                find_group(db, "admin", ref)


def test_victims_read_again_and_replacements_timed(rcloud: Cloud) -> None:
    sid = _stack(rcloud)
    first = _refs(rcloud, sid)
    with rcloud.deps.sessions() as db:
        project, where = find_group(db, "demo", "web-tier/herd")
    engine = create_engine(rcloud.deps.settings.db_url)
    group = GroupRun(engine, project, where, None, seed=3)
    chosen = group.members(active=True)
    assert sorted(t.server_id for t in chosen) == sorted(first)
    schedule = chaos.plan(chosen, ["kill"], duration=1.5, every=0.6, seed=3, later=True)
    assert [(at, t) for at, t, _ in schedule] == [(0.6, None), (1.2, None)]
    done = threading.Event()

    def reconciler() -> None:  # `cheptel serve`'s passes: SHUTOFF seen, the group heals
        while not done.wait(0.2):
            rcloud.pass_once()

    passes = threading.Thread(target=reconciler)
    passes.start()
    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall, grace=30.0)
    try:
        report = runner.run(project, chosen, schedule, 1.5, 80, ["kill"],
                            pick=group.pick, group=group)
    finally:
        done.set()
        passes.join()
    one, two = report.injections
    assert one.server_id in first and two.server_id != one.server_id
    assert two.server_id in group.before[two.server_id][0]  # drawn among the members then
    for i in (one, two):
        assert i.detected_after is not None and i.replaced_after is not None, i
        assert i.detected_after <= i.replaced_after
    now = _refs(rcloud, sid)
    assert len(now) == 3 and one.server_id not in now and two.server_id not in now
    assert all(rcloud.status(s) == "ACTIVE" for s in now)
    assert report.left == [], report.left
    assert report.as_dict()["group"] == {"stack_id": sid, "stack": "web-tier",
                                         "resource": "herd",
                                         "type": "OS::Heat::AutoScalingGroup"}
    text = report.text()
    assert "scaling group web-tier/herd (OS::Heat::AutoScalingGroup)" in text
    assert text.count("server down") == 2 and text.count("replaced") == 2
    engine.dispose()


def test_a_kill_the_group_does_not_replace_is_said(rcloud: Cloud) -> None:
    sid = _stack(rcloud)
    with rcloud.deps.sessions() as db:
        project, where = find_group(db, "demo", "web-tier/herd")
    engine = create_engine(rcloud.deps.settings.db_url)
    group = GroupRun(engine, project, where, None)
    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall, grace=0.5)
    report = runner.run(project, group.members(True), [(0.0, None, "stop")], 0.3, 80,
                        ["stop"], pick=group.pick, group=group)
    (stopped,) = report.injections  # no reconciler pass: nothing noticed it
    assert stopped.detected_after is None and stopped.replaced_after is None
    assert "server down never, not replaced" in report.text()
    name = next(t.name for t in report.targets if t.server_id == stopped.server_id)
    assert report.left == [f"{name} is ACTIVE but its container is exited"]
    rcloud.deps.reconciler.convergers.pop("orchestration")  # no heal: SHUTOFF stays
    rcloud.pass_once()
    assert group.leftovers() == ["group web-tier/herd: 2 of 3 servers ACTIVE"]
    assert len(_refs(rcloud, sid)) == 3
    engine.dispose()


def test_the_command_plans_a_group_run_and_refuses_mixed_targets(
        rcloud: Cloud, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sid = _stack(rcloud)
    refs = _refs(rcloud, sid)
    base = ["chaos", "--data-dir", str(rcloud.deps.settings.data_dir), "--project", "demo",
            "--faults", "kill", "--duration", "10", "--every", "4", "--dry-run"]
    assert main([*base, "--scaling-group", "web-tier/herd"]) == 0
    out = capsys.readouterr().out
    assert "plan: 2 faults on 3 ACTIVE servers of demo" in out
    assert "scaling group web-tier/herd (OS::Heat::AutoScalingGroup) now:" in out
    assert out.count("one of the group's ACTIVE servers then") == 2
    assert all(rcloud.status(s) == "ACTIVE" for s in refs)  # a dry run touches nothing
    assert main([*base, "--scaling-group", "web-tier/herd", "--group", "g"]) == 2
    assert main([*base, "--scaling-group", "web-tier/lone"]) == 2
    assert main([*base, "--scaling-group", "web-tier/herd", "--project", "admin"]) == 2
    capsys.readouterr()
    # the dockerd fault: refused unless the pid file names a dockerd serving the engine
    (tmp_path / "not.pid").write_text(f"{os.getpid()}\n")
    assert main([*base, "--faults", "dockerd", "--scaling-group", "web-tier/herd",
                 "--dockerd-pidfile", str(tmp_path / "not.pid")]) == 2
    assert "the dockerd fault: process" in capsys.readouterr().err


def test_pool_victims_read_again_never_a_dead_member_twice(rcloud: Cloud) -> None:
    webs, lb, pool, members_ = _service(rcloud)
    engine = create_engine(rcloud.deps.settings.db_url)
    with rcloud.deps.sessions() as db:
        project, found, where = pool_targets(db, "demo", pool["id"])
    run = PoolRun(engine, "demo", where, seed=1)
    assert run.pick(found[0]) == found[0]  # still an ACTIVE member: as planned
    rcloud.engine.stop(container_name(found[0].server_id), 0)
    rcloud.pass_once()  # SHUTOFF
    for _ in range(5):  # no longer a victim: another one is drawn
        assert run.pick(found[0]) == found[1]
    rcloud.engine.stop(container_name(found[1].server_id), 0)
    rcloud.pass_once()
    assert run.pick(found[1]) is None
    engine.dispose()


def test_the_dockerd_fault_restarts_the_engine_it_is_given(rcloud: Cloud) -> None:
    sid = rcloud.active("web")
    down = threading.Event()
    restarts: list[float] = []
    real_info = rcloud.engine.host_info

    def host_info() -> dict[str, Any]:
        if down.is_set():
            raise ConnectionError("Cannot connect to the Docker daemon")
        return real_info()

    def restart() -> None:  # the daemon stops, comes back 0.3 s later; containers live
        restarts.append(time.monotonic())
        down.set()
        threading.Timer(0.3, down.clear).start()

    rcloud.engine.host_info = host_info  # type: ignore[method-assign]
    assert "dockerd" not in chaos.FAULTS[:4]  # never among the others by default
    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall, grace=3.0, restart_engine=restart)
    with rcloud.deps.sessions() as db:
        project, found = chaos.targets(db, "demo", None)
    schedule = chaos.plan(found, ["dockerd"], 0.5, 0.2, seed=1)
    assert [(t, f) for _, t, f in schedule] == [(chaos.ENGINE, "dockerd")] * 2
    report = runner.run(project, found, schedule[:1], 0.5, 80, ["dockerd"])
    (injection,) = report.injections
    assert len(restarts) == 1 and injection.server_id == ""
    assert injection.detected_after is not None and 0.2 < injection.detected_after < 2.0
    assert injection.recovered_after is not None  # nothing probed: at once
    assert "dockerd restarted: the engine answering again" in report.text()
    assert report.left == [] and rcloud.status(sid) == "ACTIVE"

    rcloud.engine.live_restore = False  # its restart would stop every container: refused
    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall, grace=1.0, restart_engine=restart)
    report = runner.run(project, found, schedule[:1], 0.3, 80, ["dockerd"])
    assert report.injections == [] and len(restarts) == 1
    assert "without live restore" in report.left[0]


def test_dockerd_restart_stops_the_daemon_of_its_pid_file_and_starts_it_again(
        tmp_path: Path) -> None:
    """On a stand-in named dockerd (a sleeping python), never the host's daemon."""
    fake = tmp_path / "dockerd"
    fake.symlink_to(sys.executable)  # a process named dockerd that takes any argument
    old = subprocess.Popen([str(fake), "-c", SLEEP])
    _execd(old.pid, fake)
    pidfile, log = tmp_path / "docker.pid", tmp_path / "dockerd.log"
    pidfile.write_text(f"{old.pid}\n")
    new: list[int] = []
    try:
        assert dockerd.restart(pidfile, log, timeout=10) == old.pid
        assert old.wait(5) == -signal.SIGTERM
        for _ in range(50):  # the same command line again, detached
            new = [int(p) for p in os.listdir("/proc") if p.isdigit() and _cmd(p) == [
                str(fake), "-c", SLEEP] and int(p) != old.pid]
            if new:
                break
            time.sleep(0.1)
        assert len(new) == 1 and log.exists()
    finally:
        old.kill()
        for pid in new:
            os.kill(pid, signal.SIGKILL)
    # a daemon that does not serve the engine's URL: refused (another daemon's pid file)
    stand_in = subprocess.Popen([str(fake), "-c", SLEEP, "-H", "unix:///run/elsewhere.sock"])
    try:
        _execd(stand_in.pid, fake)
        pidfile.write_text(f"{stand_in.pid}\n")
        with pytest.raises(dockerd.RestartError, match="does not serve unix:///run/cheptel"):
            dockerd.restart(pidfile, log, url="unix:///run/cheptel.sock")
        with pytest.raises(dockerd.RestartError, match="does not serve"):
            dockerd.restart(pidfile, log, url="")  # the default socket
        assert dockerd.daemon(pidfile, "unix:///run/elsewhere.sock")[0] == stand_in.pid
        assert stand_in.poll() is None  # untouched
    finally:
        stand_in.kill()
        stand_in.wait()
    pidfile.write_text(f"{os.getpid()}\n")  # not a dockerd: refused, untouched
    with pytest.raises(dockerd.RestartError, match="not a dockerd"):
        dockerd.restart(pidfile, log)
    (tmp_path / "none.pid").write_text("")
    with pytest.raises(dockerd.RestartError, match="no running dockerd"):
        dockerd.restart(tmp_path / "none.pid", log)


SLEEP = "import time; time.sleep(300)"


def _execd(pid: int, binary: Path) -> None:
    """Wait until the child runs `binary` (before, its command line is its parent's)."""
    for _ in range(100):
        if _cmd(str(pid))[:1] == [str(binary)]:
            return
        time.sleep(0.05)
    raise AssertionError(f"{pid} never ran {binary}")


def _cmd(pid: str) -> list[str]:
    try:
        return [c.decode() for c in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if c]
    except OSError:
        return []


WEB = """
heat_template_version: 2018-08-31
parameters:
  pool: {type: string}
  network: {type: string}
  subnet: {type: string}
resources:
  server:
    type: OS::Nova::Server
    properties: {image: busybox, flavor: m1.tiny, networks: [{network: {get_param: network}}]}
  member:
    type: OS::Octavia::PoolMember
    properties:
      pool: {get_param: pool}
      address: {get_attr: [server, first_address]}
      protocol_port: 8080
      subnet: {get_param: subnet}
outputs:
  OS::stack_id:
    value: {get_resource: server}
"""


def test_behind_a_pool_noticed_by_its_member_replaced_when_the_new_one_is_online(
        rcloud: Cloud) -> None:
    from tests.unit.loadbalancer import subnet

    quiet(rcloud)
    sub = subnet(rcloud)
    net = rcloud.neutron("GET", f"/subnets/{sub}").json()["subnet"]["network_id"]
    props = {"pool": {"get_resource": "pool"}, "network": net, "subnet": sub}
    template = {"heat_template_version": "2018-08-31", "resources": {
        "lb": {"type": "OS::Octavia::LoadBalancer", "properties": {"vip_subnet": sub}},
        "listener": {"type": "OS::Octavia::Listener", "properties": {
            "loadbalancer": {"get_resource": "lb"}, "protocol": "HTTP",
            "protocol_port": 80}},
        "pool": {"type": "OS::Octavia::Pool", "properties": {
            "listener": {"get_resource": "listener"}, "protocol": "HTTP",
            "lb_algorithm": "ROUND_ROBIN"}},
        "hm": {"type": "OS::Octavia::HealthMonitor", "properties": {
            "pool": {"get_resource": "pool"}, "type": "HTTP", "delay": 1, "timeout": 1,
            "max_retries": 1}},
        "herd": {"type": "OS::Heat::AutoScalingGroup", "properties": {
            "min_size": 2, "max_size": 3, "resource": {"type": "web.yaml",
                                                       "properties": props}}}}}
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "web-tier", "template": template,
                                         "files": {"web.yaml": WEB}})
    assert r.status_code == 201, r.text
    for _ in range(40):
        rcloud.settle()
        stack = heat(rcloud, "GET", f"/stacks/web-tier/{r.json()['stack']['id']}").json()
        if stack["stack"]["stack_status"] != "CREATE_IN_PROGRESS":
            break
    assert stack["stack"]["stack_status"] == "CREATE_COMPLETE", stack
    health = rcloud.deps.reconciler.convergers["load-balancer"].read_health
    balancers = rcloud.deps.balancers
    with rcloud.deps.sessions() as db:
        project, where = find_group(db, "demo", "web-tier/herd")
        pool_id = next(iter(balancers.balancers.values())).pools[0].id
        _, _, pool = pool_targets(db, "demo", pool_id)
    health(pool.loadbalancer_id)  # every member UP: ONLINE
    engine = create_engine(rcloud.deps.settings.db_url)
    group = GroupRun(engine, project, where, pool, seed=2)
    chosen = group.members(active=True)
    assert len(chosen) == 2 and set(pool.members) == {t.server_id for t in chosen}
    steps: list[str] = []

    def heal(victim: str) -> None:
        balancers.member_status[pool.members[victim]] = "DOWN"  # its checks fail
        health(pool.loadbalancer_id)
        steps.append("ERROR")
        time.sleep(0.3)
        rcloud.pass_once()  # SHUTOFF seen, the member replaced (server and member)
        steps.append("replaced")
        time.sleep(0.3)  # not ONLINE until the balancer's checks say so
        health(pool.loadbalancer_id)
        steps.append("ONLINE")

    healer: list[threading.Thread] = []

    def say(line: str) -> None:
        if " kill " in line:
            victim = next(t.server_id for t in chosen if line.endswith(t.name))
            healer.append(threading.Thread(target=heal, args=(victim,)))
            healer[0].start()

    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall, grace=5.0)
    report = runner.run(project, chosen, [(0.0, None, "kill")], 0.5, 80, ["kill"], say=say,
                        pool=pool, pick=group.pick, group=group)
    healer[0].join()
    (kill,) = report.injections
    assert steps == ["ERROR", "replaced", "ONLINE"]
    assert kill.detected_after is not None and kill.replaced_after is not None, kill
    assert "member ERROR" in report.text() and report.left == [], report.left
    # replaced means the new server's member ONLINE too, not only the server ACTIVE
    before, _ = group.before[kill.server_id]
    with Session(engine) as db:
        new = next(t.server_id for t in group.members() if t.server_id not in before)
        member = db.get(Member, members_by_server(db, project, pool.pool_id)[new])
        assert group.replaced(db, kill.server_id, before)
        assert member is not None
        member.operating_status = "ERROR"
        db.commit()
        assert not group.replaced(db, kill.server_id, before)
    engine.dispose()
