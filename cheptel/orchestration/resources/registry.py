"""Every resource type cheptel makes, by name."""

from __future__ import annotations

from cheptel.orchestration.resources import cinder, heat, neutron, nova, octavia
from cheptel.orchestration.resources.base import ResourceType

TYPES: dict[str, ResourceType] = {t.name: t for t in [*neutron.TYPES, *nova.TYPES,
                                                      *heat.TYPES,
                                                      *cinder.TYPES, *octavia.TYPES]}
