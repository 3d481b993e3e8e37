"""Listeners: a VIP port HAProxy binds, with its protocol, limits, timeouts, headers and
allowed CIDRs; UDP, SCTP and PROMETHEUS are Octavia's 501, TERMINATED_HTTPS a 400
(cheptel keeps no certificates)."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict
from cheptel.loadbalancer.faults import missing, unsupported
from cheptel.loadbalancer.models import L7Policy, Listener, LoadBalancer, Pool
from cheptel.loadbalancer.service import quotas
from cheptel.loadbalancer.service.common import (
    OFFLINE,
    PENDING_CREATE,
    PENDING_DELETE,
    PENDING_UPDATE,
    apply,
    lock,
    new_id,
    pend,
    stamp,
    tags,
    validation,
)

# which pool protocols a listener protocol may send to (Octavia's VALID_LISTENER_POOL_
# PROTOCOL_MAP)
POOLS_FOR = {"HTTP": {"HTTP", "PROXY", "PROXYV2"},
             "HTTPS": {"HTTPS", "PROXY", "PROXYV2", "TCP"},
             "TCP": {"HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP"},
             "TERMINATED_HTTPS": {"HTTP", "PROXY", "PROXYV2"}}
HEADERS = {"X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"}
DEFAULTS = {"timeout_client_data": 50000, "timeout_member_connect": 5000,
            "timeout_member_data": 50000, "timeout_tcp_inspect": 0}
UPDATABLE = ("name", "description", "admin_state_up", "connection_limit",
             "default_pool_id", "insert_headers", "allowed_cidrs", "tags",
             *DEFAULTS)
LB = "Load Balancer"


def check_protocol(listener_protocol: str, pool_protocol: str) -> None:
    if pool_protocol not in POOLS_FOR.get(listener_protocol, set()):
        raise validation(f"The pool protocol '{pool_protocol}' is invalid while the "
                         f"listener protocol is '{listener_protocol}'.")


def _protocol(protocol: str) -> None:
    if protocol in ("UDP", "SCTP", "PROMETHEUS"):
        raise unsupported(f"{protocol} listeners are not served by cheptel's HAProxy "
                          "engine")
    if protocol == "TERMINATED_HTTPS":
        raise validation("TERMINATED_HTTPS needs a certificate store (Barbican), which "
                         "cheptel does not serve: use HTTPS (passed through) or HTTP.")


def _unsupported_tls(values: dict[str, Any]) -> None:
    for key in ("default_tls_container_ref", "client_ca_tls_container_ref",
                "client_crl_container_ref", "tls_ciphers", "hsts_max_age",
                "sni_container_refs", "tls_versions", "alpn_protocols"):
        if values.get(key):
            raise validation(f"{key} needs a TERMINATED_HTTPS listener, which cheptel "
                             "does not serve.")
    if values.get("client_authentication") not in (None, "NONE"):
        raise validation("client_authentication needs a TERMINATED_HTTPS listener.")


def _headers(protocol: str, headers: dict[str, str] | None) -> dict[str, str]:
    headers = dict(headers or {})
    if headers and protocol != "HTTP":
        raise validation(f"The following headers are not supported for this listener "
                         f"protocol: {', '.join(sorted(headers))}")
    bad = sorted(set(headers) - HEADERS)
    if bad:
        raise validation(f"{', '.join(bad)} is not a valid option for insert_headers")
    for key, value in headers.items():
        if value.lower() not in ("true", "false"):
            raise validation(f"{value} is not a valid option for {key}")
    return headers


def _cidrs(lb: LoadBalancer, cidrs: list[str] | None) -> list[str] | None:
    if not cidrs:
        return None if cidrs is None else []
    out = []
    for raw in cidrs:
        try:
            net = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise BadRequest(f"Invalid input for field/attribute allowed_cidrs. Value: "
                             f"'{raw}'. Value should be IPv4 or IPv6 CIDR format") from None
        if net.version != ipaddress.ip_address(lb.vip_address).version:
            raise validation("CIDR " + raw + " IP version incompatible with all VIPs: "
                             + lb.vip_address)
        out.append(str(net))
    return list(dict.fromkeys(out))


def _default_pool(db: Session, lb_id: str, pool_id: str | None, protocol: str) -> None:
    """A pool of the same load balancer, of a protocol the listener can send to."""
    if not pool_id:
        return
    pool = db.get(Pool, pool_id)
    if pool is None or pool.loadbalancer_id != lb_id:
        raise missing("Pool", pool_id)
    check_protocol(protocol, pool.protocol)


def create(db: Session, lb: LoadBalancer, values: dict[str, Any], now: float) -> Listener:
    protocol = values["protocol"]
    _protocol(protocol)
    _unsupported_tls(values)
    if db.scalar(select(Listener.id).where(Listener.loadbalancer_id == lb.id,
                                           Listener.protocol_port == values[
                                               "protocol_port"])) is not None:
        raise Conflict(f"Another Listener on this Load Balancer is already using protocol "
                       f"{protocol} and protocol_port {values['protocol_port']}")
    _default_pool(db, lb.id, values.get("default_pool_id"), protocol)
    headers = _headers(protocol, values.get("insert_headers"))
    cidrs = _cidrs(lb, values.get("allowed_cidrs"))
    quotas.check(db, lb.project_id, "listener")
    lock(db, lb, now, resource=(LB, lb.id))
    timeouts = {k: d if values.get(k) is None else values[k] for k, d in DEFAULTS.items()}
    limit = values.get("connection_limit")
    lis = Listener(id=new_id(), project_id=lb.project_id, loadbalancer_id=lb.id,
                   name=values.get("name") or "", description=values.get("description") or "",
                   admin_state_up=values.get("admin_state_up", True), protocol=protocol,
                   protocol_port=values["protocol_port"],
                   connection_limit=-1 if limit is None else limit,
                   default_pool_id=values.get("default_pool_id"), insert_headers=headers,
                   allowed_cidrs=cidrs, provisioning_status=PENDING_CREATE,
                   operating_status=OFFLINE, tags=tags(values), **timeouts, **stamp(now))
    db.add(lis)
    db.flush()
    return lis


def update(db: Session, lb: LoadBalancer, lis: Listener, values: dict[str, Any],
           now: float) -> None:
    _unsupported_tls(values)
    if "default_pool_id" in values:
        _default_pool(db, lb.id, values["default_pool_id"], lis.protocol)
    if "insert_headers" in values:
        values["insert_headers"] = _headers(lis.protocol, values["insert_headers"])
    if "allowed_cidrs" in values:
        values["allowed_cidrs"] = _cidrs(lb, values["allowed_cidrs"])
    for key, default in DEFAULTS.items():
        if key in values and values[key] is None:
            values[key] = default
    if "connection_limit" in values and values["connection_limit"] is None:
        values["connection_limit"] = -1
    lock(db, lb, now, resource=("Listener", lis.id))
    apply(lis, values, UPDATABLE)
    pend(lis, PENDING_UPDATE, now)


def delete(db: Session, lb: LoadBalancer, lis: Listener, now: float) -> None:
    lock(db, lb, now, resource=("Listener", lis.id))
    pend(lis, PENDING_DELETE, now)
    for pol in db.scalars(select(L7Policy).where(L7Policy.listener_id == lis.id)):
        pend(pol, PENDING_DELETE, now)


def pools_of(db: Session, lis: Listener) -> list[str]:
    """The pools a listener sends to: its default pool, then its L7 policies'."""
    used = [lis.default_pool_id] if lis.default_pool_id else []
    for pid in db.scalars(select(L7Policy.redirect_pool_id).where(
            L7Policy.listener_id == lis.id)):
        if pid and pid not in used:
            used.append(pid)
    return used
