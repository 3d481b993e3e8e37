"""What a service declares about itself: its spec.py holds one `SERVICE = Service(...)`.

cheptel.services lists the declarations; everything that needs to know the services
reads that list: the app (mounts, bootstrap), the catalog, the migrations' metadata
(cheptel.models), the support matrix and the Tempest configuration. See
docs/adding-a-service.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session
from starlette.websockets import WebSocket

from cheptel.metrics.families import ServiceMetrics
from cheptel.web import FaultRenderer, Negotiator, Route

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.config import Settings
    from cheptel.reconciler import Converger, Reconciler

# A websocket endpoint's handler (the serial console's proxy)
WebSocketHandler = Callable[["Deps", WebSocket], Awaitable[None]]

# Run at every start in the one bootstrap transaction, after identity's; idempotent.
# Returns notes for the operator (printed by `cheptel serve`).
Bootstrap = Callable[[Session, "Deps"], list[str]]


@dataclass(frozen=True)
class TempestCloud:
    """The running cloud a tempest.conf is written for (scripts/tempest.py finds it)."""

    url: str  # the base URL, e.g. http://127.0.0.1:8080
    block: int  # its address block: 10.<block>.0.0/16 private, 172.24.<block>.0/24 public
    image: str  # the busybox image's id
    image_alt: str  # a second bootable image's id
    public_network: str  # the public network's id
    extensions: str  # Neutron's extension aliases, comma-separated


# tempest.conf sections: section -> option -> value (sections several services write are
# merged).
TempestSections = dict[str, dict[str, str]]


def _no_sections(cloud: TempestCloud) -> TempestSections:
    return {}


@dataclass(frozen=True)
class TempestTests:
    """A service's part of Tempest (scripts/tempest.py): its tests, regexes under `under`
    (Tempest's own `tempest.api.` or a plugin's package), and the tempest.conf sections it
    owns (its feature flags)."""

    all: str  # every test of the service (--all)
    selected: str  # what cheptel claims (the default run, docs/tempest-summary.md)
    fast: str  # CI's subset (--fast)
    conf: Callable[[TempestCloud], TempestSections] = _no_sections
    under: str = r"tempest\.api\."  # a regex: the package the three regexes are under


@dataclass(frozen=True)
class Service:
    """One service: where it lives, how it speaks, what it needs at start."""

    type: str  # the catalog's service type, e.g. "compute"
    name: str  # the catalog's service name, e.g. "nova"
    title: str  # for people (the support matrix): "Compute (Nova v2.1)"
    prefix: str  # URL prefix, e.g. "/compute"
    # the catalog endpoint, under the prefix: the version document the clients discover
    # ("" when the prefix itself answers with the version list)
    catalog_path: str
    description: str  # the catalog service's description
    routes: list[Route]  # api/__init__.py
    policies: Mapping[str, str]  # policies.py: every route's policy must be in it
    render_fault: FaultRenderer  # faults.py
    models: ModuleType  # models.py: imported so that the migrations see its tables
    bootstrap: Bootstrap | None = None  # service/bootstrap.py
    negotiate: Negotiator | None = None  # per-request hook (microversions, request ids)
    # called with the app's deps after every successful write (POST/PUT/PATCH/DELETE) has
    # committed: the converger hook (how the network service wakes the dataplane)
    on_write: Callable[[Deps], None] | None = None
    # False: a path with a trailing slash it does not declare is a 404, never a redirect to
    # the path without it (Glance's router has no such aliases)
    redirect_slashes: bool = True
    tempest: TempestTests | None = None
    # builds the service's converger once per app (cheptel.reconciler: the reconciler
    # schedules its keys and runs its scan at every periodic pass)
    converger: Callable[[Deps, Reconciler], Converger] | None = None
    # its Prometheus series, named as openstack-exporter names them (metrics.py)
    metrics: ServiceMetrics | None = None
    # websocket endpoints under the prefix: (path, handler(deps, websocket))
    websockets: Sequence[tuple[str, WebSocketHandler]] = ()
    # the URL (with the project) of an external engine that serves this API instead, read
    # from the settings ("" = the built-in one): the catalog lists it, and the prefix
    # answers 410 Gone (cheptel.app)
    external_url: Callable[[Settings], str] | None = None
