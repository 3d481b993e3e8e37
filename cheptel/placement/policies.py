"""Placement's policies (placement/policies/*.py): reading providers is the admin's."""

from __future__ import annotations

POLICIES: dict[str, str] = {
    "placement:root": "anyone",  # the version document
    "placement:resource_providers:list": "admin",
    "placement:resource_providers:show": "admin",
    "placement:resource_providers:inventories:list": "admin",
    "placement:resource_providers:usages": "admin",
    "placement:resource_providers:aggregates:list": "admin",
}
