"""The block storage service (Cinder v3): what it is, where it lives, what it needs.

Volumes are sparse files holding ext4 (cheptel.backends.blockstore); a write records its
intent, the storage follows after commit, and the bootstrap finishes at start what a
crash interrupted (service/volumes.py). The catalog type `block-storage` is the one
openstacksdk, the openstack CLI and Tempest look for first (os-service-types lists
`volumev3` and `volume` as its aliases, which those clients map back to it).
"""

from cheptel.service import Service
from cheptel.volume import faults, models, policies
from cheptel.volume.api import ROUTES
from cheptel.volume.microversion import negotiate
from cheptel.volume.service import bootstrap

SERVICE = Service(
    type="block-storage",
    name="cinder",
    title="Block storage (Cinder v3)",
    prefix="/volume",
    catalog_path="/v3/$(project_id)s",
    description="cheptel block storage (Cinder v3)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    bootstrap=bootstrap.on_start,
    negotiate=negotiate,
    # Tempest's volume tests are not selected yet: docs/volume.md says what they need
)
