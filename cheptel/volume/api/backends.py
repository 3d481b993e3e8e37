"""This host's Cinder services, hosts, pools and capabilities (the admin's), and the
extension list (anyone's): os-services, os-hosts, scheduler-stats/get_pools,
capabilities/{host}, extensions."""

from __future__ import annotations

from typing import Any

from cheptel.common import flag, iso
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.volume import schemas
from cheptel.volume.api.common import P, caller, version
from cheptel.volume.models import VolumeService
from cheptel.volume.service import backends, scheduler
from cheptel.volume.service.volumes import AZ
from cheptel.web import Ctx, Route

UPDATED = "2013-04-18T00:00:00+00:00"
# the extensions Cinder lists that this slice serves, by alias
EXTENSIONS = (
    ("os-availability-zone", "AvailabilityZones", "Describe Availability Zones."),
    ("os-hosts", "Hosts", "Admin-only host administration."),
    ("os-quota-class-sets", "QuotaClasses", "Quota classes management support."),
    ("os-quota-sets", "Quotas", "Quota management support."),
    ("os-services", "Services", "Services support."),
    ("os-types-extra-specs", "TypesExtraSpecs", "Type extra specs support."),
    ("os-types-manage", "TypesManage", "Types manage support."),
    ("os-volume-actions", "VolumeActions", "Enable volume actions."),
    ("os-admin-actions", "AdminActions", "Enable admin actions."),
    ("os-volume-type-access", "VolumeTypeAccess", "Volume type access support."),
    ("os-vol-host-attr", "VolumeHostAttribute", "Expose host as an attribute of a "
                                                "volume."),
    ("os-vol-tenant-attr", "VolumeTenantAttribute", "Expose the internal project_id as "
                                                    "an attribute of a volume."),
    ("scheduler-stats", "Scheduler_stats", "Scheduler stats support."),
    ("capabilities", "Capabilities", "Capabilities support."),
    ("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes",
     "Extended SnapshotAttributes support."),
    ("os-snapshot-actions", "SnapshotActions", "Enable snapshot manager actions."),
    ("os-volume-transfer", "VolumeTransfer", "Volume transfer management support."),
    ("os-vol-image-meta", "VolumeImageMetadata", "Show image metadata associated with "
                                                 "the volume."),
)


def list_extensions(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"extensions": [{"alias": alias, "name": name, "description": text,
                            "namespace": f"https://docs.openstack.org/volume/ext/{alias}",
                            "updated": UPDATED, "links": []}
                           for alias, name, text in EXTENSIONS]}


def _service(s: VolumeService, ctx: Ctx | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "binary": s.binary, "host": s.host, "zone": AZ, "updated_at": iso(s.updated_at),
        "status": "disabled" if s.disabled else "enabled", "state": "up",
        "disabled_reason": s.disabled_reason}
    if s.binary == "cinder-volume":
        doc.update(frozen=s.frozen, replication_status="disabled", active_backend_id=None)
        if ctx is not None and version(ctx).at_least("3.49"):
            doc["backend_state"] = "up"
    if ctx is not None and version(ctx).at_least("3.7"):
        doc["cluster"] = None
    return doc


def list_services(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    found = backends.list_services(ctx.db, ctx.query.get("host"), ctx.query.get("binary"))
    return {"services": [_service(s, ctx) for s in found]}


def update_service(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    action = ctx.params["action"]
    if action in ("freeze", "thaw"):
        host = check(schemas.service_host, ctx.body)["host"]
        backends.set_frozen(ctx.db, host, action == "freeze", ctx.now)
        return {}
    if action not in ("enable", "disable", "disable-log-reason"):
        raise NotFound("Unknown action")
    schema = schemas.service_reason if action == "disable-log-reason" else \
        schemas.service_switch
    body = check(schema, ctx.body)
    binary = body.get("binary") or body.get("service")
    if not binary:
        raise BadRequest("Missing required element 'binary' in request body.")
    reason = body.get("disabled_reason")
    svc = backends.set_enabled(ctx.db, body["host"], binary, action == "enable", reason,
                               ctx.now)
    out: dict[str, Any] = {"disabled": svc.disabled, "status": _service(svc)["status"],
                           "host": svc.host, "service": binary, "binary": binary}
    if action != "disable":
        out["disabled_reason"] = svc.disabled_reason
    return out


def list_hosts(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"hosts": [{"host_name": s.host, "service": s.binary, "zone": AZ,
                       "service-status": "available",
                       "service-state": "disabled" if s.disabled else "enabled",
                       "last-update": iso(s.updated_at)}
                      for s in backends.list_services(ctx.db, None, None)]}


def show_host(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    host = ctx.params["host"]
    return {"host": [{"resource": {"host": host, "project": u.project,
                                   "volume_count": str(u.count),
                                   "total_volume_gb": str(u.gigabytes),
                                   "snapshot_count": str(u.snapshots),
                                   "total_snapshot_gb": str(u.snapshot_gigabytes)}}
                     for u in backends.host_usage(ctx.db, host)]}


CAPABILITIES = scheduler.CAPABILITIES


def get_pools(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    pool = backends.pool(ctx.db, ctx.deps.settings.data_dir)
    if not flag(ctx.query, "detail"):
        return {"pools": [{"name": pool.name}]}
    return {"pools": [{"name": pool.name, "capabilities": {
        **scheduler.capabilities(pool), "timestamp": iso(ctx.now)}}]}


def show_capabilities(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    host = ctx.params["host"]
    if host not in (backends.VOLUME_HOST, backends.POOL):
        raise NotFound(f"Service {host[:255]} could not be found.")
    return {**CAPABILITIES, "pool_name": None, "description": None, "display_name": None,
            "visibility": None, "namespace": "OS::Storage::Capabilities::file",
            "replication_targets": [], "properties": {
                "thin_provisioning": {"title": "Thin Provisioning", "type": "boolean",
                                      "description": "Sets thin provisioning."}}}


ROUTES: list[Route] = [
    Route("GET", P + "/extensions", list_extensions, "volume:extensions"),
    Route("GET", P + "/os-services", list_services, "volume_extension:service:index"),
    Route("PUT", P + "/os-services/{action}", update_service,
          "volume_extension:service:update"),
    Route("GET", P + "/os-hosts", list_hosts, "volume_extension:hosts"),
    Route("GET", P + "/os-hosts/{host}", show_host, "volume_extension:hosts"),
    Route("GET", P + "/scheduler-stats/get_pools", get_pools,
          "scheduler_extension:scheduler_stats:get_pools"),
    Route("GET", P + "/capabilities/{host}", show_capabilities,
          "volume_extension:capabilities"),
]
