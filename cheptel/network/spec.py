"""The network service (Neutron v2.0): what it is, where it lives, what it needs.

Its converger is the reconciler's NetworkConverger (cheptel/reconciler/network.py),
woken after every committed write (on_write).
"""

from cheptel.network import faults, models, policies
from cheptel.network.api import ROUTES, request_id, wake_dataplane
from cheptel.network.metrics import METRICS
from cheptel.network.service import bootstrap
from cheptel.reconciler.network import NetworkConverger
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """Neutron's sections of tempest.conf: Tempest's project subnets are /28s of its
    default 10.100.0.0/16 (every project may use any addresses); IPv4 only."""
    return {
        "network": {"public_network_id": cloud.public_network,
                    "floating_network_name": "public",
                    "project_network_cidr": "10.100.0.0/16",
                    "project_network_mask_bits": "28", "region": "RegionOne",
                    "build_timeout": "120"},
        "network-feature-enabled": {"api_extensions": cloud.extensions, "ipv6": "True",
                                    "ipv6_subnet_attributes": "True"},
    }


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
    converger=lambda deps, reconciler: NetworkConverger(deps),
    tempest=TempestTests(
        all=r"network",
        selected=r"network",
        fast=r"network\.(test_networks\.|test_ports\.|test_routers\.|test_security_groups\."
             r"|test_floating_ips\.)",
        conf=tempest_conf),
    metrics=METRICS,
)
