"""A load balancer's HAProxy configuration, rendered from its spec (pure: no I/O).

Octavia's mapping (octavia/common/jinja/haproxy/combined_listeners/templates), kept:
- the load balancer: one file, `global` (stats socket, server-state file) and `defaults`
  (retries, redispatch, splice, the server state loaded at a reload);
- a listener: `frontend <listener id>`, `bind <vip>:<port>`, mode http (HTTP) or tcp
  (TCP, HTTPS passed through), maxconn, `timeout client`, its X-Forwarded-* headers,
  its allowed CIDRs (`tcp-request connection reject` from any other source), its L7
  policies (acls; `http-request deny`, `redirect`, `use_backend`, in that order, which
  is HAProxy's own), `default_backend`;
- a pool: `backend <pool id>:<listener id>` for each listener that uses it (by default
  or by a policy): `balance`, persistence (SOURCE_IP: a stick table on the source;
  HTTP_COOKIE: an inserted SRV cookie; APP_COOKIE: the application's cookie learned
  from the responses), the monitor (HTTP/HTTPS: `option httpchk` and `http-check
  expect`; TCP and PING: a TCP connect, HAProxy sends no ICMP; TLS-HELLO: an SSLv3
  hello), `timeout connect` / `server` from the listener;
- a member: `server <member id> <addr>:<port> weight W [check inter fall rise]
  [addr/port to check] [backup] [disabled]`.
A load balancer or a listener that is disabled binds nothing; so does a disabled pool
(its listeners answer 503, as a pool without members).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cheptel.backends.balancer import Balancer, Listener, Monitor, Pool

MAXCONN = 50000  # a listener's connection_limit -1 (Octavia's HAPROXY_DEFAULT_MAXCONN)
# a whole load balancer's, at most: HAProxy needs two descriptors a connection and cannot
# start above the hard RLIMIT_NOFILE (20,000 on our CI machines): 2.5 with splice pipes,
# so 4,000 takes 10,040
GLOBAL_MAXCONN = 4000
ALGORITHMS = {"ROUND_ROBIN": "roundrobin", "LEAST_CONNECTIONS": "leastconn",
              "SOURCE_IP": "source"}
MATCHES = {"REGEX": "reg", "STARTS_WITH": "beg", "ENDS_WITH": "end", "CONTAINS": "sub",
           "EQUAL_TO": "str"}
HEADERS = {"X-Forwarded-Port": "%[dst_port]", "X-Forwarded-Proto": "http"}


RUNTIME = Path("/run/cheptel/lb")  # the sockets' (a unix socket's path: 107 bytes at most)


@dataclass(frozen=True)
class Paths:
    """Where a balancer's files are (DATA_DIR/lb/<id>/), and its sockets: in a short
    directory named by a digest of that one (/run/cheptel/lb/<16 hex>/), whatever the
    data directory's length."""

    directory: Path

    @property
    def sockets(self) -> Path:
        return RUNTIME / hashlib.sha256(str(self.directory).encode()).hexdigest()[:16]

    @property
    def config(self) -> Path:
        return self.directory / "haproxy.cfg"

    @property
    def pid(self) -> Path:
        return self.directory / "haproxy.pid"

    @property
    def stats(self) -> Path:
        return self.sockets / "stats.sock"

    @property
    def master(self) -> Path:
        return self.sockets / "master.sock"

    @property
    def state(self) -> Path:
        return self.directory / "servers.state"


def quote(value: str) -> str:
    """A word for HAProxy's parser: single-quoted (no escape, no $VARIABLE inside), as a
    shell's, a quote inside closing the quotes for an escaped one."""
    return "'" + value.replace("'", "'\\''") + "'"


def mode(protocol: str) -> str:
    return "http" if protocol == "HTTP" else "tcp"


def status_regex(expected: str) -> str:
    """Octavia's expected_codes ("200", "200,202", "200-204") as `rstatus`'s regex."""
    codes: list[str] = []
    for part in expected.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        codes += [str(c) for c in range(int(low), int(high or low) + 1)]
    return "^(" + "|".join(codes) + ")$"


def _global(paths: Paths) -> list[str]:
    return ["global",
            f"    maxconn {GLOBAL_MAXCONN}",
            "    nbthread 1",  # one process per load balancer, many on a host
            f"    stats socket {paths.stats} mode 600 level admin",
            f"    server-state-file {paths.state}",
            "",
            "defaults",
            "    retries 3",
            "    option redispatch",
            "    option splice-request",
            "    option splice-response",
            "    option http-keep-alive",
            "    load-server-state-from-file global",
            "    timeout connect 5000ms",
            "    timeout client 50000ms",
            "    timeout server 50000ms",
            ""]


def _acl(name: str, rule_type: str, compare: str, value: str, key: str | None) -> str:
    match = MATCHES.get(compare, "str")
    if rule_type == "HOST_NAME":
        fetch = "req.hdr(host) -i"
    elif rule_type == "PATH":
        fetch = "path"
    elif rule_type == "FILE_TYPE":  # the extension, or a regex of the path
        fetch = "path_end" if match != "reg" else "path"
        value = value if match == "reg" else "." + value.lstrip(".")
    elif rule_type == "HEADER":
        fetch = f"req.hdr({key})"
    elif rule_type == "COOKIE":
        fetch = f"req.cook({key})"
    else:
        raise ValueError(f"L7 rule type {rule_type}")
    return f"    acl {name} {fetch} -m {match} {quote(value)}"


def _frontend(balancer: Balancer, listener: Listener, backends: dict[str, str]) -> list[str]:
    limit = MAXCONN if listener.connection_limit < 0 else listener.connection_limit
    out = [f"frontend {listener.id}",
           f"    maxconn {limit}",
           f"    bind {balancer.vip}:{listener.port}",
           f"    mode {mode(listener.protocol)}",
           f"    timeout client {listener.timeout_client_data}ms"]
    if listener.allowed_cidrs:
        out += [f"    acl allowed-cidr src {' '.join(listener.allowed_cidrs)}",
                "    tcp-request connection reject unless allowed-cidr"]
    if listener.timeout_tcp_inspect > 0:
        out.append(f"    tcp-request inspect-delay {listener.timeout_tcp_inspect}ms")
    if mode(listener.protocol) == "http":
        headers = dict(listener.insert_headers)
        if headers.get("X-Forwarded-For", "").lower() == "true":
            out.append("    option forwardfor")
        for header, value in HEADERS.items():
            if headers.get(header, "").lower() == "true":
                out.append(f"    http-request set-header {header} {value}")
    actions: dict[str, list[str]] = {"deny": [], "redirect": [], "use": []}
    for policy in listener.l7policies:
        if not policy.rules:
            continue  # never matches
        condition = []
        for i, rule in enumerate(policy.rules):
            name = f"{policy.id}-{i}"
            out.append(_acl(name, rule.type, rule.compare_type, rule.value, rule.key))
            condition.append(("!" if rule.invert else "") + name)
        when = "if " + " ".join(condition)
        code = f" code {policy.redirect_http_code}" if policy.redirect_http_code else ""
        if policy.action == "REJECT":
            actions["deny"].append(f"    http-request deny {when}")
        elif policy.action == "REDIRECT_TO_URL" and policy.redirect_url:
            actions["redirect"].append(
                f"    redirect location {quote(policy.redirect_url)}{code} {when}")
        elif policy.action == "REDIRECT_PREFIX" and policy.redirect_prefix:
            actions["redirect"].append(
                f"    redirect prefix {quote(policy.redirect_prefix)}{code} {when}")
        elif policy.action == "REDIRECT_TO_POOL" and policy.redirect_pool_id in backends:
            actions["use"].append(
                f"    use_backend {backends[policy.redirect_pool_id]} {when}")
    out += actions["deny"] + actions["redirect"] + actions["use"]
    if listener.default_pool_id in backends:
        out.append(f"    default_backend {backends[listener.default_pool_id]}")
    return [*out, ""]


def _check(monitor: Monitor) -> list[str]:
    out = []
    if monitor.type in ("HTTP", "HTTPS"):
        send = f"meth {monitor.http_method} uri {quote(monitor.url_path)}"
        if monitor.http_version is not None:
            send += f" ver HTTP/{monitor.http_version:.1f}"
            if monitor.http_version >= 1.1 and monitor.domain_name:
                send += f" hdr Host {quote(monitor.domain_name)}"
        out += ["    option httpchk", f"    http-check send {send}",
                f"    http-check expect rstatus {quote(status_regex(monitor.expected_codes))}"]
    elif monitor.type == "TLS-HELLO":
        out.append("    option ssl-hello-chk")
    # TCP and PING: a TCP connect to the member (HAProxy sends no ICMP)
    return [*out, f"    timeout check {monitor.timeout}s"]


def _backend(name: str, pool: Pool, listener: Listener) -> list[str]:
    http = mode(listener.protocol) == "http"
    out = [f"backend {name}",
           f"    mode {mode(listener.protocol)}",
           f"    balance {ALGORITHMS.get(pool.algorithm, 'roundrobin')}",
           f"    timeout connect {listener.timeout_member_connect}ms",
           f"    timeout server {listener.timeout_member_data}ms"]
    persistence = pool.persistence
    expire = f" expire {persistence.timeout}s" if persistence and persistence.timeout else ""
    cookie = False
    if persistence is not None and persistence.type == "SOURCE_IP":
        out += [f"    stick-table type ip size 10k{expire}", "    stick on src"]
    elif persistence is not None and persistence.type == "HTTP_COOKIE" and http:
        out.append("    cookie SRV insert indirect nocache")
        cookie = True
    elif persistence is not None and persistence.type == "APP_COOKIE" and http and (
            persistence.cookie_name):
        name_ = persistence.cookie_name
        out += [f"    stick-table type string len 64 size 10k{expire}",
                f"    stick store-response res.cook({name_})",
                f"    stick match req.cook({name_})"]
    monitor = pool.monitor if pool.monitor is not None and pool.monitor.enabled else None
    if monitor is not None:
        out += _check(monitor)
    for member in pool.members:
        line = f"    server {member.id} {member.address}:{member.port} weight {member.weight}"
        if monitor is not None:
            line += (f" check inter {monitor.delay}s fall {monitor.max_retries_down}"
                     f" rise {monitor.max_retries}")
            if monitor.type == "HTTPS":
                line += " check-ssl verify none"
            if member.monitor_address:
                line += f" addr {member.monitor_address}"
            if member.monitor_port:
                line += f" port {member.monitor_port}"
        if cookie:
            line += f" cookie {member.id}"
        if pool.protocol == "PROXY":
            line += " send-proxy"
        elif pool.protocol == "PROXYV2":
            line += " send-proxy-v2"
        if member.backup:
            line += " backup"
        if not member.enabled:
            line += " disabled"
        out.append(line)
    return [*out, ""]


def render(balancer: Balancer, paths: Paths) -> str:
    """The whole haproxy.cfg of a load balancer (the module's docstring)."""
    out = _global(paths)
    if not balancer.enabled:
        return "\n".join(out)
    pools = {pool.id: pool for pool in balancer.pools if pool.enabled}
    for listener in balancer.listeners:
        if not listener.enabled:
            continue
        used = [listener.default_pool_id] + [p.redirect_pool_id for p in listener.l7policies
                                             if p.action == "REDIRECT_TO_POOL"]
        backends = {pid: f"{pid}:{listener.id}" for pid in dict.fromkeys(used)
                    if pid is not None and pid in pools}
        out += _frontend(balancer, listener, backends)
        for pool_id, name in backends.items():
            out += _backend(name, pools[pool_id], listener)
    return "\n".join(out)
