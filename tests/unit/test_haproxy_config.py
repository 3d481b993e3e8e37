"""The HAProxy configuration a load balancer's spec becomes (Octavia's mapping), what
`show stat` says back, and the fake twin of the engine."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from cheptel.app import make_balancers
from cheptel.backends.balancer import (
    Balancer,
    BalancerError,
    L7Policy,
    L7Rule,
    Listener,
    Member,
    Monitor,
    Persistence,
    Pool,
)
from cheptel.backends.fake_balancer import FakeBalancers
from cheptel.backends.haproxy import (
    HaproxyBalancers,
    master_reloads,
    parse_stat,
    runtime_changes,
)
from cheptel.backends.haproxy_config import Paths, quote, render, status_regex
from cheptel.config import Settings

PATHS = Paths(Path("/var/lib/cheptel/lb/lb-1"))
MEMBERS = (Member("m1", "10.0.0.11", 80, weight=3),
           Member("m2", "10.0.0.12", 8080, weight=0, monitor_address="10.0.0.99",
                  monitor_port=9000),
           Member("m3", "10.0.0.13", 80, enabled=False, backup=True))
HTTP = Monitor("HTTP", delay=5, timeout=2, max_retries=2, max_retries_down=3,
               http_method="HEAD", url_path="/health", expected_codes="200-202",
               http_version=1.1, domain_name="example.org")


def _lb(*listeners: Listener, pools: tuple[Pool, ...] = (), enabled: bool = True) -> Balancer:
    return Balancer("lb-1", "cheptel-lb-c-lb-1", "10.0.0.5", listeners, pools, enabled)


def _section(text: str, header: str) -> list[str]:
    """The lines of one section (`frontend x`, `backend y`), stripped."""
    lines = text.splitlines()
    start = lines.index(header)
    out = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        out.append(line.strip())
    return out


def test_a_listener_and_its_pool_as_octavia_renders_them() -> None:
    pool = Pool("pool-1", "HTTP", "LEAST_CONNECTIONS", MEMBERS, HTTP,
                Persistence("HTTP_COOKIE"))
    text = render(_lb(Listener(
        "lis-1", "HTTP", 80, "pool-1", connection_limit=100, timeout_client_data=1000,
        timeout_member_connect=2000, timeout_member_data=3000, timeout_tcp_inspect=500,
        insert_headers=(("X-Forwarded-For", "true"), ("X-Forwarded-Port", "true"),
                        ("X-Forwarded-Proto", "false")),
        allowed_cidrs=("10.0.0.0/8", "192.168.0.0/16")), pools=(pool,)), PATHS)
    assert f"stats socket {PATHS.stats} mode 600 level admin" in text
    assert f"server-state-file {PATHS.state}" in text
    assert "load-server-state-from-file global" in text
    front = _section(text, "frontend lis-1")
    for line in ("maxconn 100", "bind 10.0.0.5:80", "mode http", "timeout client 1000ms",
                 "acl allowed-cidr src 10.0.0.0/8 192.168.0.0/16",
                 "tcp-request connection reject unless allowed-cidr",
                 "tcp-request inspect-delay 500ms", "option forwardfor",
                 "http-request set-header X-Forwarded-Port %[dst_port]",
                 "default_backend pool-1:lis-1"):
        assert line in front, (line, front)
    assert not [line for line in front if "X-Forwarded-Proto" in line]
    back = _section(text, "backend pool-1:lis-1")
    for line in ("mode http", "balance leastconn", "timeout connect 2000ms",
                 "timeout server 3000ms", "cookie SRV insert indirect nocache",
                 "option httpchk",
                 "http-check send meth HEAD uri '/health' ver HTTP/1.1 hdr Host 'example.org'",
                 "http-check expect rstatus '^(200|201|202)$'", "timeout check 2s",
                 "server m1 10.0.0.11:80 weight 3 check inter 5s fall 3 rise 2 cookie m1",
                 "server m2 10.0.0.12:8080 weight 0 check inter 5s fall 3 rise 2 "
                 "addr 10.0.0.99 port 9000 cookie m2",
                 "server m3 10.0.0.13:80 weight 1 check inter 5s fall 3 rise 2 cookie m3 "
                 "backup disabled"):
        assert line in back, (line, back)


def test_tcp_listeners_algorithms_persistence_and_monitors() -> None:
    pools = (Pool("p-src", "TCP", "SOURCE_IP", MEMBERS[:1], Monitor("TCP", 1, 1, 1, 1),
                  Persistence("SOURCE_IP", timeout=30)),
             Pool("p-ping", "PROXY", "ROUND_ROBIN", MEMBERS[:1], Monitor("PING", 2, 1, 1, 2)),
             Pool("p-app", "HTTP", "ROUND_ROBIN", MEMBERS[:1], Monitor("HTTPS", 1, 1, 1, 1),
                  Persistence("APP_COOKIE", "JSESSIONID", 60)),
             Pool("p-tls", "PROXYV2", "ROUND_ROBIN", MEMBERS[:1],
                  Monitor("TLS-HELLO", 1, 1, 1, 1)))
    text = render(_lb(Listener("l-tcp", "TCP", 22, "p-src"),
                      Listener("l-https", "HTTPS", 443, "p-ping"),
                      Listener("l-http", "HTTP", 80, "p-app"),
                      Listener("l-tls", "TCP", 8443, "p-tls"), pools=pools), PATHS)
    assert "mode tcp" in _section(text, "frontend l-tcp")
    assert "mode tcp" in _section(text, "frontend l-https")  # HTTPS: passed through
    src = _section(text, "backend p-src:l-tcp")
    assert "balance source" in src and "stick on src" in src
    assert "stick-table type ip size 10k expire 30s" in src
    assert "option httpchk" not in src  # TCP: a connect
    assert "server m1 10.0.0.11:80 weight 3 check inter 1s fall 1 rise 1" in src
    ping = _section(text, "backend p-ping:l-https")  # PING: a TCP connect (no ICMP)
    assert "balance roundrobin" in ping and not [x for x in ping if "httpchk" in x]
    assert ping[-1].endswith("check inter 2s fall 2 rise 1 send-proxy")
    app = _section(text, "backend p-app:l-http")
    assert "stick store-response res.cook(JSESSIONID)" in app
    assert "stick match req.cook(JSESSIONID)" in app
    assert "http-check expect rstatus '^(200)$'" in app
    assert app[-1].endswith("check-ssl verify none")
    tls = _section(text, "backend p-tls:l-tls")
    assert "option ssl-hello-chk" in tls and tls[-1].endswith("send-proxy-v2")


def test_l7_policies_become_acls_and_actions_in_haproxys_order() -> None:
    pools = (Pool("p1", "HTTP", "ROUND_ROBIN", MEMBERS[:1]),
             Pool("p2", "HTTP", "ROUND_ROBIN", MEMBERS[:1]))
    policies = (
        L7Policy("to-pool", "REDIRECT_TO_POOL", (L7Rule("PATH", "STARTS_WITH", "/api"),),
                 redirect_pool_id="p2"),
        L7Policy("deny", "REJECT", (
            L7Rule("HOST_NAME", "EQUAL_TO", "bad.example.org"),
            L7Rule("HEADER", "REGEX", r"^it's \d+$", key="X-Thing", invert=True))),
        L7Policy("url", "REDIRECT_TO_URL", (L7Rule("COOKIE", "CONTAINS", "x y", key="c"),),
                 redirect_url="https://elsewhere.example.org/", redirect_http_code=301),
        L7Policy("prefix", "REDIRECT_PREFIX", (L7Rule("FILE_TYPE", "EQUAL_TO", "jpg"),),
                 redirect_prefix="https://img.example.org"),
        L7Policy("no-rules", "REJECT", ()))  # never matches
    text = render(_lb(Listener("l", "HTTP", 80, "p1", l7policies=policies), pools=pools),
                  PATHS)
    front = _section(text, "frontend l")
    assert "acl to-pool-0 path -m beg '/api'" in front
    assert "acl deny-0 req.hdr(host) -i -m str 'bad.example.org'" in front
    assert "acl deny-1 req.hdr(X-Thing) -m reg '^it'\\''s \\d+$'" in front
    assert "acl url-0 req.cook(c) -m sub 'x y'" in front
    assert "acl prefix-0 path_end -m str '.jpg'" in front
    actions = [line for line in front if line.split()[0] in (
        "http-request", "redirect", "use_backend", "default_backend")]
    assert actions == [
        "http-request deny if deny-0 !deny-1",
        "redirect location 'https://elsewhere.example.org/' code 301 if url-0",
        "redirect prefix 'https://img.example.org' if prefix-0",
        "use_backend p2:l if to-pool-0",
        "default_backend p1:l"]
    assert "backend p2:l" in text.splitlines() and "no-rules" not in text


def test_what_is_disabled_is_not_bound() -> None:
    pools = (Pool("p1", "HTTP", "ROUND_ROBIN", MEMBERS[:1], enabled=False),)
    on, off = Listener("on", "HTTP", 80, "p1"), Listener("off", "HTTP", 81, "p1",
                                                         enabled=False)
    text = render(_lb(on, off, pools=pools), PATHS)
    assert "frontend on" in text and "frontend off" not in text and ":81" not in text
    assert "backend" not in text.replace("default_backend", "")  # a disabled pool: 503
    assert "frontend" not in render(_lb(on, pools=pools, enabled=False), PATHS)


def test_helpers() -> None:
    assert status_regex("200") == "^(200)$"
    assert status_regex("200, 202") == "^(200|202)$"
    assert status_regex("301-303,200") == "^(301|302|303|200)$"
    assert quote("a'b$c") == "'a'\\''b$c'"


@pytest.mark.skipif(shutil.which("haproxy") is None,
                    reason="haproxy is not installed (scripts/setup.sh installs it)")
def test_haproxy_accepts_every_rendering(tmp_path: Path) -> None:
    pools = (Pool("p1", "HTTP", "LEAST_CONNECTIONS", MEMBERS, HTTP,
                  Persistence("APP_COOKIE", "SID", 30)),
             Pool("p2", "PROXY", "SOURCE_IP", MEMBERS, Monitor("TLS-HELLO", 1, 1, 1, 1),
                  Persistence("SOURCE_IP")))
    policies = (L7Policy("r", "REJECT", (L7Rule("PATH", "REGEX", r"^/a'b\.(x|y)$"),
                                         L7Rule("HEADER", "ENDS_WITH", "$HOME", key="X"))),
                L7Policy("p", "REDIRECT_TO_POOL", (L7Rule("FILE_TYPE", "REGEX", r"\.png$"),),
                         redirect_pool_id="p2"))
    balancer = _lb(Listener("l1", "HTTP", 80, "p1", l7policies=policies,
                            allowed_cidrs=("10.0.0.0/8",),
                            insert_headers=(("X-Forwarded-For", "true"),)),
                   Listener("l2", "TCP", 81, "p2"), pools=pools)
    paths = Paths(tmp_path)
    (tmp_path / "haproxy.cfg").write_text(render(balancer, paths))
    proc = subprocess.run(["haproxy", "-c", "-f", str(tmp_path / "haproxy.cfg")],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "[ALERT]" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines()
                if "WARNING" in line and "server state file" not in line]
    assert warnings == []


STAT = """# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,\
wretr,wredis,status,weight,act
lis-1,FRONTEND,,,3,5,100,42,1000,2000,0,0,1,,,,,OPEN,,
pool-1:lis-1,m1,0,0,1,2,,20,500,900,,0,,0,0,0,0,UP,3,1
pool-1:lis-1,m2,0,0,0,0,,10,0,0,,0,,0,0,0,0,DOWN 1/2,1,1
pool-1:lis-1,m3,0,0,0,0,,10,0,0,,0,,0,0,0,0,UP,0,1
pool-1:lis-1,m4,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1
pool-1:lis-1,m5,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1
pool-1:lis-1,m6,0,0,0,0,,0,0,0,,0,,0,0,0,0,DRAIN,1,1
pool-1:lis-1,m7,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP 1/3,1,1
pool-1:lis-1,BACKEND,0,0,1,2,,40,500,900,0,0,,0,0,0,0,UP,4,2
lis-2,FRONTEND,,,0,0,10,0,0,0,0,0,0,,,,,FULL,,
pool-2:lis-2,BACKEND,0,0,0,0,,0,0,0,0,0,,0,0,0,0,DOWN,0,0
"""


def test_show_stat_becomes_health() -> None:
    health = parse_stat(STAT)
    assert health.listeners == {"lis-1": "OPEN", "lis-2": "FULL"}
    assert health.pools == {"pool-1": "UP", "pool-2": "DOWN"}
    assert health.members == {"m1": "UP", "m2": "DOWN", "m3": "DRAIN", "m4": "MAINT",
                              "m5": "NO_CHECK", "m6": "DRAIN", "m7": "UP"}
    stats = health.stats["lis-1"]
    assert (stats.bytes_in, stats.bytes_out, stats.active_connections,
            stats.total_connections, stats.request_errors) == (1000, 2000, 3, 42, 1)


def test_weights_and_admin_states_change_without_a_reload() -> None:
    pool = Pool("p", "HTTP", "ROUND_ROBIN", MEMBERS, HTTP)
    old = render(_lb(Listener("l", "HTTP", 80, "p"), pools=(pool,)), PATHS)
    members = (MEMBERS[0], Member("m2", "10.0.0.12", 8080, weight=4, enabled=False,
                                  monitor_address="10.0.0.99", monitor_port=9000),
               Member("m3", "10.0.0.13", 80, backup=True))
    new = render(_lb(Listener("l", "HTTP", 80, "p"), pools=(replace(pool, members=members),)),
                 PATHS)
    assert runtime_changes(old, new) == [
        "set server p:l/m2 weight 4", "set server p:l/m2 state maint",
        "set server p:l/m3 state ready"]
    assert runtime_changes(old, old) == []
    # anything else (an address, a member more, a monitor) is a reload
    moved = (Member("m1", "10.0.0.21", 80, weight=3), *MEMBERS[1:])
    for other in (replace(pool, members=moved), replace(pool, members=MEMBERS[:2]),
                  replace(pool, monitor=None)):
        assert runtime_changes(old, render(_lb(Listener("l", "HTTP", 80, "p"),
                                                pools=(other,)), PATHS)) is None
    assert runtime_changes("", new) is None


def test_show_proc_gives_the_reloads_and_the_workers() -> None:
    text = ("#<PID>          <type>          <reloads>       <uptime>        <version>\n"
            "20480           master          2 [failed: 0]   0d00h10m08s     2.6.12\n"
            "# workers\n20482           worker          0               0d00h00m01s     2.6\n"
            "# old workers\n20481           worker          1               0d00h00m05s  2.6\n")
    assert master_reloads(text) == (2, [20482, 20481])


def test_the_engine_is_chosen_by_the_settings(tmp_path: Path) -> None:
    assert isinstance(make_balancers(Settings(data_dir=tmp_path, container_engine="fake")),
                      FakeBalancers)
    real = make_balancers(Settings(data_dir=tmp_path, container_engine="docker"))
    assert isinstance(real, HaproxyBalancers) and real.directory == tmp_path / "lb"
    assert real.running() == set() and real.health("lb-1") is None
    with pytest.raises(BalancerError):
        real.paths("../etc")


def test_the_fake_keeps_specs_and_answers_health() -> None:
    fake = FakeBalancers()
    pool = Pool("p", "HTTP", "ROUND_ROBIN", MEMBERS, HTTP)
    spec = _lb(Listener("l", "HTTP", 80, "p"), pools=(pool,))
    fake.ensure(spec)
    health = fake.health("lb-1")
    assert health is not None and health.listeners == {"l": "OPEN"}
    assert health.members == {"m1": "UP", "m2": "DRAIN", "m3": "MAINT"}
    fake.member_status["m1"] = "DOWN"
    assert fake.health("lb-1").members["m1"] == "DOWN"  # type: ignore[union-attr]
    fake.refuse("bad")
    with pytest.raises(BalancerError, match="bad"):
        fake.ensure(_lb(pools=(pool,)))
    assert fake.balancers["lb-1"] == spec and fake.running() == {"lb-1"}
    fake.remove("lb-1")
    assert fake.health("lb-1") is None and fake.running() == set()


def test_sockets_fit_a_unix_path_whatever_the_data_dir() -> None:
    """A unix socket's path is 107 bytes at most: a pytest data dir passes it."""
    deep = Paths(Path("/tmp/" + "x" * 150) / "lb" / "0b9f6a3e-5a2b-4c55-8f51-9c0d8f2b7e11")
    assert len(str(deep.stats)) + len(".12345.tmp") <= 107
    assert deep.stats.parent == deep.master.parent != deep.directory
    other = Paths(Path("/tmp/other/lb/0b9f6a3e-5a2b-4c55-8f51-9c0d8f2b7e11"))
    assert other.stats != deep.stats  # one directory a balancer of a data dir
