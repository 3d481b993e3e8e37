"""Network's series, as openstack-exporter's neutron exporter names and labels them
(exporters/neutron.go): counts, one info series per network, subnet, port, router and
floating IP, each subnet's address availability, and each project's quotas."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cheptel.identity.models import Project
from cheptel.metrics.families import ServiceMetrics, gauge, status_code, total
from cheptel.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    Router,
    SecurityGroup,
    Subnet,
    SubnetPool,
)
from cheptel.network.service import quotas

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "neutron"
NETWORK_STATUSES = ("ACTIVE", "BUILD", "DOWN", "ERROR")
NET_IPS = ("network_id", "network_name", "ip_version", "cidr", "subnet_name", "project_id")
# the exporter's quota_* series (ListNetworkQuotas): each resource of a project's quota
# details as `type` used, reserved and limit; subnet pools and RBAC policies have no
# quota in cheptel (unlimited; there are no RBAC policies)
QUOTAS = ("network", "subnet", "subnetpool", "port", "router", "floatingip",
          "security_group", "security_group_rule", "rbac_policy")


def _pool_size(subnet: Subnet) -> int:
    return sum(int(ipaddress.ip_address(p["end"])) - int(ipaddress.ip_address(p["start"])) + 1
               for p in subnet.allocation_pools)


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    networks = list(db.scalars(select(Network).options(selectinload(Network.subnets))
                               .order_by(Network.created_at, Network.id)))
    subnets = [s for n in networks for s in n.subnets]
    ports = list(db.scalars(select(Port).options(selectinload(Port.fixed_ips))
                            .order_by(Port.created_at, Port.id)))
    routers = list(db.scalars(select(Router).order_by(Router.created_at, Router.id)))
    fips = list(db.scalars(select(FloatingIP).order_by(FloatingIP.created_at, FloatingIP.id)))
    yield total(N, "networks", "networks", len(networks))
    yield gauge(N, "network", "network", (
        "id", "tenant_id", "status", "name", "is_shared", "is_external",
        "provider_network_type", "provider_physical_network", "provider_segmentation_id",
        "subnets", "tags", "mtu"), (
        ((n.id, n.project_id, n.status, n.name, n.shared, n.external, n.network_type,
          n.physical_network, "", ",".join(s.id for s in n.subnets), ",".join(n.tags),
          n.mtu), status_code(NETWORK_STATUSES, n.status)) for n in networks))
    yield total(N, "subnets", "subnets", len(subnets))
    yield gauge(N, "subnet", "subnet", (
        "id", "tenant_id", "name", "network_id", "cidr", "gateway_ip", "enable_dhcp",
        "dns_nameservers", "tags"), (
        ((s.id, s.project_id, s.name, s.network_id, s.cidr, s.gateway_ip, s.enable_dhcp,
          ",".join(s.dns_nameservers), ",".join(s.tags)), 1) for s in subnets))
    yield total(N, "ports", "ports", len(ports))
    yield total(N, "ports_no_ips", "ports_no_ips", sum(1 for p in ports if not p.fixed_ips))
    yield total(N, "ports_lb_not_active", "ports_lb_not_active", sum(
        1 for p in ports if p.device_owner.startswith("Octavia") and p.status != "ACTIVE"))
    yield gauge(N, "port", "port", (
        "uuid", "network_id", "mac_address", "device_owner", "device_id", "status",
        "binding_vif_type", "admin_state_up", "fixed_ips"), (
        ((p.id, p.network_id, p.mac_address, p.device_owner, p.device_id, p.status,
          p.binding_vif_type, p.admin_state_up, ",".join(a.ip_address for a in p.fixed_ips)),
         1) for p in ports))
    gateways = {p.id: p.network_id for p in ports if p.device_owner == "network:router_gateway"}
    yield total(N, "routers", "routers", len(routers))
    yield total(N, "routers_not_active", "routers_not_active",
                sum(1 for r in routers if r.status != "ACTIVE"))
    yield gauge(N, "router", "router", (
        "id", "name", "project_id", "admin_state_up", "status", "external_network_id"), (
        ((r.id, r.name, r.project_id, r.admin_state_up, r.status,
          gateways.get(r.gw_port_id or "", "")), 1) for r in routers))
    yield total(N, "floating_ips", "floating_ips", len(fips))
    yield total(N, "floating_ips_associated_not_active",
                "floating_ips_associated_not_active",
                sum(1 for f in fips if f.port_id and f.status != "ACTIVE"))
    yield gauge(N, "floating_ip", "floating_ip", (
        "id", "floating_network_id", "router_id", "status", "project_id",
        "floating_ip_address"), (
        ((f.id, f.floating_network_id, f.router_id, f.status, f.project_id,
          f.floating_ip_address), 1) for f in fips))
    yield total(N, "security_groups", "security_groups",
                int(db.scalar(select(func.count()).select_from(SecurityGroup)) or 0))
    used: dict[str, int] = {str(subnet): int(n) for subnet, n in db.execute(
        select(IPAllocation.subnet_id, func.count()).group_by(IPAllocation.subnet_id))}
    names = {n.id: n.name for n in networks}
    where = [((s.network_id, names[s.network_id], s.ip_version, s.cidr, s.name,
               s.project_id), s) for s in subnets]
    yield gauge(N, "network_ip_availabilities_total", "network_ip_availabilities_total",
                NET_IPS, ((labels, _pool_size(s)) for labels, s in where))
    yield gauge(N, "network_ip_availabilities_used", "network_ip_availabilities_used",
                NET_IPS, ((labels, used.get(s.id, 0)) for labels, s in where))

    yield from _quotas(db)


def _quotas(db: Session) -> Iterator[Metric]:
    projects = list(db.execute(select(Project.id, Project.name).order_by(Project.name)))
    details = []
    for p in projects:
        detail = quotas.details(db, p.id)
        pools = int(db.scalar(select(func.count()).select_from(SubnetPool)
                              .where(SubnetPool.project_id == p.id)) or 0)
        detail["subnetpool"] = {"limit": quotas.UNLIMITED, "used": pools, "reserved": 0}
        detail["rbac_policy"] = {"limit": quotas.UNLIMITED, "used": 0, "reserved": 0}
        details.append((p, detail))
    for resource in QUOTAS:
        yield gauge(N, f"quota_{resource}", f"quota_{resource}",
                    ("type", "tenant", "tenant_id"), (
            ((kind, p.name, p.id), detail[resource][kind])
            for p, detail in details for kind in ("used", "reserved", "limit")))


METRICS = ServiceMetrics(N, collect)
