"""Load balancers on the real dataplane, without a cheptel server: a real bridge, the VIP's
namespace made by the netlink plumbing (as the network reconciler makes it), a real
HAProxy run by cheptel.backends.haproxy, members that are `busybox httpd` in namespaces
of their own on the bridge, and a client in another (the host has no address there)."""

from __future__ import annotations

import ctypes
import http.client
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import pytest

from cheptel.backends.balancer import (
    Balancer,
    BalancerError,
    L7Policy,
    L7Rule,
    Listener,
    Member,
    Monitor,
    Pool,
)
from cheptel.backends.haproxy import HaproxyBalancers, alive, ask, master_reloads
from cheptel.backends.netlink import NetlinkPlumbing
from cheptel.backends.plumbing import (
    Bridge,
    RouterNamespace,
    RouterPort,
    balancer_namespace,
    host_veth,
)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("haproxy") or not shutil.which("busybox"),
    reason="needs root, haproxy and busybox (scripts/setup.sh installs them)")

CLOUD = "lb-test-" + uuid.uuid4().hex[:12]  # a cloud of its own: nothing else is touched
NET = "198.18.77"
VIP = f"{NET}.5"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
T = TypeVar("T")


@dataclass
class Site:
    plumbing: NetlinkPlumbing
    bridge: str
    root: Path
    httpd: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def namespace(self, name: str, host: int, inner: str = "eth0") -> str:
        """A namespace on the bridge holding NET.<host>/24 (a VIP's, as the network
        reconciler makes it, or a stand-in for a member or a client)."""
        space = RouterNamespace(
            balancer_namespace(CLOUD, name), CLOUD, name,
            (RouterPort(name, host_veth(CLOUD, name), inner, self.bridge,
                        f"fa:16:3e:77:00:{host:02x}", (f"{NET}.{host}/24",)),),
            f"{NET}.1", forwarding=False)
        self.plumbing.ensure_router(space)
        return space.name

    def serve(self, name: str) -> None:
        """busybox httpd in member `name`'s namespace, answering its name."""
        docroot = self.root / "www" / name
        docroot.mkdir(parents=True, exist_ok=True)
        (docroot / "index.html").write_text(name)
        self.httpd[name] = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{balancer_namespace(CLOUD, name)}",
             "busybox", "httpd", "-f", "-p", "80", "-h", str(docroot)])

    def kill(self, name: str) -> None:
        proc = self.httpd.pop(name)
        proc.kill()
        proc.wait()


def _forward_rule(op: str, bridge: str) -> None:
    """The host bridges with br_netfilter and Docker's FORWARD policy drops: this test's
    bridge is let through (a cloud's own ruleset does that for its ports), first in
    FORWARD (Docker re-inserts its jump to DOCKER-USER now and then)."""
    subprocess.run(["iptables", "-w", op, "FORWARD", *(["1"] if op == "-I" else []),
                    "-i", bridge, "-o", bridge, "-j", "ACCEPT"], check=op == "-I",
                   capture_output=True)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    plumbing = NetlinkPlumbing()
    bridge = "cbh" + uuid.uuid4().hex[:10]
    plumbing.ensure_bridge(Bridge(bridge, CLOUD, "lb-net", None))
    _forward_rule("-I", bridge)
    # short: HAProxy's unix sockets take a path of 107 characters at most
    root = Path(tempfile.mkdtemp(prefix="chlb-"))
    out = Site(plumbing, bridge, root)
    try:
        for i, name in enumerate(("m1", "m2", "m3", "m4")):
            out.namespace(name, 11 + i)
            out.serve(name)
        out.namespace("client", 100)
        yield out
    finally:
        for name in list(out.httpd):
            out.kill(name)
        for name in plumbing.balancers(CLOUD):
            plumbing.remove_router(name)
        plumbing.remove_bridge(bridge)
        _forward_rule("-D", bridge)
        shutil.rmtree(root, ignore_errors=True)


def _in_namespace(name: str, work: Callable[[], T]) -> T:
    """`work` in a thread that joined the namespace (setns is a thread's own)."""
    out: dict[str, T] = {}

    def run() -> None:
        fd = os.open(f"/run/netns/{balancer_namespace(CLOUD, name)}", os.O_RDONLY)
        try:
            assert _libc.setns(fd, CLONE_NEWNET) == 0, ctypes.get_errno()
        finally:
            os.close(fd)
        out["value"] = work()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out["value"]


def _get(path: str = "/") -> tuple[int, str]:
    conn = http.client.HTTPConnection(VIP, 80, timeout=5)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def _answers(n: int) -> Counter[str]:
    return _in_namespace("client", lambda: Counter(
        body if status == 200 else str(status) for status, body in (_get() for _ in range(n))))


MONITOR = Monitor("HTTP", delay=1, timeout=1, max_retries=1, max_retries_down=2,
                  url_path="/index.html")


def _spec(namespace: str, members: tuple[str, ...] = ("m1", "m2", "m3"), **weights: int
          ) -> Balancer:
    pool = Pool("pool-1", "HTTP", "ROUND_ROBIN", tuple(
        Member(name, f"{NET}.{11 + int(name[1:]) - 1}", 80, weight=weights.get(name, 1))
        for name in members), MONITOR)
    return Balancer("lb-1", namespace, VIP, (Listener("listener-1", "HTTP", 80, "pool-1"),),
                    (pool,))


def _wait(what: Callable[[], bool], within: float, message: str) -> float:
    start = time.monotonic()
    while not what():
        assert time.monotonic() - start < within, message
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def balancer(site: Site) -> Iterator[tuple[HaproxyBalancers, Balancer]]:
    engine = HaproxyBalancers(site.root / "lb")
    spec = _spec(site.namespace("lb-1", 5, inner="vip"))
    start = time.monotonic()
    engine.ensure(spec)
    print(f"\nfirst start of a balancer: {(time.monotonic() - start) * 1000:.0f} ms")
    yield engine, spec
    engine.remove("lb-1")


def _members(engine: HaproxyBalancers) -> dict[str, str]:
    health = engine.health("lb-1")
    assert health is not None
    return health.members


def test_the_vips_namespace(balancer: tuple[HaproxyBalancers, Balancer]) -> None:
    _, spec = balancer

    def inside(*cmd: str) -> str:
        return subprocess.run(["nsenter", f"--net=/run/netns/{spec.namespace}", *cmd],
                              capture_output=True, text=True, check=True).stdout
    assert f"inet {VIP}/24" in inside("ip", "-o", "-4", "addr", "show", "vip")
    assert f"default via {NET}.1 dev vip" in inside("ip", "route")
    assert inside("cat", "/proc/sys/net/ipv4/ip_forward").strip() == "0"
    assert "state UP" in inside("ip", "-o", "link", "show", "lo") or "LOOPBACK,UP" in inside(
        "ip", "-o", "link", "show", "lo")


def test_requests_are_spread_round_robin(balancer: tuple[HaproxyBalancers, Balancer]
                                         ) -> None:
    engine, spec = balancer
    health = engine.health("lb-1")
    assert health is not None and health.listeners == {"listener-1": "OPEN"}
    _wait(lambda: _members(engine) == {"m1": "UP", "m2": "UP", "m3": "UP"}, 5,
          f"members not UP: {_members(engine)}")
    assert _answers(30) == {"m1": 10, "m2": 10, "m3": 10}
    stats = engine.health("lb-1").stats["listener-1"]  # type: ignore[union-attr]
    assert stats.total_connections >= 30 and stats.bytes_out > 0
    # an unchanged spec changes nothing; a new engine on the same files adopts the process
    pid = engine.pid(engine.paths("lb-1"))
    again = HaproxyBalancers(engine.directory)
    assert again.running() == {"lb-1"}
    again.ensure(spec)
    assert engine.pid(engine.paths("lb-1")) == pid
    assert master_reloads(ask(engine.paths("lb-1").master, "show proc"))[0] == 0


def test_no_request_fails_while_members_come_and_go(
        balancer: tuple[HaproxyBalancers, Balancer]) -> None:
    engine, spec = balancer
    stop = threading.Event()
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def load() -> None:
        while not stop.is_set():
            try:
                status, body = _get()
                outcome = body if status == 200 else f"HTTP {status}"
            except OSError as exc:
                outcome = f"error {exc}"
            with lock:
                results[outcome] += 1
    threads = [threading.Thread(target=_in_namespace, args=("client", load))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    steps = [("m1", "m2", "m3", "m4"), ("m2", "m3", "m4"), ("m2", "m4"), ("m1", "m2", "m4"),
             ("m1", "m3"), ("m1", "m2", "m3", "m4"), ("m1", "m2", "m3")]
    paths = engine.paths("lb-1")
    before = master_reloads(ask(paths.master, "show proc"))[0]
    start = time.monotonic()
    try:
        for members in steps:
            time.sleep(0.3)
            engine.ensure(_spec(spec.namespace, members))
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    reloads = master_reloads(ask(paths.master, "show proc"))[0] - before
    total = sum(results.values())
    failed = {k: v for k, v in results.items() if not k.startswith("m")}
    print(f"\nunder load: {total} requests in {time.monotonic() - start:.1f} s across "
          f"{reloads} reloads, {sum(failed.values())} failed")
    assert reloads == len(steps) and total > 100
    assert failed == {}, failed
    assert {"m1", "m2", "m3", "m4"} <= set(results)


def test_a_member_whose_server_dies_is_down_then_up_again(
        site: Site, balancer: tuple[HaproxyBalancers, Balancer]) -> None:
    engine, spec = balancer
    engine.ensure(spec)
    _wait(lambda: _members(engine) == {"m1": "UP", "m2": "UP", "m3": "UP"}, 5,
          f"members not UP: {_members(engine)}")
    site.kill("m2")
    fall = MONITOR.delay * MONITOR.max_retries_down
    took = _wait(lambda: _members(engine)["m2"] == "DOWN", fall + 1.5,
                 f"m2 not DOWN within {fall} s (+1.5): {_members(engine)}")
    print(f"\na dead member DOWN after {took:.1f} s (fall x inter: {fall} s)")
    assert set(_answers(6)) == {"m1", "m3"}  # no request goes to it
    site.serve("m2")
    _wait(lambda: _members(engine)["m2"] == "UP", MONITOR.delay * MONITOR.max_retries + 1.5,
          f"m2 not UP again: {_members(engine)}")


def test_weight_zero_drains_and_disabled_is_maint_without_a_reload(
        balancer: tuple[HaproxyBalancers, Balancer]) -> None:
    engine, spec = balancer
    master = engine.paths("lb-1").master
    reloads = master_reloads(ask(master, "show proc"))[0]
    engine.ensure(_spec(spec.namespace, m3=0))
    assert _members(engine) == {"m1": "UP", "m2": "UP", "m3": "DRAIN"}
    assert set(_answers(6)) == {"m1", "m2"}
    pool = spec.pools[0]
    off = replace(spec, pools=(replace(pool, members=(
        replace(pool.members[0], enabled=False), *pool.members[1:])),))
    engine.ensure(off)
    assert _members(engine) == {"m1": "MAINT", "m2": "UP", "m3": "UP"}
    assert set(_answers(6)) == {"m2", "m3"}
    engine.ensure(spec)
    assert _members(engine) == {"m1": "UP", "m2": "UP", "m3": "UP"}
    assert master_reloads(ask(master, "show proc"))[0] == reloads  # the runtime API only
    assert engine.paths("lb-1").config.read_text().count("disabled") == 0


def test_a_refused_configuration_leaves_the_old_one_serving(
        balancer: tuple[HaproxyBalancers, Balancer]) -> None:
    engine, spec = balancer
    bad = replace(spec, listeners=(replace(spec.listeners[0], l7policies=(
        L7Policy("p", "REJECT", (L7Rule("PATH", "REGEX", "(unclosed"),)),)),))
    with pytest.raises(BalancerError, match="HAProxy refused"):
        engine.ensure(bad)
    assert set(_answers(3)) <= {"m1", "m2", "m3"}
    assert "(unclosed" not in engine.paths("lb-1").config.read_text()


def test_a_namespace_made_again_restarts_haproxy(
        site: Site, balancer: tuple[HaproxyBalancers, Balancer]) -> None:
    engine, spec = balancer
    pid = engine.pid(engine.paths("lb-1"))
    site.plumbing.remove_router(spec.namespace)
    site.namespace("lb-1", 5, inner="vip")
    engine.ensure(spec)
    assert engine.pid(engine.paths("lb-1")) not in (None, pid)
    assert pid is not None and not alive(pid)
    _wait(lambda: len(_answers(3)) >= 2, 5, "the restarted HAProxy does not serve")


def test_remove_leaves_nothing(site: Site) -> None:
    engine = HaproxyBalancers(site.root / "lb")
    spec = replace(_spec(site.namespace("lb-2", 6, inner="vip")), id="lb-2", vip=f"{NET}.6")
    start = time.monotonic()
    engine.ensure(spec)
    took = time.monotonic() - start
    paths = engine.paths("lb-2")
    pid = engine.pid(paths)
    assert pid is not None
    workers = master_reloads(ask(paths.master, "show proc"))[1]
    print(f"\na second balancer started in {took * 1000:.0f} ms")
    engine.remove("lb-2")
    assert not any(alive(p) for p in (pid, *workers))
    assert not paths.directory.exists() and "lb-2" not in engine.running()
    assert engine.health("lb-2") is None


def test_a_refused_first_start_says_why_and_leaves_no_process(site: Site) -> None:
    engine = HaproxyBalancers(site.root / "lb")
    spec = replace(_spec(site.namespace("lb-3", 7, inner="vip")), id="lb-3", vip=f"{NET}.7")
    bad = replace(spec, listeners=(replace(spec.listeners[0], l7policies=(
        L7Policy("p", "REJECT", (L7Rule("PATH", "REGEX", "(unclosed"),)),)),))
    with pytest.raises(BalancerError, match="did not start.*ALERT"):
        engine.ensure(bad)
    assert engine.pid(engine.paths("lb-3")) is None and engine.health("lb-3") is None
    engine.ensure(spec)  # the next pass, with a good file
    assert engine.health("lb-3") is not None
    engine.remove("lb-3")
