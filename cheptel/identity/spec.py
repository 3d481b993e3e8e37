"""The identity service (Keystone v3): what it is, where it lives, what it needs."""

from cheptel.identity import faults, models, policies
from cheptel.identity.api import ROUTES
from cheptel.identity.metrics import METRICS
from cheptel.identity.service import bootstrap
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """Keystone's sections of tempest.conf: v3 only, the features cheptel implements."""
    return {
        "identity": {"uri_v3": f"{cloud.url}/identity/v3", "auth_version": "v3",
                     "region": "RegionOne", "default_domain_id": "default"},
        "identity-feature-enabled": {
            "api_v2": "False", "api_v3": "True", "trust": "False", "access_rules": "False",
            "security_compliance": "False", "domain_specific_drivers": "False",
            "application_credentials": "True", "project_tags": "True",
            "external_idp": "False", "immutable_user_source": "False"},
    }


SERVICE = Service(
    type="identity",
    name="keystone",
    title="Identity (Keystone v3)",
    prefix="/identity",
    catalog_path="",
    description="cheptel identity (Keystone v3)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    bootstrap=bootstrap.on_start,
    tempest=TempestTests(
        all=r"identity\.v3|identity\.admin\.v3",
        selected=r"identity\.v3|identity\.admin\.v3",
        fast=r"identity\.v3|identity\.admin\.v3\.(test_users|test_projects\.|test_roles"
             r"|test_tokens|test_credentials)",
        conf=tempest_conf),
    metrics=METRICS,
)
