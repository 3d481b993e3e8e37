"""scripts/tempest.py: tempest.conf assembled from what each service of SERVICES declares."""

from __future__ import annotations

import configparser
import importlib.util
import re
from pathlib import Path

from cheptel.service import Service, TempestCloud, TempestSections, TempestTests
from cheptel.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
# loaded under another name: `tempest` is Tempest's own package
_spec = importlib.util.spec_from_file_location("tempest_script", ROOT / "scripts" / "tempest.py")
assert _spec and _spec.loader
script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(script)

CLOUD = TempestCloud(url="http://127.0.0.1:1234", block=7, image="IMG", image_alt="IMG2",
                     public_network="PUB", extensions="router,security-group")
WORK = Path("/w")

# the object store's middleware Tempest may test (what its /info lists)
APIS = ",".join(("account_quotas", "bulk_delete", "bulk_upload", "container_quotas",
                 "crossdomain", "dlo", "formpost", "slo", "staticweb", "symlink",
                 "tempurl", "versioned_writes"))

# what the load-balancer providers say of themselves (tempest.conf DictOpts)
_ENGINE = "cheptel runs one HAProxy per load balancer in a network namespace on the host."
LB = {"{LB_PROVIDERS}": f"amphora:The Octavia Amphora driver: {_ENGINE},"
                        f"octavia:Deprecated alias of the Octavia Amphora driver: {_ENGINE}",
      "{LB_FLAVOR}": "loadbalancer_topology:The load balancer topology. One of: SINGLE - "
                     "One HAProxy per load balancer (cheptel has no ACTIVE_STANDBY).",
      "{LB_ZONE}": "compute_zone:The compute availability zone (cheptel has one: nova)."}

# What scripts/tempest.py wrote for this cloud when it hard-coded every section.
EXPECTED = """
[DEFAULT]
log_file = /w/tempest.log
debug = True

[auth]
admin_username = admin
admin_password = tempest-admin-secret
admin_project_name = admin
admin_domain_name = Default
default_credentials_domain_name = Default
use_dynamic_credentials = True
create_isolated_networks = True

[identity]
uri_v3 = http://127.0.0.1:1234/identity/v3
auth_version = v3
region = RegionOne
default_domain_id = default

[identity-feature-enabled]
api_v2 = False
api_v3 = True
trust = False
access_rules = False
security_compliance = False
domain_specific_drivers = False
application_credentials = True
project_tags = True
external_idp = False
immutable_user_source = False

[service_available]
cinder = True
swift = True
heat = True
octavia = True
horizon = False
placement = True
designate = False
barbican = False
nova = True
glance = True
neutron = True
load_balancer = True

[compute]
image_ref = IMG
image_ref_alt = IMG2
flavor_ref = 42
flavor_ref_alt = 84
fixed_network_name = private
region = RegionOne
min_microversion = 2.1
max_microversion = 2.90
build_timeout = 120

[compute-feature-enabled]
console_output = True
resize = True
snapshot = True
pause = True
suspend = True
interface_attach = True
config_drive = True
metadata_service = True
personality = False
shelve = False
shelve_migrate = False
rescue = False
stable_rescue = False
live_migration = False
cold_migration = False
block_migration_for_live_migration = False
change_password = False
vnc_console = False
spice_console = False
serial_console = False
attach_encrypted_volume = False
volume_multiattach = False
swap_volume = False
hostname_fqdn_sanitization = False

[image]
container_formats = bare,docker
disk_formats = raw
region = RegionOne
build_timeout = 120

[image-feature-enabled]
api_v2 = True
api_v1 = False
import_image = False
os_glance_reserved = True
image_format_enforcement = False

[network]
public_network_id = PUB
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
region = RegionOne
build_timeout = 120

[network-feature-enabled]
api_extensions = router,security-group
ipv6 = True
ipv6_subnet_attributes = True

[volume]
catalog_type = block-storage
region = RegionOne
build_timeout = 60
min_microversion = 3.0
max_microversion = 3.71
volume_size = 1
storage_protocol = file
vendor_name = Open Source
disk_format = raw

[volume-feature-enabled]
api_v3 = True
backup = True
snapshot = True
clone = True
manage_snapshot = False
manage_volume = False
multi_backend = False
extend_attached_volume = False
enable_volume_image_dep_tests = False

[validation]
run_validation = False

[object-storage]
catalog_type = object-store
region = RegionOne
operator_role = member
reseller_admin_role = ResellerAdmin

[object-storage-feature-enabled]
discoverability = True
discoverable_apis = {APIS}
container_sync = False
object_versioning = True

[load_balancer]
test_with_noop = False
provider = amphora
RBAC_test_type = keystone_default_roles
member_role = member
admin_role = admin
lb_build_interval = 1
lb_build_timeout = 120
build_interval = 1
build_timeout = 120
check_interval = 1
check_timeout = 60
enabled_provider_drivers = {LB_PROVIDERS}
expected_flavor_capability = {LB_FLAVOR}
expected_availability_zone_capability = {LB_ZONE}
availability_zone = nova
test_with_ipv6 = False
vip_subnet_cidr = 10.200.1.0/24
member_1_ipv4_subnet_cidr = 10.200.2.0/24
member_2_ipv4_subnet_cidr = 10.200.3.0/24

[loadbalancer-feature-enabled]
not_implemented_is_error = False
health_monitor_enabled = True
terminated_tls_enabled = False
l7_protocol_enabled = True
session_persistence_enabled = True
pool_algorithms_enabled = True
l4_protocol = TCP
prometheus_listener_enabled = False
[heat_plugin]
auth_url = http://127.0.0.1:1234/identity/v3
auth_version = 3
user_domain_name = Default
project_domain_name = Default
region = RegionOne
endpoint_type = public
image_ref = IMG
minimal_image_ref = IMG
instance_type = m1.tiny
minimal_instance_type = m1.tiny
fixed_network_name = private
floating_network_name = public
skip_functional_tests = True
skip_scenario_tests = True
username = demo
password = tempest-demo-secret
project_name = demo
admin_username = admin
admin_password = tempest-admin-secret
admin_project_name = admin
"""


def _sections(text: str) -> TempestSections:
    parser = configparser.RawConfigParser(default_section="no default section")
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return {name: dict(parser[name]) for name in parser.sections()}


def test_the_conf_from_services_is_the_one_written_by_hand() -> None:
    expected = EXPECTED.replace("{APIS}", APIS)
    for placeholder, value in LB.items():
        expected = expected.replace(placeholder, value)
    assert _sections(script.tempest_conf(CLOUD, WORK)) == _sections(expected)


def _orchestration(cloud: TempestCloud) -> TempestSections:
    return {"orchestration": {"catalog_type": "orchestration",
                              "uri": f"{cloud.url}/heat"}}


def test_a_new_service_writes_its_own_sections() -> None:
    compute = next(s for s in SERVICES if s.type == "compute")
    assert compute.tempest
    heat = Service(type="orchestration", name="heat", title="Orchestration",
                   prefix="/heat", catalog_path="/v1", description="stacks",
                   routes=[], policies={}, render_fault=compute.render_fault,
                   models=compute.models,
                   tempest=TempestTests(all="orchestration", selected="orchestration",
                                        fast="orchestration", conf=_orchestration))
    conf = script.tempest_sections(CLOUD, WORK, [*SERVICES, heat])
    assert conf["orchestration"] == {"catalog_type": "orchestration",
                                     "uri": "http://127.0.0.1:1234/heat"}
    assert conf["service_available"]["heat"] == "True"  # served beats not served
    assert conf["service_available"]["nova"] == "True"
    assert "orchestration" not in script.tempest_sections(CLOUD, WORK)


def test_a_service_names_tests_under_a_plugin_package() -> None:
    """octavia-tempest-plugin's API tests join Tempest's own in one regex."""
    member = "octavia_tempest_plugin.tests.api.v2.test_member.MemberAPITest."
    assert re.search(script.SELECTED, member + "test_HTTP_LC_alt_monitor_member_crud[id-1]")
    assert not re.search(script.SELECTED, member + "test_UDP_LC_member_create[id-2]")
    assert not re.search(script.SELECTED, member + "test_ipv6_HTTP_LC_member_create[id-3]")
    assert not re.search(script.SELECTED, "octavia_tempest_plugin.tests.scenario.v2.x.T.test_y")
    assert re.search(script.SELECTED, "tempest.api.network.test_ports.PortsTestJSON.test_x")
    assert script.area(member + "test_x") == "octavia.v2"
    assert script.area("tempest.api.compute.servers.test_x.T.test_y") == "compute.servers"
