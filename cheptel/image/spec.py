"""The image service (Glance v2): what it is, where it lives, what it needs."""

from cheptel.image import faults, models, policies
from cheptel.image.api import ROUTES
from cheptel.image.service import bootstrap
from cheptel.service import Service, TempestTests

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
        fast=r"image\.v2\.(test_images\.|test_images_negative|test_images_metadefs_schema)"),
)
