"""os-hosts (deprecated, gone from 2.43): the hosts of Nova's services, and one host's
resources. nova/api/openstack/compute/hosts.py, HostController.

cheptel's services all run on the engine's host: the index lists it once per service
(compute in zone nova; scheduler and conductor in internal), filtered by `zone`; show
gives the host's total, its use now, the most its servers may use, and that per project.
Enabling, disabling, maintenance mode and power actions are what Nova's libvirt driver
does not implement either (NotImplementedError): a 501 once the host is known.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from cheptel.compute.api.params import version
from cheptel.compute.models import Server
from cheptel.compute.service import hosts
from cheptel.errors import BadRequest, NotFound, NotImplementedYet
from cheptel.validation import check
from cheptel.web import Ctx, Route

H = "/v2.1/os-hosts"
ONE = H + "/{host_name}"

TOPICS = {"nova-compute": "compute", "nova-scheduler": "scheduler",
          "nova-conductor": "conductor"}
SWITCH = {"type": "string", "enum": ["enable", "disable", "Enable", "Disable", "ENABLE",
                                     "DISABLE"]}
UPDATE = {"type": "object", "properties": {"status": SWITCH, "maintenance_mode": SWITCH},
          "anyOf": [{"required": ["status"]}, {"required": ["maintenance_mode"]}],
          "additionalProperties": False}
UNSUPPORTED = "The requested functionality is not supported."


def _host(ctx: Ctx) -> hosts.Host:
    if version(ctx).at_least("2.43"):
        raise NotFound("The resource could not be found.")
    host_ip = urlsplit(ctx.base_url).hostname or "127.0.0.1"
    return hosts.compute_host(ctx.deps.containers, ctx.deps.settings.data_dir, host_ip)


def _named(ctx: Ctx) -> hosts.Host:
    h = _host(ctx)
    name = ctx.params["host_name"]
    if name != h.hostname:
        raise NotFound(f"Host '{name}' is not mapped to any cell")
    return h


def index(ctx: Ctx) -> dict:
    h = _host(ctx)
    zone = ctx.query.get("zone")
    return {"hosts": [{"host_name": s.host, "service": TOPICS[s.binary], "zone": s.zone}
                      for s in hosts.services(h) if not zone or s.zone == zone]}


def _resource(host: str, project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict:
    return {"resource": {"host": host, "project": project, "cpu": cpu,
                         "memory_mb": memory_mb, "disk_gb": disk_gb}}


def show(ctx: Ctx) -> dict:
    h = _named(ctx)
    used = hosts.usage(ctx.db, h.hostname)
    body = [_resource(h.hostname, "(total)", h.vcpus, h.memory_mb, h.disk_gb),
            _resource(h.hostname, "(used_now)", used.vcpus, used.memory_mb, used.disk_gb),
            _resource(h.hostname, "(used_max)", used.vcpus, used.memory_mb, used.disk_gb)]
    per: dict[str, dict] = {}
    for s in ctx.db.scalars(select(Server).where(Server.deleted.is_(False),
                                                 Server.host == h.hostname)
                            .order_by(Server.created_at)):
        f = s.flavor or {}
        row = per.setdefault(s.project_id, _resource(h.hostname, s.project_id, 0, 0, 0))
        row["resource"]["cpu"] += int(f.get("vcpus", 0))
        row["resource"]["memory_mb"] += int(f.get("ram", 0))
        row["resource"]["disk_gb"] += int(f.get("disk", 0)) + int(f.get("ephemeral", 0))
    return {"host": body + list(per.values())}


def update(ctx: Ctx) -> dict:
    if version(ctx).at_least("2.43"):
        raise NotFound("The resource could not be found.")
    if not isinstance(ctx.body, dict):
        raise BadRequest("The request body is invalid.")
    check(UPDATE, ctx.body)
    _named(ctx)
    raise NotImplementedYet(UNSUPPORTED)


def power(ctx: Ctx) -> dict:
    _named(ctx)
    raise NotImplementedYet(UNSUPPORTED)


ROUTES = [
    Route("GET", H, index, "compute:os-hosts:list"),
    Route("GET", ONE, show, "compute:os-hosts:show"),
    Route("PUT", ONE, update, "compute:os-hosts:update"),
    Route("GET", ONE + "/reboot", power, "compute:os-hosts:reboot"),
    Route("GET", ONE + "/shutdown", power, "compute:os-hosts:shutdown"),
    Route("GET", ONE + "/startup", power, "compute:os-hosts:start"),
]
