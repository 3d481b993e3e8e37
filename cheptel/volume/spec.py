"""The block storage service (Cinder v3): what it is, where it lives, what it needs.

Volumes are sparse files holding ext4 (cheptel.backends.file_blocks); a write records its
intent, the storage follows after commit, and the bootstrap finishes at start what a
crash interrupted (service/volumes.py). The catalog type `block-storage` is the one
openstacksdk, the openstack CLI and Tempest look for first (os-service-types lists
`volumev3` and `volume` as its aliases, which those clients map back to it).
"""

from cheptel.reconciler.volumes import VolumeConverger
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests
from cheptel.volume import faults, models, policies
from cheptel.volume.api import ROUTES
from cheptel.volume.metrics import METRICS
from cheptel.volume.microversion import negotiate
from cheptel.volume.service import bootstrap


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """Cinder's sections of tempest.conf: what is built (volumes, types, quotas, limits,
    zones, snapshots, clones, backups) on."""
    return {
        "volume": {"catalog_type": "block-storage", "region": "RegionOne",
                   "build_timeout": "60", "min_microversion": "3.0",
                   "max_microversion": "3.71", "volume_size": "1",
                   # what the file backend reports: Tempest's typed volumes ask for them
                   "storage_protocol": "file", "vendor_name": "Open Source",
                   # the one format an upload to an image makes (a root filesystem tar)
                   "disk_format": "raw"},
        "volume-feature-enabled": {"api_v3": "True", "backup": "True",
                                   "snapshot": "True", "clone": "True",
                                   "manage_snapshot": "False", "manage_volume": "False",
                                   "multi_backend": "False", "extend_attached_volume": "False",
                                   "enable_volume_image_dep_tests": "False"},
    }


FAST = (r"volume\.(test_volumes_get\.(VolumesGetTest\.test_volume_create_get_update_delete\b"
        r"|VolumesSummaryTest)|test_volumes_list\.VolumesListTestJSON\.test_volume_list_"
        r"(details_)?pagination|test_extensions|admin\.test_volume_services"
        r"|test_volumes_actions\.VolumesActionsTest\.test_(attach_detach|reserve)"
        r"|test_volumes_snapshots\.VolumesSnapshotTestJSON\.test_snapshot_create_get_list)")

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
    converger=VolumeConverger,
    negotiate=negotiate,
    # fast: what CI runs (tests/integration/test_tempest_fast.py), only tests seen passing
    tempest=TempestTests(all=r"volume", selected=r"volume", fast=FAST, conf=tempest_conf),
    metrics=METRICS,
)
