"""Every resource type cheptel makes, by name."""

from __future__ import annotations

from cheptel.orchestration.resources import (
    cinder,
    groups,
    heat,
    neutron,
    nova,
    octavia,
    scaling,
    software,
    swift,
    testing,
    waits,
)
from cheptel.orchestration.resources.base import ResourceType

TYPES: dict[str, ResourceType] = {t.name: t for t in [*neutron.TYPES, *nova.TYPES,
                                                      *heat.TYPES,
                                                      *cinder.TYPES, *octavia.TYPES,
                                                      *groups.TYPES, *scaling.TYPES,
                                                      *testing.TYPES, *waits.TYPES,
                                                      *software.TYPES, *swift.TYPES]}
