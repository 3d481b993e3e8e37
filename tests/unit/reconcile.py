"""The whole cloud in-process with its reconciler run by hand, over the fake engine.

The API records intent and kicks the reconciler, whose work goes to a thread pool. Here
that pool is replaced by a queue the test drains (`settle`), so every step is
deterministic: what the API wrote, what one converge did, what the next pass repairs. A
"crash" drops the queued work and builds a new app on the same database and the same
engine (what a kill -9 and a restart leave).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from cheptel.backends.engine import LABEL_CLOUD, LABEL_MANAGED, LABEL_SERVER, ContainerSpec
from cheptel.backends.fake import FakeEngine
from cheptel.backends.fake_firewall import FakeFirewall
from cheptel.backends.firewall import Ruleset, prefix_for
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.reconciler.servers import container_name
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi

NOVA = "/compute/v2.1"
VERSION = {"OpenStack-API-Version": "compute 2.90"}


class ManualPool:
    """Stands in for the reconciler's ThreadPoolExecutor: work runs when the test says."""

    def __init__(self) -> None:
        self.queue: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self.queue.append((fn, args))

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.queue.clear()

    def drain(self, limit: int = 200) -> int:
        done = 0
        while self.queue:
            fn, args = self.queue.popleft()
            fn(*args)
            done += 1
            assert done < limit, "the reconciler keeps finding work: it does not settle"
        return done


class Errors(logging.Handler):
    """What the reconciler logged as a bug (an exception it caught and logged)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Cloud:
    api: Api
    engine: FakeEngine
    pool: ManualPool
    errors: Errors
    token: str = ""
    restarts: list[Api] = field(default_factory=list)

    @property
    def deps(self) -> Any:
        return self.api.deps

    @property
    def firewall(self) -> FakeFirewall:
        return self.deps.firewall  # type: ignore[no-any-return]

    # -- the API ---------------------------------------------------------------------------

    def nova(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.api.client.request(method, NOVA + path, json=body,
                                       headers={"X-Auth-Token": self.token, **VERSION})

    def neutron(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.api.client.request(method, "/network/v2.0" + path, json=body,
                                       headers={"X-Auth-Token": self.token})

    def boot(self, name: str = "s", networks: Any = "none", **extra: Any) -> str:
        r = self.nova("POST", "/servers", {"server": {
            "name": name, "imageRef": BUSYBOX_ID, "flavorRef": "1", "networks": networks,
            **extra}})
        assert r.status_code == 202, r.text
        return str(r.json()["server"]["id"])

    def active(self, name: str = "s", networks: Any = "none", **extra: Any) -> str:
        sid = self.boot(name, networks, **extra)
        self.settle()
        assert self.status(sid) == "ACTIVE", self.show(sid)
        return sid

    def act(self, sid: str, action: str, arg: Any = None) -> httpx.Response:
        r = self.nova("POST", f"/servers/{sid}/action", {action: arg})
        assert r.status_code in (202, 204), r.text
        return r

    def show(self, sid: str) -> dict:
        r = self.nova("GET", f"/servers/{sid}")
        assert r.status_code == 200, r.text
        return r.json()["server"]  # type: ignore[no-any-return]

    def status(self, sid: str) -> str:
        return str(self.show(sid)["status"])

    def gone(self, sid: str) -> bool:
        return self.nova("GET", f"/servers/{sid}").status_code == 404

    # -- the reconciler --------------------------------------------------------------------

    def settle(self, *, errors_expected: bool = False) -> None:
        """Run every queued converge (and what they queue) to the end."""
        self.pool.drain()
        if not errors_expected:
            assert not self.errors.records, [r.getMessage() for r in self.errors.records]

    def pass_once(self, first: bool = False) -> None:
        """One periodic pass (drift, orphans, unfinished work), then what it queued."""
        self.deps.reconciler.pass_once(first)
        self.settle()

    def crash(self, make_api: MakeApi) -> None:
        """The process dies: queued work is lost; a new app starts on the same database,
        engine, host firewall and volume storage, and runs its first pass."""
        self.pool.queue.clear()
        firewall, blocks = self.firewall, self.deps.blocks
        self.api = make_api(containers=self.engine, blocks=blocks)
        self.api.deps.firewall = firewall  # the host's iptables outlive the process
        self.pool = _manual(self.api)
        self.token = self.api.token("demo", DEMO_PASSWORD, "demo")
        self.pass_once(first=True)

    # -- the engine ------------------------------------------------------------------------

    def container(self, sid: str) -> Any:
        return self.engine.containers.get(container_name(sid))

    def container_status(self, sid: str) -> str | None:
        c = self.container(sid)
        return c.state.status if c else None

    def plant(self, server_id: str, cloud: str | None = None) -> str:
        """A container labelled as a server's, made behind cheptel's back."""
        name = container_name(server_id)
        self.engine.images.setdefault("planted", None)  # type: ignore[arg-type]
        self.engine.create(ContainerSpec(
            name=name, image="planted", hostname="x", memory_mb=64, vcpus=1,
            labels={LABEL_MANAGED: "true", LABEL_CLOUD: cloud or self.deps.cloud_id,
                    LABEL_SERVER: server_id}))
        self.engine.start(name)
        return name

    def ruleset(self) -> Ruleset | None:
        return self.firewall.rulesets.get(prefix_for(self.deps.cloud_id))

    def rules(self) -> list[str]:
        """Every rule of this cloud as `table chain rule` lines."""
        rs = self.ruleset()
        if rs is None:
            return []
        return [f"{table} {chain} {rule}" for table, chains in rs.tables.items()
                for chain, rules in chains.items() for rule in rules]


def _manual(api: Api) -> ManualPool:
    pool = ManualPool()
    api.deps.reconciler._pool = pool  # the seam: the one place work is handed to threads
    return pool


def start(make_api: MakeApi) -> Iterator[Cloud]:
    """The `rcloud` fixture (tests/unit/conftest.py): a cloud, its reconciler run by hand."""
    errors = Errors()
    logger = logging.getLogger("cheptel.reconciler")
    logger.addHandler(errors)
    engine = FakeEngine()
    api = make_api(containers=engine)
    cloud = Cloud(api, engine, _manual(api), errors)
    cloud.token = api.token("demo", DEMO_PASSWORD, "demo")
    yield cloud
    logger.removeHandler(errors)
