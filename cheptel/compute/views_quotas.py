"""Quota sets, quota class sets and absolute limits as Nova renders them, per microversion
(quota_sets.py, quota_classes.py, views/limits.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cheptel.compute.microversion import Version

NETWORK = ("fixed_ips", "floating_ips", "security_group_rules", "security_groups")
FILES = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")
SERVER_GROUPS = ("server_groups", "server_group_members")


def hidden_quotas(version: Version) -> tuple[str, ...]:
    """os-quota-sets: 2.36 drops the nova-network quotas, 2.57 the injected files."""
    if version.at_least("2.57"):
        return NETWORK + FILES
    if version.at_least("2.36"):
        return NETWORK
    return ()


def hidden_class_quotas(version: Version) -> tuple[str, ...]:
    """os-quota-class-sets: before 2.50 no server group quotas (bug 1693168), network ones
    until 2.50, injected files until 2.57."""
    if version.at_least("2.57"):
        return NETWORK + FILES
    if version.at_least("2.50"):
        return NETWORK
    return SERVER_GROUPS


def quota_set(values: Mapping[str, Any], version: Version, project_id: str | None = None,
              root: str = "quota_set", hidden: tuple[str, ...] | None = None) -> dict:
    hide = hidden_quotas(version) if hidden is None else hidden
    body: dict[str, Any] = {}
    if project_id is not None:
        body["id"] = project_id
    body.update({k: v for k, v in sorted(values.items()) if k not in hide})
    return {root: body}


# limits: quota resource -> the absolute limit names Nova shows for it
LIMIT_NAMES = {
    "ram": ("maxTotalRAMSize",),
    "instances": ("maxTotalInstances",),
    "cores": ("maxTotalCores",),
    "key_pairs": ("maxTotalKeypairs",),
    "floating_ips": ("maxTotalFloatingIps",),
    "metadata_items": ("maxServerMeta", "maxImageMeta"),
    "injected_files": ("maxPersonality",),
    "injected_file_content_bytes": ("maxPersonalitySize",),
    "security_groups": ("maxSecurityGroups",),
    "security_group_rules": ("maxSecurityGroupRules",),
    "server_groups": ("maxServerGroups",),
    "server_group_members": ("maxServerGroupMembers",),
}
USED_NAMES = {
    "totalRAMUsed": "ram",
    "totalCoresUsed": "cores",
    "totalInstancesUsed": "instances",
    "totalFloatingIpsUsed": "floating_ips",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}


def limits(values: Mapping[str, int], used: Mapping[str, int], version: Version) -> dict:
    """GET /limits: 2.36 hides the network limits, 2.39 maxImageMeta, 2.57 personality."""
    hidden: tuple[str, ...] = ()
    if version.at_least("2.57"):
        hidden = ("floating_ips", "security_groups", "security_group_rules",
                  "injected_files", "injected_file_content_bytes")
    elif version.at_least("2.36"):
        hidden = ("floating_ips", "security_groups", "security_group_rules")
    absolute: dict[str, int] = {}
    for resource, names in LIMIT_NAMES.items():
        if resource in hidden or resource not in values:
            continue
        for name in names:
            if name == "maxImageMeta" and version.at_least("2.39"):
                continue
            absolute[name] = values[resource]
    for name, resource in USED_NAMES.items():
        if resource not in hidden:
            absolute[name] = used.get(resource, 0)
    return {"limits": {"rate": [], "absolute": absolute}}
