"""Hypervisors, compute services and availability zones as Nova renders them, per
microversion (hypervisors.py, services.py, availability_zone.py)."""

from __future__ import annotations

from cheptel.compute.microversion import Version
from cheptel.compute.service.hosts import (
    HYPERVISOR_TYPE,
    INTERNAL_ZONE,
    ZONE,
    ComputeService,
    Host,
    Usage,
    hypervisor_uuid,
    services,
    version_number,
)
from cheptel.compute.views_common import naive_time

LEGACY_HYPERVISOR_ID = 1


def hypervisor_id(h: Host, version: Version) -> int | str:
    """2.53 made ids uuids; before, the compute node's integer id."""
    return hypervisor_uuid(h.hostname) if version.at_least("2.53") else LEGACY_HYPERVISOR_ID


def _compute(h: Host) -> ComputeService:
    return next(s for s in services(h) if s.binary == "nova-compute")


def hypervisor(h: Host, used: Usage, version: Version, *, detail: bool,
               with_servers: bool = False, uptime: str | None = None) -> dict:
    body: dict = {"id": hypervisor_id(h, version), "hypervisor_hostname": h.hostname,
                  "state": "up" if h.up else "down", "status": "enabled"}
    if detail:
        svc = _compute(h)
        body.update({
            "hypervisor_type": HYPERVISOR_TYPE,
            "hypervisor_version": version_number(h.version),
            "host_ip": h.host_ip,
            "service": {"id": svc.uuid if version.at_least("2.53") else svc.legacy_id,
                        "host": h.hostname, "disabled_reason": None},
        })
        if version.at_least("2.88"):
            body["uptime"] = uptime
        else:
            body.update(_capacity(h, used))
            body["cpu_info"] = {} if version.at_least("2.28") else "{}"
    if used.servers and with_servers:
        body["servers"] = [{"name": name, "uuid": sid} for name, sid in used.servers]
    elif with_servers and version.at_least("2.75"):
        body["servers"] = []
    return body


def _capacity(h: Host, used: Usage) -> dict:
    return {
        "vcpus": h.vcpus, "memory_mb": h.memory_mb, "local_gb": h.disk_gb,
        "vcpus_used": used.vcpus, "memory_mb_used": used.memory_mb,
        "local_gb_used": used.disk_gb, "free_ram_mb": h.memory_mb - used.memory_mb,
        "free_disk_gb": h.disk_gb - used.disk_gb, "current_workload": used.workload,
        "running_vms": used.running, "disk_available_least": h.disk_free_gb,
    }


def statistics(hosts: list[tuple[Host, Usage]]) -> dict:
    totals = {"count": len(hosts), "vcpus": 0, "memory_mb": 0, "local_gb": 0,
              "vcpus_used": 0, "memory_mb_used": 0, "local_gb_used": 0, "free_ram_mb": 0,
              "free_disk_gb": 0, "current_workload": 0, "running_vms": 0,
              "disk_available_least": 0}
    for h, used in hosts:
        for key, value in _capacity(h, used).items():
            totals[key] += value
    return {"hypervisor_statistics": totals}


def service(s: ComputeService, version: Version, now: float) -> dict:
    body: dict = {"id": s.uuid if version.at_least("2.53") else s.legacy_id,
                  "binary": s.binary, "host": s.host, "zone": s.zone, "status": "enabled",
                  "state": "up" if s.up else "down", "updated_at": naive_time(now),
                  "disabled_reason": None}
    if version.at_least("2.11"):
        body["forced_down"] = False
    return body


def zones(detail: bool, h: Host, now: float) -> dict:
    if not detail:
        return {"availabilityZoneInfo": [
            {"zoneName": ZONE, "zoneState": {"available": True}, "hosts": None}]}
    by_zone: dict[str, dict] = {INTERNAL_ZONE: {}, ZONE: {}}
    for s in services(h):
        by_zone[s.zone].setdefault(s.host, {})[s.binary] = {
            "available": s.up, "active": True, "updated_at": naive_time(now)}
    return {"availabilityZoneInfo": [
        {"zoneName": zone, "zoneState": {"available": True}, "hosts": hosts}
        for zone, hosts in by_zone.items()]}
