"""The load balancers' engine the load-balancer reconciler drives: one HAProxy per load
balancer, in the network namespace that holds its VIP (made by the network reconciler,
as a router's), configured from an Octavia load balancer's tree.

The spec below is that tree as HAProxy needs it, plain values only (the reconciler
builds it from the database; cheptel.backends.haproxy renders and runs it, and the fake
twin cheptel.backends.fake_balancer keeps the same facts in memory). Both must:
- make `ensure` idempotent: the balancer runs with exactly this configuration afterwards
  (started if it was not; a structural change by a graceful reload that fails no
  request; a configuration HAProxy refuses raises BalancerError with its message and
  leaves the running one serving);
- keep running when cheptel stops (a restart adopts what runs: `running()` finds this
  cloud's balancers, never another cloud's);
- answer `health` from the running process (None when it does not run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class BalancerError(Exception):
    """HAProxy refused the configuration, or could not be started; safe to log and show."""


class BalancerBusy(BalancerError):
    """Not done in time (a reload or a start not answering yet, the namespace being made
    again): worth another try, as Octavia's amphora driver retries its calls before the
    load balancer is ERROR; a refusal of the file is not."""


@dataclass(frozen=True)
class Monitor:
    type: str  # HTTP, HTTPS, TCP, PING, TLS-HELLO
    delay: int  # seconds between checks
    timeout: int  # seconds a check may take
    max_retries: int  # successes before a member is UP (HAProxy's rise)
    max_retries_down: int  # failures before it is DOWN (fall)
    http_method: str = "GET"
    url_path: str = "/"
    expected_codes: str = "200"  # "200", "200,202", "200-204"
    http_version: float | None = None  # 1.0 or 1.1 (then domain_name is the Host)
    domain_name: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Member:
    id: str
    address: str
    port: int
    weight: int = 1  # 0: draining (no new connection)
    enabled: bool = True  # admin_state_up: False is HAProxy's `disabled` (MAINT)
    backup: bool = False
    monitor_address: str | None = None
    monitor_port: int | None = None


@dataclass(frozen=True)
class Persistence:
    type: str  # SOURCE_IP, HTTP_COOKIE, APP_COOKIE
    cookie_name: str | None = None  # APP_COOKIE's
    timeout: int | None = None  # persistence_timeout, seconds (stick tables)


@dataclass(frozen=True)
class Pool:
    id: str
    protocol: str  # HTTP, HTTPS (passed through), TCP, PROXY, PROXYV2
    algorithm: str  # ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP
    members: tuple[Member, ...] = ()
    monitor: Monitor | None = None
    persistence: Persistence | None = None
    enabled: bool = True


@dataclass(frozen=True)
class L7Rule:
    type: str  # HOST_NAME, PATH, FILE_TYPE, HEADER, COOKIE
    compare_type: str  # REGEX, STARTS_WITH, ENDS_WITH, CONTAINS, EQUAL_TO
    value: str
    key: str | None = None  # the header's or cookie's name
    invert: bool = False


@dataclass(frozen=True)
class L7Policy:
    id: str
    action: str  # REJECT, REDIRECT_TO_URL, REDIRECT_PREFIX, REDIRECT_TO_POOL
    rules: tuple[L7Rule, ...]  # all must match (an enabled policy without rules never does)
    redirect_pool_id: str | None = None
    redirect_url: str | None = None
    redirect_prefix: str | None = None
    redirect_http_code: int | None = None  # 301, 302, 303, 307, 308


@dataclass(frozen=True)
class Listener:
    id: str
    protocol: str  # HTTP, HTTPS (passed through: mode tcp), TCP
    port: int
    default_pool_id: str | None = None
    connection_limit: int = -1  # -1: unlimited
    timeout_client_data: int = 50000  # milliseconds
    timeout_member_connect: int = 5000
    timeout_member_data: int = 50000
    timeout_tcp_inspect: int = 0
    # X-Forwarded-For, X-Forwarded-Port, X-Forwarded-Proto: "true"/"false" as Octavia
    insert_headers: tuple[tuple[str, str], ...] = ()
    allowed_cidrs: tuple[str, ...] = ()  # empty: everyone
    l7policies: tuple[L7Policy, ...] = ()  # in position order, enabled ones only
    enabled: bool = True


@dataclass(frozen=True)
class Balancer:
    id: str
    namespace: str  # the network namespace holding the VIP (/run/netns/<name>)
    vip: str  # the VIP's IPv4 address
    listeners: tuple[Listener, ...] = ()
    pools: tuple[Pool, ...] = ()  # every pool of the load balancer
    enabled: bool = True  # admin_state_up: False stops serving (no frontend bound)


@dataclass(frozen=True)
class ListenerStats:
    bytes_in: int = 0
    bytes_out: int = 0
    active_connections: int = 0
    total_connections: int = 0
    request_errors: int = 0


@dataclass(frozen=True)
class Health:
    """What the running HAProxy says (`show stat`)."""

    listeners: dict[str, str] = field(default_factory=dict)  # id -> OPEN, FULL, STOP
    pools: dict[str, str] = field(default_factory=dict)  # id -> UP, DOWN
    # member id -> UP, DOWN, DRAIN, MAINT, NO_CHECK (no monitor), and the transitional
    # "UP 1/3" / "DOWN 1/2" states of HAProxy reported as UP / DOWN
    members: dict[str, str] = field(default_factory=dict)
    stats: dict[str, ListenerStats] = field(default_factory=dict)  # listener id ->


class Balancers(Protocol):
    # the balancer runs exactly this (started, reloaded or untouched); BalancerError else
    def ensure(self, balancer: Balancer) -> None: ...
    # stopped and its files removed (nothing if it does not run)
    def remove(self, balancer_id: str) -> None: ...
    # this cloud's balancers that have a process or files: their ids
    def running(self) -> set[str]: ...
    def health(self, balancer_id: str) -> Health | None: ...
