"""Flavor bodies as Nova renders them (nova/api/openstack/compute/views/flavors.py)."""

from __future__ import annotations

from cheptel.compute.microversion import Version
from cheptel.compute.models import Flavor
from cheptel.compute.views_common import links


def brief(base: str, flavor: Flavor, version: Version) -> dict:
    body: dict = {"id": flavor.id, "name": flavor.name,
                  "links": links(base, "flavors", flavor.id)}
    if version.at_least("2.55"):
        body["description"] = flavor.description
    return body


def detail(base: str, flavor: Flavor, version: Version,
           extra_specs: dict[str, str] | None = None) -> dict:
    """The full flavor; extra_specs is shown (2.61+) when the caller may read them."""
    body: dict = {
        "id": flavor.id,
        "name": flavor.name,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "swap": flavor.swap if version.at_least("2.75") else (flavor.swap or ""),
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "vcpus": flavor.vcpus,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor or "",
        "links": links(base, "flavors", flavor.id),
    }
    if version.at_least("2.55"):
        body["description"] = flavor.description
    if extra_specs is not None and version.at_least("2.61"):
        body["extra_specs"] = extra_specs
    return body


def access(flavor_id: str, projects: list[str]) -> dict:
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": p} for p in projects]}
