"""Getting Horizon ready: static files once per Horizon version, Django in this process.

Collecting and compressing Horizon's static files (SCSS, JavaScript: ~20 s of CPU) runs
once, in a child process at low priority (`python -m cheptel.dashboard.prepare DIR`), so
that the API in the parent never waits for it; the result is kept in DIR/static with a
stamp naming the versions it was made from, and reused by every later start. A crash
midway leaves DIR/static.new, never a half-made DIR/static.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from starlette.types import ASGIApp

from cheptel.dashboard import WEBROOT, config

log = logging.getLogger(__name__)
STAMP = "cheptel-prepared"


def stamp() -> str:
    """What the prepared static files depend on: a new Horizon or Django prepares again."""
    return (f"horizon {metadata.version('horizon')} django {metadata.version('django')} "
            f"webroot {WEBROOT} layout 1\n")


def static_ready(site: config.Site) -> bool:
    try:
        return (site.static_root / STAMP).read_text() == stamp()
    except OSError:
        return False


def collect(directory: Path) -> None:
    """In the child: collect and compress into DIR/static.new, then swap it in."""
    os.nice(10)  # the API in the parent goes first
    site = config.Site("http://127.0.0.1", "RegionOne", directory)
    target = directory / "static.new"
    shutil.rmtree(target, ignore_errors=True)
    values = config.horizon_settings(site, config.secret_key(directory))
    values["STATIC_ROOT"] = str(target)
    config.install(values)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("compress", force=True, verbosity=0)
    (target / STAMP).write_text(stamp())
    old = directory / "static.old"
    shutil.rmtree(old, ignore_errors=True)
    if site.static_root.exists():
        site.static_root.rename(old)
    target.rename(site.static_root)
    shutil.rmtree(old, ignore_errors=True)


def collect_in_child(site: config.Site) -> None:
    """Run collect() in a child process at low priority; its output in DIR/prepare.log."""
    site.directory.mkdir(parents=True, exist_ok=True)
    logfile = site.directory / "prepare.log"
    with open(logfile, "w") as out:
        rc = subprocess.call([sys.executable, "-m", "cheptel.dashboard.prepare",
                              str(site.directory)], stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
    if rc != 0 or not static_ready(site):
        tail = logfile.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"preparing the dashboard's static files failed ({rc}): {tail}")


def wait_for_api(base_url: str, timeout: float = 120.0) -> None:
    """The API starts first: the dashboard's preparation waits until it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)


def django_app(site: config.Site) -> ASGIApp:
    """Set Django up in this process with the generated settings; its ASGI handler."""
    config.install(config.horizon_settings(site, config.secret_key(site.directory)))
    import django
    from django.core.asgi import get_asgi_application

    django.setup(set_prefix=False)
    app: ASGIApp = get_asgi_application()
    return app


def preparer(site: config.Site, wait: Callable[[], None]) -> Callable[[], ASGIApp]:
    """The whole preparation, as Dashboard.start() runs it in its thread."""
    def run() -> ASGIApp:
        wait()
        if not static_ready(site):
            log.warning("dashboard: preparing Horizon's static files (once)")
            collect_in_child(site)
        return django_app(site)
    return run


if __name__ == "__main__":
    collect(Path(sys.argv[1]))
