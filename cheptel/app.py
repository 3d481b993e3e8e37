"""Build the one-process cloud: database, bootstrap, and every service under its prefix."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cheptel import cloud, spool
from cheptel import db as dbmod
from cheptel.backends.balancer import Balancers
from cheptel.backends.blockstore import BlockStore
from cheptel.backends.engine import Engine as ContainerEngine
from cheptel.backends.fake_firewall import FakeFirewall
from cheptel.backends.file_blocks import FileBlockStore
from cheptel.backends.firewall import Firewall, IptablesFirewall, prefix_for
from cheptel.backends.iothrottle import CgroupIoThrottle, FakeIoThrottle, IoThrottle
from cheptel.backends.plumbing import Plumbing
from cheptel.config import Settings
from cheptel.dashboard import WEBROOT as DASHBOARD
from cheptel.identity.service import catalog, token_cache
from cheptel.metrics.collectors import CloudCollector
from cheptel.metrics.endpoint import metrics_endpoint
from cheptel.metrics.registry import Metrics
from cheptel.policy import Creds
from cheptel.reconciler import Reconciler
from cheptel.service import Service
from cheptel.services import SERVICES
from cheptel.web import build_service_app


@dataclass
class Deps:
    """What every handler may use; built once, passed in (no module-level clients)."""

    settings: Settings
    db_engine: Engine
    sessions: sessionmaker[Session]
    containers: ContainerEngine
    firewall: Firewall
    blocks: BlockStore  # volumes' storage (cheptel.backends.blockstore)
    throttle: IoThrottle  # front-end QoS: the containers' block I/O limits
    plumbing: Plumbing  # the host's bridges and veths (cheptel.backends.plumbing)
    balancers: Balancers  # one HAProxy per load balancer (cheptel.backends.balancer)
    # the app's Prometheus registry (cheptel.metrics): counters the request path and
    # the reconciler move, collectors that read the cloud at scrape time
    metrics: Metrics = field(default_factory=Metrics)
    clock: Callable[[], float] = time.time
    cloud_id: str = ""  # labels everything this cloud creates on shared engines
    notes: list[str] = field(default_factory=list)
    # built by prepare() right after the rest (it needs them); started by `cheptel serve`
    reconciler: Reconciler = field(init=False)
    # validated tokens, dropped when the revocation generation moves (token_cache)
    tokens: token_cache.TokenCache = field(default_factory=token_cache.TokenCache)

    def authenticate(self, db: Session, token: str) -> Creds:
        return self.tokens.authenticate(db, token, self.clock())


def make_containers(settings: Settings) -> ContainerEngine:
    if settings.container_engine == "fake":
        from cheptel.backends.fake import FakeEngine

        return FakeEngine()
    from cheptel.backends.docker import DockerEngine

    return DockerEngine(settings.docker_url or None)


def make_firewall(settings: Settings) -> Firewall:
    if settings.container_engine == "fake":
        return FakeFirewall()
    return IptablesFirewall()


def make_plumbing(containers: ContainerEngine) -> Plumbing:
    """The fake engine's own host (one for every app built on it), else the kernel's."""
    fake: Plumbing | None = getattr(containers, "plumbing", None)
    if fake is not None:
        return fake
    from cheptel.backends.netlink import NetlinkPlumbing

    return NetlinkPlumbing()


def make_balancers(settings: Settings, containers: ContainerEngine | None = None
                   ) -> Balancers:
    """The fake engine's own host's (one for every app built on it), a fake one for a
    fake engine or CHEPTEL_BALANCERS=fake (the API without a dataplane), else HAProxy
    processes with their files in DATA_DIR/lb."""
    fake: Balancers | None = getattr(containers, "balancers", None)
    if fake is not None:
        return fake
    if (settings.balancer_engine or settings.container_engine) == "fake":
        from cheptel.backends.fake_balancer import FakeBalancers

        return FakeBalancers()
    from cheptel.backends.haproxy import HaproxyBalancers

    return HaproxyBalancers(settings.data_dir / "lb")


def make_blocks(settings: Settings) -> BlockStore:
    backend = settings.volume_backend or (
        "fake" if settings.container_engine == "fake" else "file")
    if backend == "fake":
        from cheptel.backends.fake_blocks import FakeBlockStore

        return FakeBlockStore()
    return FileBlockStore(settings.data_dir / "volumes")


def make_throttle(settings: Settings) -> IoThrottle:
    return FakeIoThrottle() if settings.container_engine == "fake" else CgroupIoThrottle()


def prepare(settings: Settings, clock: Callable[[], float] = time.time,
            containers: ContainerEngine | None = None,
            blocks: BlockStore | None = None) -> Deps:
    """Open the database, migrate it, bootstrap on first start, refresh the catalog.

    The reconciler is built (kicks work) but its periodic pass starts with start()."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = dbmod.make_engine(settings.db_url)
    dbmod.migrate(engine)
    sessions = dbmod.make_sessions(engine)
    token_cache.install(sessions)  # every identity write bumps the revocation generation
    containers = containers or make_containers(settings)
    deps = Deps(settings=settings, db_engine=engine, sessions=sessions, clock=clock,
                containers=containers, firewall=make_firewall(settings),
                blocks=blocks or make_blocks(settings), throttle=make_throttle(settings),
                plumbing=make_plumbing(containers),
                balancers=make_balancers(settings, containers))
    deps.reconciler = Reconciler(deps, SERVICES, interval=settings.reconcile_interval)
    deps.metrics.register(CloudCollector(deps, SERVICES))
    spool.clean(spool.spool_directory(settings.data_dir))  # uploads a crash cut short
    with sessions() as db, db.begin():
        deps.cloud_id = cloud.cloud_id(db)
        # before anything could apply a rule: a prefix another cloud holds is refused
        deps.firewall.claim(prefix_for(deps.cloud_id), deps.cloud_id)
        for service in SERVICES:
            if service.bootstrap is not None:
                deps.notes += service.bootstrap(db, deps)
        catalog.register_builtin(db, [registration(s, settings) for s in SERVICES],
                                 settings.base_url, settings.region)
    return deps


def external_url(service: Service, settings: Settings) -> str:
    """The external engine serving this service's API instead of cheptel, or ""."""
    return service.external_url(settings) if service.external_url is not None else ""


def registration(service: Service, settings: Settings) -> catalog.Registration:
    return catalog.Registration(service.type, service.name,
                                service.prefix + service.catalog_path, service.description,
                                url=external_url(service, settings))


def served_elsewhere(service: Service, url: str) -> ASGIApp:
    """The prefix of a service an external engine serves: 410 Gone to every request, in
    plain words (the built-in store's data, if any, stays on disk, untouched)."""
    text = (f"{service.title} is served by an external engine on this cloud: use the "
            f"{service.type} endpoint of the catalog ({url}).\n")

    async def gone(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b"" if scope["method"] == "HEAD" else text.encode()
        await Response(body, status_code=410, media_type="text/plain",
                       headers={"Content-Length": str(len(text.encode()))})(
            scope, receive, send)

    return gone


class _PrefixSlash:
    """`GET /identity` is `GET /identity/`: the clients ask for the bare prefix."""

    def __init__(self, app: ASGIApp, prefixes: set[str]):
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.prefixes:
            scope = {**scope, "path": scope["path"] + "/",
                     "raw_path": scope["path"].encode() + b"/"}
        await self.app(scope, receive, send)


def build_app(deps: Deps, services: list[Service] = SERVICES,
              dashboard: ASGIApp | None = None) -> ASGIApp:
    """The cloud's ASGI app: "/" and one Mount per service (built and checked here: a
    route naming a policy its service's table lacks fails the build), and the dashboard
    at /dashboard when given (cheptel.dashboard)."""
    settings = deps.settings
    elsewhere = {s.type: url for s in services if (url := external_url(s, settings))}

    async def root(_: Request) -> JSONResponse:
        return JSONResponse({"cheptel": {"cloud_id": deps.cloud_id, "services": {
            s.type: elsewhere.get(s.type) or f"{settings.base_url}{s.prefix}"
            for s in services}}})

    async def not_found(request: Request, _: Exception) -> JSONResponse:
        return JSONResponse({"error": {"code": 404, "title": "Not Found",
                                       "message": f"Could not find {request.url.path}."}},
                            status_code=404)

    mounts = [Mount(s.prefix, app=served_elsewhere(s, elsewhere[s.type])
                    if s.type in elsewhere else build_service_app(s, deps))
              for s in services]
    prefixes = {s.prefix for s in services}
    if dashboard is not None:
        mounts.append(Mount(DASHBOARD, app=dashboard))
        prefixes.add(DASHBOARD)
    app = Starlette(routes=[Route("/", root), Route("/metrics", metrics_endpoint(deps)),
                            *mounts], exception_handlers={404: not_found})
    app.state.deps = deps
    return _PrefixSlash(app, prefixes)
