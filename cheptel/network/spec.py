"""The network service (Neutron v2.0): what it is, where it lives, what it needs.

Its converger is the reconciler's NetworkConverger (cheptel/reconciler/network.py),
woken after every committed write (on_write).
"""

from cheptel.network import faults, models, policies
from cheptel.network.api import ROUTES, request_id, wake_dataplane
from cheptel.network.service import bootstrap
from cheptel.service import Service, TempestTests

SERVICE = Service(
    type="network",
    name="neutron",
    title="Networking (Neutron v2.0)",
    prefix="/network",
    catalog_path="",
    description="cheptel network (Neutron v2.0)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    bootstrap=bootstrap.on_start,
    negotiate=request_id,
    on_write=wake_dataplane,
    tempest=TempestTests(
        all=r"network",
        selected=r"network",
        fast=r"network\.(test_networks\.|test_ports\.|test_routers\.|test_security_groups\."
             r"|test_floating_ips\.)"),
)
