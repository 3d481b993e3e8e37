"""The compute service (Nova v2.1): what it is, where it lives, what it needs.

Its converger is the reconciler's ServerConverger (cheptel/reconciler/servers.py), one
server at a time: the handlers record intent and kick it after commit (ctx.after_commit).
"""

from cheptel.compute import faults, models, policies
from cheptel.compute.api import ROUTES, negotiate
from cheptel.compute.console_proxy import serial_console
from cheptel.compute.metrics import METRICS
from cheptel.compute.service import bootstrap, consoles
from cheptel.reconciler.servers import ServerConverger
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """Nova's sections of tempest.conf: flavors m1.nano (42) and m1.micro (84), the
    microversions served, the server actions cheptel implements."""
    return {
        "compute": {"image_ref": cloud.image, "image_ref_alt": cloud.image_alt,
                    "flavor_ref": "42", "flavor_ref_alt": "84",
                    "fixed_network_name": "private", "region": "RegionOne",
                    "min_microversion": "2.1", "max_microversion": "2.90",
                    "build_timeout": "120"},
        "compute-feature-enabled": {
            "console_output": "True", "resize": "True", "snapshot": "True",
            "pause": "True", "suspend": "True", "interface_attach": "True",
            "config_drive": "True", "metadata_service": "True", "personality": "False",
            "shelve": "False", "shelve_migrate": "False", "rescue": "False",
            "stable_rescue": "False", "live_migration": "False", "cold_migration": "False",
            "block_migration_for_live_migration": "False", "change_password": "False",
            "vnc_console": "False", "spice_console": "False", "serial_console": "False",
            "attach_encrypted_volume": "False", "volume_multiattach": "False",
            "swap_volume": "False", "hostname_fqdn_sanitization": "False"},
    }


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
    converger=ServerConverger,
    tempest=TempestTests(
        all=r"compute",
        selected=r"compute\.(servers|volumes|flavors|keypairs|limits|test_quotas|test_versions"
                 r"|admin\.(test_server|test_delete_server|test_create_server|test_flavors"
                 r"|test_quotas|test_simple_tenant_usage))",
        # CI's subset: servers (booted from images and from volumes), their actions with
        # volumes attached, and attaching volumes
        fast=r"compute\.(flavors|keypairs|limits|test_quotas|test_versions|servers\."
             r"(test_create_server\.|test_servers\.|test_server_actions"
             r"|test_list_servers_negative)|volumes\.test_attach_volume\.AttachVolumeTestJSON)",
        conf=tempest_conf),
    metrics=METRICS,
    websockets=[(consoles.PATH, serial_console)],
)
