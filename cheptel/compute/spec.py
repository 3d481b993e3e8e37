"""The compute service (Nova v2.1): what it is, where it lives, what it needs.

Its converger is the reconciler's ServerConverger (cheptel/reconciler/servers.py): the
handlers record intent and kick it after commit (ctx.after_commit).
"""

from cheptel.compute import faults, models, policies
from cheptel.compute.api import ROUTES, negotiate
from cheptel.compute.service import bootstrap
from cheptel.service import Service, TempestTests

SERVICE = Service(
    type="compute",
    name="nova",
    title="Compute (Nova v2.1)",
    prefix="/compute",
    catalog_path="/v2.1",
    description="cheptel compute (Nova)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    bootstrap=bootstrap.on_start,
    negotiate=negotiate,
    tempest=TempestTests(
        all=r"compute",
        selected=r"compute\.(servers|flavors|keypairs|limits|test_quotas|test_versions"
                 r"|admin\.(test_server|test_delete_server|test_create_server|test_flavors"
                 r"|test_quotas))",
        fast=r"compute\.(flavors|keypairs|limits|test_quotas|test_versions|servers\."
             r"(test_create_server\.|test_servers\.|test_server_actions"
             r"|test_list_servers_negative))"),
)
