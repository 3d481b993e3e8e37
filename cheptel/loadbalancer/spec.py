"""The load-balancer service (Octavia v2): what it is, where it lives, what it needs.

A load balancer and its tree are intent in the database; the reconciler
(BalancerConverger) makes each one a HAProxy in the network namespace holding its VIP
port (made by the network reconciler) and reads its health back. Catalog type
`load-balancer`, URL `/load-balancer` (the clients add `/v2` or `/v2.0`)."""

from typing import Any

from cheptel.loadbalancer import faults, models, policies
from cheptel.loadbalancer.api import ROUTES
from cheptel.loadbalancer.metrics import METRICS
from cheptel.loadbalancer.service import providers
from cheptel.reconciler.balancers import BalancerConverger
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def _descriptions(schema: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["description"] for c in providers.capabilities(schema)}


def _dict_opt(values: dict[str, str]) -> str:
    return ",".join(f"{k}:{v}" for k, v in values.items())


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """octavia-tempest-plugin's sections (octavia_tempest_plugin/config.py)."""
    return {
        "load_balancer": {
            # False: real networks and subnets; the tests wait for operating_status ONLINE
            "test_with_noop": "False",
            "provider": "amphora",  # cheptel's providers: amphora and its alias octavia
            # Keystone's default roles (reader, member, manager, admin): the plugin's
            # expectations for them are Octavia's default policies
            "RBAC_test_type": "keystone_default_roles",
            "member_role": "member", "admin_role": "admin",
            "lb_build_interval": "1", "lb_build_timeout": "120",
            "build_interval": "1", "build_timeout": "120",
            "check_interval": "1", "check_timeout": "60",
            # what the providers say of themselves (DictOpts: name:description,...)
            "enabled_provider_drivers": _dict_opt(providers.PROVIDERS),
            "expected_flavor_capability": _dict_opt(_descriptions(providers.FLAVOR_SCHEMA)),
            "expected_availability_zone_capability": _dict_opt(
                _descriptions(providers.AVAILABILITY_ZONE_SCHEMA)),
            "availability_zone": "nova",  # cheptel's one compute zone
            "test_with_ipv6": "False",  # cheptel is IPv4 only
            # outside the project networks (10.100.0.0/16), the demo's and the public block
            "vip_subnet_cidr": "10.200.1.0/24",
            "member_1_ipv4_subnet_cidr": "10.200.2.0/24",
            "member_2_ipv4_subnet_cidr": "10.200.3.0/24",
        },
        "loadbalancer-feature-enabled": {
            "not_implemented_is_error": "False",  # a 501 is a skip
            "health_monitor_enabled": "True", "terminated_tls_enabled": "False",
            "l7_protocol_enabled": "True", "session_persistence_enabled": "True",
            "pool_algorithms_enabled": "True", "l4_protocol": "TCP",
            "prometheus_listener_enabled": "False",
        },
        "service_available": {"load_balancer": "True"},
    }


# The API tests (the scenario tests boot member servers and SSH into them) without what
# cheptel does not serve: UDP and SCTP listeners and pools, TLS termination (TERMINATED_
# HTTPS listeners, TLS-HELLO monitors), PROMETHEUS listeners, SOURCE_IP_PORT (SIP) pools,
# IPv6 VIPs and members (cheptel's load balancers are IPv4); nor the amphora tests
# (cheptel has no amphorae, each load balancer being one HAProxy on the host: their
# listing is empty where the tests need one). 346 of 632.
SELECTED = (r"v2\.(?!test_amphora\.)"
            r"(?!.*(?i:udp|sctp|tls|terminated_https|prometheus|sip|ipv6))")

SERVICE = Service(
    type="load-balancer",
    name="octavia",
    title="Load balancing (Octavia v2)",
    prefix="/load-balancer",
    catalog_path="",
    description="cheptel load balancing (Octavia v2)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    converger=BalancerConverger,
    tempest=TempestTests(all=r"v2", selected=SELECTED,
                         fast=r"v2\.test_load_balancer\.LoadBalancerAPITest\.",
                         conf=tempest_conf, under=r"octavia_tempest_plugin\.tests\.api\."),
    metrics=METRICS,
)
