"""The identity service (Keystone v3): what it is, where it lives, what it needs."""

from cheptel.identity import faults, models, policies
from cheptel.identity.api import ROUTES
from cheptel.identity.service import bootstrap
from cheptel.service import Service, TempestTests

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
             r"|test_tokens|test_credentials)"),
)
