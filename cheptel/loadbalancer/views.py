"""Database rows -> Octavia's documents (octavia/api/v2/types/*.py, api-ref samples).
Times are wsme's ISO form without a zone ("2017-02-28T00:41:44")."""

from __future__ import annotations

import time
from typing import Any

from cheptel.loadbalancer.models import (
    HealthMonitor,
    L7Policy,
    L7Rule,
    Listener,
    LoadBalancer,
    Member,
    Pool,
)


def iso(t: float | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


def _ids(ids: list[str]) -> list[dict[str, str]]:
    return [{"id": i} for i in ids]


def _common(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "project_id": row.project_id,
            "tenant_id": row.project_id, "admin_state_up": row.admin_state_up,
            "provisioning_status": row.provisioning_status,
            "operating_status": row.operating_status, "tags": list(row.tags or []),
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def loadbalancer(lb: LoadBalancer, listeners: list[str], pools: list[str]) -> dict[str, Any]:
    return {**_common(lb), "description": lb.description, "vip_address": lb.vip_address,
            "vip_port_id": lb.vip_port_id, "vip_subnet_id": lb.vip_subnet_id,
            "vip_network_id": lb.vip_network_id, "vip_qos_policy_id": None,
            "vip_sg_ids": [], "vip_vnic_type": "normal", "additional_vips": [],
            "listeners": _ids(listeners), "pools": _ids(pools), "provider": lb.provider,
            "flavor_id": lb.flavor_id, "availability_zone": lb.availability_zone}


def listener(lis: Listener, l7policies: list[str]) -> dict[str, Any]:
    return {**_common(lis), "description": lis.description, "protocol": lis.protocol,
            "protocol_port": lis.protocol_port, "connection_limit": lis.connection_limit,
            "default_pool_id": lis.default_pool_id,
            "default_tls_container_ref": None, "sni_container_refs": [],
            "l7policies": _ids(l7policies), "insert_headers": dict(lis.insert_headers or {}),
            "loadbalancers": _ids([lis.loadbalancer_id]),
            "timeout_client_data": lis.timeout_client_data,
            "timeout_member_connect": lis.timeout_member_connect,
            "timeout_member_data": lis.timeout_member_data,
            "timeout_tcp_inspect": lis.timeout_tcp_inspect,
            "client_ca_tls_container_ref": None, "client_authentication": "NONE",
            "client_crl_container_ref": None, "allowed_cidrs": lis.allowed_cidrs,
            "tls_ciphers": None, "tls_versions": None, "alpn_protocols": None,
            "hsts_max_age": None, "hsts_include_subdomains": None, "hsts_preload": None}


def pool(p: Pool, listeners: list[str], members: list[str],
         monitor: str | None) -> dict[str, Any]:
    return {**_common(p), "description": p.description, "protocol": p.protocol,
            "lb_algorithm": p.lb_algorithm, "session_persistence": p.session_persistence,
            "loadbalancers": _ids([p.loadbalancer_id]), "listeners": _ids(listeners),
            "members": _ids(members), "healthmonitor_id": monitor,
            "tls_container_ref": None, "ca_tls_container_ref": None,
            "crl_container_ref": None, "tls_enabled": p.tls_enabled, "tls_ciphers": None,
            "tls_versions": None, "alpn_protocols": None}


def member(m: Member) -> dict[str, Any]:
    doc = _common(m)
    doc.pop("tenant_id")
    return {**doc, "address": m.address, "protocol_port": m.protocol_port,
            "weight": m.weight, "backup": m.backup, "subnet_id": m.subnet_id,
            "monitor_address": m.monitor_address, "monitor_port": m.monitor_port,
            "vnic_type": "normal"}


def healthmonitor(hm: HealthMonitor) -> dict[str, Any]:
    doc = _common(hm)
    doc.pop("tenant_id")
    return {**doc, "type": hm.type, "delay": hm.delay, "timeout": hm.timeout,
            "max_retries": hm.max_retries, "max_retries_down": hm.max_retries_down,
            "http_method": hm.http_method, "url_path": hm.url_path,
            "expected_codes": hm.expected_codes, "http_version": hm.http_version,
            "domain_name": hm.domain_name, "pools": _ids([hm.pool_id])}


def l7policy(pol: L7Policy, rules: list[str]) -> dict[str, Any]:
    doc = _common(pol)
    doc.pop("tenant_id")
    return {**doc, "description": pol.description, "listener_id": pol.listener_id,
            "action": pol.action, "position": pol.position,
            "redirect_pool_id": pol.redirect_pool_id, "redirect_url": pol.redirect_url,
            "redirect_prefix": pol.redirect_prefix,
            "redirect_http_code": pol.redirect_http_code, "rules": _ids(rules)}


def l7rule(rule: L7Rule) -> dict[str, Any]:
    doc = _common(rule)
    doc.pop("tenant_id")
    doc.pop("name")
    return {**doc, "type": rule.type, "compare_type": rule.compare_type, "key": rule.key,
            "value": rule.value, "invert": rule.invert}
