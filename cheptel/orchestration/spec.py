"""The orchestration service (Heat v1): what it is, where it lives, what it needs.

Stacks are intent in the database; the reconciler drives them (StackConverger) through
the other services' own routes, in-process, as the stack's owner. Catalog type
`orchestration`, URL `/orchestration/v1/{project_id}` (python-heatclient uses it as is).
"""

from cheptel.orchestration import faults, models, policies
from cheptel.orchestration.api import ROUTES
from cheptel.orchestration.metrics import METRICS
from cheptel.reconciler.stacks import StackConverger
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """heat-tempest-plugin's sections (heat_tempest_plugin/config.py): where Keystone is
    and what to boot; its credentials are written by scripts/tempest.py. Its API tests
    (gabbi) are what cheptel runs; the functional and scenario tests need Heat's agents
    in a guest (os-collect-config), software deployments and the CFN API."""
    return {"heat_plugin": {
        "auth_url": f"{cloud.url}/identity/v3", "auth_version": "3",
        "user_domain_name": "Default", "project_domain_name": "Default",
        "region": "RegionOne", "endpoint_type": "public",
        "image_ref": cloud.image, "minimal_image_ref": cloud.image,
        "instance_type": "m1.tiny", "minimal_instance_type": "m1.tiny",
        "fixed_network_name": "private", "floating_network_name": "public",
        "skip_functional_tests": "True", "skip_scenario_tests": "True"}}


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
    tempest=TempestTests(all=r"test_heat_api", selected=r"test_heat_api",
                         fast=r"test_heat_api\.(templates|resourcetypes)_",
                         conf=tempest_conf, under=r"heat_tempest_plugin\.tests\.api\."),
)
