"""The dashboard: the unmodified Horizon (PyPI `horizon`, Django) at /dashboard.

Optional: `pip install cheptel[dashboard]` brings it (scripts/setup.sh does, for `make run`
and `make test`); without it cheptel serves the APIs and no /dashboard. Nothing here is
imported by the API services, and nothing of Django is imported until the dashboard is
prepared, in the background, after the API answers (docs/dashboard.md).

  config.py   Horizon's settings, generated from cheptel's (Keystone URL, webroot, the
              secret key kept in DATA_DIR/dashboard, sessions in the local-memory cache)
  prepare.py  static files collected and compressed once (a child process), reused while
              Horizon's version is the same; Django set up in this process
  asgi.py     the ASGI app mounted at /dashboard: "being prepared" (503, Retry-After)
              until ready, then the static files and Django's ASGI handler
"""

from __future__ import annotations

import importlib.util

WEBROOT = "/dashboard"


def installed() -> bool:
    """True when Horizon is importable (the `dashboard` extra is installed)."""
    return importlib.util.find_spec("openstack_dashboard") is not None
