"""Response bodies: each resource as Neutron shows it (admin-only attributes included only
for an administrator). Listing helpers (filters, sorting, pages, fields) work on these
dicts: see cheptel.network.service.listing."""

from __future__ import annotations

import time

from cheptel.network.models import (
    FloatingIP,
    Network,
    Port,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    SubnetPool,
)

AVAILABILITY_ZONE = "nova"


def timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _standard(row: object, tags: bool = True) -> dict:
    body = {
        "description": row.description,  # type: ignore[attr-defined]
        "created_at": timestamp(row.created_at),  # type: ignore[attr-defined]
        "updated_at": timestamp(row.updated_at),  # type: ignore[attr-defined]
        "revision_number": row.revision_number,  # type: ignore[attr-defined]
    }
    if tags:
        body["tags"] = list(row.tags or [])  # type: ignore[attr-defined]
    return body


def _owner(project_id: str) -> dict:
    return {"tenant_id": project_id, "project_id": project_id}


def network(net: Network, admin: bool = False) -> dict:
    body = {
        "id": net.id,
        "name": net.name,
        **_owner(net.project_id),
        "admin_state_up": net.admin_state_up,
        "mtu": net.mtu,
        "status": net.status,
        "subnets": [s.id for s in net.subnets],
        "shared": net.shared,
        "availability_zone_hints": list(net.availability_zone_hints or []),
        "availability_zones": [AVAILABILITY_ZONE],
        "router:external": net.external,
        "port_security_enabled": net.port_security_enabled,
        **_standard(net),
    }
    if admin:
        body.update({"provider:network_type": net.network_type,
                     "provider:physical_network": net.physical_network,
                     "provider:segmentation_id": None})
    return body


def subnet(sub: Subnet) -> dict:
    return {
        "id": sub.id,
        "name": sub.name,
        **_owner(sub.project_id),
        "network_id": sub.network_id,
        "ip_version": sub.ip_version,
        "subnetpool_id": sub.subnetpool_id,
        "enable_dhcp": sub.enable_dhcp,
        "ipv6_ra_mode": sub.ipv6_ra_mode,
        "ipv6_address_mode": sub.ipv6_address_mode,
        "gateway_ip": sub.gateway_ip,
        "cidr": sub.cidr,
        "allocation_pools": [dict(p) for p in sub.allocation_pools],
        "host_routes": [dict(r) for r in sub.host_routes],
        "dns_nameservers": list(sub.dns_nameservers),
        "router:external": sub.network.external,
        **_standard(sub),
    }


def subnetpool(pool: SubnetPool) -> dict:
    return {
        "id": pool.id,
        "name": pool.name,
        **_owner(pool.project_id),
        "ip_version": pool.ip_version,
        "prefixes": list(pool.prefixes),
        "min_prefixlen": pool.min_prefixlen,
        "max_prefixlen": pool.max_prefixlen,
        "default_prefixlen": pool.default_prefixlen,
        "default_quota": pool.default_quota,
        "shared": pool.shared,
        "is_default": pool.is_default,
        "address_scope_id": None,
        **_standard(pool),
    }


def port(p: Port, admin: bool = False) -> dict:
    body = {
        "id": p.id,
        "name": p.name,
        "network_id": p.network_id,
        **_owner(p.project_id),
        "mac_address": p.mac_address,
        "admin_state_up": p.admin_state_up,
        "status": p.status,
        "device_id": p.device_id,
        "device_owner": p.device_owner,
        "fixed_ips": [{"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                      for a in p.fixed_ips],
        "allowed_address_pairs": [dict(pair) for pair in p.allowed_address_pairs],
        "security_groups": p.security_group_ids,
        "port_security_enabled": p.port_security_enabled,
        "binding:vnic_type": p.binding_vnic_type,
        **_standard(p),
    }
    if admin:  # Neutron's get_port:binding:* policies show the rest to the admin only
        body.update({"binding:host_id": p.binding_host_id,
                     "binding:profile": dict(p.binding_profile or {}),
                     "binding:vif_type": p.binding_vif_type,
                     "binding:vif_details": dict(p.binding_vif_details or {})})
    return body


def gateway_info(r: Router) -> dict | None:
    gw = r.gw_port
    if gw is None:
        return None
    return {"network_id": gw.network_id, "enable_snat": r.enable_snat,
            "external_fixed_ips": [{"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                                   for a in gw.fixed_ips]}


def router(r: Router) -> dict:
    return {
        "id": r.id,
        "name": r.name,
        **_owner(r.project_id),
        "admin_state_up": r.admin_state_up,
        "status": r.status,
        "external_gateway_info": gateway_info(r),
        "availability_zone_hints": list(r.availability_zone_hints or []),
        "availability_zones": [AVAILABILITY_ZONE],
        **_standard(r),
    }


def router_interface(r: Router, port_id: str, network_id: str, subnet_ids: list[str]) -> dict:
    """The answer of add_router_interface and remove_router_interface."""
    return {"id": r.id, **_owner(r.project_id), "port_id": port_id, "network_id": network_id,
            "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids}


def floatingip(f: FloatingIP) -> dict:
    return {
        "id": f.id,
        **_owner(f.project_id),
        "floating_ip_address": f.floating_ip_address,
        "floating_network_id": f.floating_network_id,
        "router_id": f.router_id,
        "port_id": f.port_id,
        "fixed_ip_address": f.fixed_ip_address,
        "status": f.status,
        **_standard(f),
    }


def security_group_rule(r: SecurityGroupRule) -> dict:
    return {
        "id": r.id,
        **_owner(r.project_id),
        "security_group_id": r.security_group_id,
        "direction": r.direction,
        "ethertype": r.ethertype,
        "protocol": r.protocol,
        "port_range_min": r.port_range_min,
        "port_range_max": r.port_range_max,
        "remote_ip_prefix": r.remote_ip_prefix,
        "remote_group_id": r.remote_group_id,
        **_standard(r, tags=False),
    }


def security_group(g: SecurityGroup) -> dict:
    return {
        "id": g.id,
        "name": g.name,
        **_owner(g.project_id),
        "security_group_rules": [security_group_rule(r) for r in g.rules],
        **_standard(g),
    }
