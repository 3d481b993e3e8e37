"""Placement documents: the compute host as a root resource provider."""

from __future__ import annotations

from typing import Any

from cheptel.compute.service.hosts import Host, Usage

# Nova's initial allocation ratios (initial_cpu/ram/disk_allocation_ratio)
RATIOS = {"VCPU": 4.0, "MEMORY_MB": 1.0, "DISK_GB": 1.0}
GENERATION = 1  # the inventory never changes through this API (read-only)


def provider(base_url: str, uuid: str, h: Host, version: tuple[int, int]) -> dict[str, Any]:
    me = f"/resource_providers/{uuid}"
    links = [{"rel": "self", "href": me}, {"rel": "inventories", "href": me + "/inventories"},
             {"rel": "usages", "href": me + "/usages"}]
    body: dict[str, Any] = {"uuid": uuid, "name": h.hostname, "generation": GENERATION,
                            "links": links}
    if version >= (1, 1):
        links.append({"rel": "aggregates", "href": me + "/aggregates"})
    if version >= (1, 14):
        body.update({"parent_provider_uuid": None, "root_provider_uuid": uuid})
    return body


def inventories(h: Host) -> dict[str, Any]:
    totals = {"VCPU": h.vcpus, "MEMORY_MB": h.memory_mb, "DISK_GB": h.disk_gb}
    return {"resource_provider_generation": GENERATION, "inventories": {
        rc: {"total": total, "reserved": 0, "min_unit": 1, "max_unit": max(total, 1),
             "step_size": 1, "allocation_ratio": RATIOS[rc]}
        for rc, total in totals.items() if total > 0}}


def usages(used: Usage) -> dict[str, Any]:
    return {"resource_provider_generation": GENERATION, "usages": {
        "VCPU": used.vcpus, "MEMORY_MB": used.memory_mb, "DISK_GB": used.disk_gb}}
