"""The orchestration service (Heat v1): what it is, where it lives, what it needs.

Stacks are intent in the database; the reconciler drives them (StackConverger) through
the other services' own routes, in-process, as the stack's owner. Catalog type
`orchestration`, URL `/orchestration/v1/{project_id}` (python-heatclient uses it as is).
"""

from cheptel.orchestration import faults, models, policies
from cheptel.orchestration.api import ROUTES
from cheptel.orchestration.metrics import METRICS
from cheptel.reconciler.stacks import StackConverger
from cheptel.service import Service

SERVICE = Service(
    type="orchestration",
    name="heat",
    title="Orchestration (Heat v1)",
    prefix="/orchestration",
    catalog_path="/v1/$(project_id)s",
    description="cheptel orchestration (Heat v1)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    converger=StackConverger,
    metrics=METRICS,
)
