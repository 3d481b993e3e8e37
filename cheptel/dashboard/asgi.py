"""The ASGI app at /dashboard: a "being prepared" page until Horizon is ready, then
Horizon's static files and Django's ASGI handler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from cheptel.config import Settings
from cheptel.dashboard import config, installed, prepare

log = logging.getLogger(__name__)
RETRY_AFTER = 5

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>{refresh}</head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>
"""


def _page(title: str, text: str, retry: bool) -> HTMLResponse:
    refresh = f'<meta http-equiv="refresh" content="{RETRY_AFTER}">' if retry else ""
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"} if retry else {
        "Cache-Control": "no-store"}
    return HTMLResponse(PAGE.format(title=title, text=text, refresh=refresh),
                        status_code=503, headers=headers)


class Horizon:
    """Ready Horizon: STATIC_URL from the prepared files, everything else to Django."""

    def __init__(self, static_root: Path, django: ASGIApp):
        self.static = StaticFiles(directory=static_root, check_dir=False)
        self.django = django

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"][len(scope.get("root_path", "")):]
        if path.startswith("/static/"):
            try:
                await self.static({**scope, "root_path": scope.get("root_path", "") + "/static"},
                                  receive, send)
            except HTTPException as exc:  # a missing file: 404 (405 for a POST), no body
                await Response(status_code=exc.status_code)(scope, receive, send)
        else:
            await self.django(scope, receive, send)


class Dashboard:
    """Mounted at /dashboard from the start; `start()` prepares Horizon in a thread.

    Until `prepare` returns, every request gets a 503 page saying the dashboard is being
    prepared (Retry-After, and the page reloads itself); if it fails, a 503 page saying so
    (the reason is in the log). `prepare` is injected: prepare.preparer() in `cheptel
    serve`, a stub in the unit tests."""

    def __init__(self, prepare: Callable[[], ASGIApp]):
        self._prepare = prepare
        self.app: ASGIApp | None = None
        self.error: str | None = None
        self.ready = threading.Event()  # set once prepared, or failed

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="dashboard-prepare", daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        try:
            self.app = self._prepare()
        except Exception as exc:
            log.exception("the dashboard could not be prepared")
            self.error = str(exc) or type(exc).__name__
        finally:
            self.ready.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no websocket here (yet): closed unanswered
        if self.app is not None:
            await self.app(scope, receive, send)
            return
        if self.error is not None:
            response = _page("The dashboard is unavailable",
                             "Horizon could not be prepared; the reason is in cheptel's log. "
                             "The APIs are not affected.", retry=False)
        else:
            response = _page("The dashboard is being prepared",
                             "Horizon is getting ready (the first start collects its static "
                             "files once). The APIs already answer; this page reloads "
                             "itself.", retry=True)
        await response(scope, receive, send)


def make(settings: Settings) -> Dashboard | None:
    """The dashboard of `cheptel serve`, or None: Horizon not installed (a packager left
    the `dashboard` extra out) or CHEPTEL_DASHBOARD=0."""
    if not settings.dashboard or not installed():
        return None
    site = config.Site(settings.base_url, settings.region, settings.data_dir / "dashboard")
    django = prepare.preparer(site, lambda: prepare.wait_for_api(settings.base_url))
    return Dashboard(lambda: Horizon(site.static_root, django()))
