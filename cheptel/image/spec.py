"""The image service (Glance v2): what it is, where it lives, what it needs."""

from cheptel.image import faults, models, policies
from cheptel.image.api import ROUTES
from cheptel.image.metrics import METRICS
from cheptel.image.service import bootstrap
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """Glance's sections of tempest.conf."""
    return {
        "image": {"container_formats": "bare,docker", "disk_formats": "raw",
                  "region": "RegionOne", "build_timeout": "120"},
        # cheptel stores any bytes under any disk_format (it inspects no image format)
        "image-feature-enabled": {"api_v2": "True", "api_v1": "False",
                                  "import_image": "False", "os_glance_reserved": "True",
                                  "image_format_enforcement": "False"},
    }


SERVICE = Service(
    type="image",
    name="glance",
    title="Image (Glance v2)",
    prefix="/image",
    catalog_path="",
    description="cheptel image (Glance v2)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    bootstrap=bootstrap.on_start,
    redirect_slashes=False,
    tempest=TempestTests(
        all=r"image\.v2",
        selected=r"image\.v2",
        fast=r"image\.v2\.(test_images\.|test_images_negative|test_images_metadefs_schema)",
        conf=tempest_conf),
    metrics=METRICS,
)
