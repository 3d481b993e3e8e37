"""Build the one-process cloud: database, bootstrap, and every service under its prefix."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cheptel import db as dbmod
from cheptel.config import Settings
from cheptel.identity import api as identity_api
from cheptel.identity.service import bootstrap, catalog, tokens
from cheptel.policy import Creds
from cheptel.web import build_service_app

# One line a service: URL prefix, route table, fault renderer, catalog registration.
SERVICES = [
    ("/identity", identity_api.ROUTES, identity_api.render_fault, identity_api.REGISTRATION),
]


@dataclass
class Deps:
    """What every handler may use; built once, passed in (no module-level clients)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker
    clock: Callable[[], float] = time.time
    notes: list[str] = field(default_factory=list)

    def authenticate(self, db: Session, token: str) -> Creds:
        return tokens.authenticate(db, token, self.clock())


def prepare(settings: Settings, clock: Callable[[], float] = time.time) -> Deps:
    """Open the database, migrate it, bootstrap on first start, refresh the catalog."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = dbmod.make_engine(settings.db_url)
    dbmod.migrate(engine)
    sessions = dbmod.make_sessions(engine)
    deps = Deps(settings=settings, engine=engine, sessions=sessions, clock=clock)
    with sessions() as db, db.begin():
        boot = bootstrap.bootstrap(db, clock(), settings.bcrypt_rounds,
                                   settings.admin_password, settings.demo_password)
        catalog.register_builtin(db, [s[3] for s in SERVICES], settings.base_url,
                                 settings.region)
    clouds = settings.data_dir / "clouds.yaml"
    bootstrap.write_clouds_yaml(clouds, f"{settings.base_url}/identity/v3", settings.region,
                                boot)
    if boot is not None:
        deps.notes.append(f"bootstrapped: admin and demo accounts written to {clouds}")
        if not settings.admin_password:
            deps.notes.append(f"generated admin password: {boot.admin_password}")
    return deps


class _PrefixSlash:
    """`GET /identity` is `GET /identity/`: the clients ask for the bare prefix."""

    def __init__(self, app: ASGIApp, prefixes: set[str]):
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.prefixes:
            scope = {**scope, "path": scope["path"] + "/",
                     "raw_path": scope["path"].encode() + b"/"}
        await self.app(scope, receive, send)


def build_app(deps: Deps) -> ASGIApp:
    async def root(_: Request) -> JSONResponse:
        return JSONResponse({"cheptel": {"services": {
            reg.type: f"{deps.settings.base_url}{prefix}" for prefix, _, _, reg in SERVICES}}})

    async def not_found(request: Request, _: Exception) -> JSONResponse:
        return JSONResponse({"error": {"code": 404, "title": "Not Found",
                                       "message": f"Could not find {request.url.path}."}},
                            status_code=404)

    mounts = [Mount(prefix, app=build_service_app(routes, deps, render))
              for prefix, routes, render, _ in SERVICES]
    app = Starlette(routes=[Route("/", root), *mounts], exception_handlers={404: not_found})
    app.state.deps = deps
    return _PrefixSlash(app, {prefix for prefix, *_ in SERVICES})
