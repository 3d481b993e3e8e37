"""The placement service (read-only): what it is, where it lives."""

from cheptel.placement import faults, models, policies
from cheptel.placement.api import ROUTES
from cheptel.placement.metrics import METRICS
from cheptel.placement.microversion import negotiate
from cheptel.service import Service

SERVICE = Service(
    type="placement",
    name="placement",
    title="Placement (read-only)",
    prefix="/placement",
    catalog_path="",
    description="cheptel placement (the compute host's inventory and usage, read-only)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    negotiate=negotiate,
    metrics=METRICS,
)
