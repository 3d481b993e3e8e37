"""Pools and their members (one at a time, or the whole set by the batch update)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import CheptelError, Conflict
from cheptel.loadbalancer.faults import unsupported
from cheptel.loadbalancer.models import (
    HealthMonitor,
    L7Policy,
    Listener,
    LoadBalancer,
    Member,
    Pool,
)
from cheptel.loadbalancer.service import quotas
from cheptel.loadbalancer.service.common import (
    NO_MONITOR,
    OFFLINE,
    PENDING_CREATE,
    PENDING_DELETE,
    PENDING_UPDATE,
    apply,
    lock,
    new_id,
    pend,
    pend_listeners,
    stamp,
    tags,
    validation,
)
from cheptel.loadbalancer.service.listeners import check_protocol
from cheptel.network.service import subnets as subnet_service
from cheptel.policy import Creds

LB = "Load Balancer"
COOKIE = re.compile(r"^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$")  # RFC 6265 token
POOL_FIELDS = ("name", "description", "admin_state_up", "lb_algorithm",
               "session_persistence", "tags")
MEMBER_FIELDS = ("name", "admin_state_up", "weight", "backup", "monitor_address",
                 "monitor_port", "tags")


def _algorithm(name: str) -> None:
    if name == "SOURCE_IP_PORT":
        raise unsupported("lb_algorithm SOURCE_IP_PORT")


def _persistence(sp: dict[str, Any] | None) -> dict[str, Any] | None:
    if not sp:
        return None
    kind, cookie = sp["type"], sp.get("cookie_name")
    if kind == "APP_COOKIE" and not cookie:
        raise validation("Field cookie_name must be specified when using the APP_COOKIE "
                         "session persistence type.")
    if kind != "APP_COOKIE" and cookie:
        raise validation(f"Field cookie_name must not be specified when using the {kind} "
                         "session persistence type.")
    if cookie and not COOKIE.match(cookie):
        raise validation("Field cookie_name must be a valid cookie name (RFC 6265).")
    if sp.get("persistence_timeout") or sp.get("persistence_granularity"):
        raise validation("persistence_timeout and persistence_granularity are for UDP "
                         "pools, which cheptel does not serve.")
    return {"type": kind, "cookie_name": cookie, "persistence_timeout": None,
            "persistence_granularity": None}


def create(db: Session, lb: LoadBalancer, listener: Listener | None, values: dict[str, Any],
           now: float) -> Pool:
    protocol = values["protocol"]
    if protocol in ("UDP", "SCTP"):
        raise unsupported(f"{protocol} pools are not served by cheptel's HAProxy engine")
    _algorithm(values["lb_algorithm"])
    if values.get("tls_enabled") or values.get("tls_container_ref") or values.get(
            "ca_tls_container_ref"):
        raise validation("TLS to members needs a certificate store, which cheptel does "
                         "not serve.")
    persistence = _persistence(values.get("session_persistence"))
    if listener is not None:
        if listener.default_pool_id:
            raise Conflict("This listener already has a default pool")
        check_protocol(listener.protocol, protocol)
    quotas.check(db, lb.project_id, "pool")
    lock(db, lb, now, resource=(LB, lb.id))
    pool = Pool(id=new_id(), project_id=lb.project_id, loadbalancer_id=lb.id,
                name=values.get("name") or "", description=values.get("description") or "",
                admin_state_up=values.get("admin_state_up", True), protocol=protocol,
                lb_algorithm=values["lb_algorithm"], session_persistence=persistence,
                provisioning_status=PENDING_CREATE, operating_status=OFFLINE,
                tags=tags(values), **stamp(now))
    db.add(pool)
    db.flush()
    if listener is not None:
        listener.default_pool_id = pool.id
        pend_listeners(db, [listener.id], now)
    return pool


def listeners_of(db: Session, pool_id: str) -> list[str]:
    """The listeners sending to a pool: by default, or through an L7 policy."""
    ids = list(db.scalars(select(Listener.id).where(Listener.default_pool_id == pool_id)
                          .order_by(Listener.created_at)))
    for lid in db.scalars(select(L7Policy.listener_id).where(
            L7Policy.redirect_pool_id == pool_id)):
        if lid not in ids:
            ids.append(lid)
    return ids


def update(db: Session, lb: LoadBalancer, pool: Pool, values: dict[str, Any],
           now: float) -> None:
    if "lb_algorithm" in values:
        _algorithm(values["lb_algorithm"])
    if "session_persistence" in values:
        values["session_persistence"] = _persistence(values["session_persistence"])
    if values.get("tls_enabled"):
        raise validation("TLS to members needs a certificate store, which cheptel does "
                         "not serve.")
    lock(db, lb, now, resource=("Pool", pool.id))
    apply(pool, values, POOL_FIELDS)
    pend(pool, PENDING_UPDATE, now)
    pend_listeners(db, listeners_of(db, pool.id), now)


def delete(db: Session, lb: LoadBalancer, pool: Pool, now: float) -> None:
    used = db.scalar(select(L7Policy.id).where(L7Policy.redirect_pool_id == pool.id))
    if used is not None:
        raise Conflict(f"Pool {pool.id} is in use by L7 policy {used}")
    lock(db, lb, now, resource=("Pool", pool.id))
    pend(pool, PENDING_DELETE, now)
    pend_listeners(db, listeners_of(db, pool.id), now)
    for model in (Member, HealthMonitor):
        for row in db.scalars(select(model).where(model.pool_id == pool.id)):
            pend(row, PENDING_DELETE, now)


# -- members ---------------------------------------------------------------------------


def _subnet(db: Session, creds: Creds, subnet_id: str | None) -> None:
    if subnet_id:
        try:
            subnet_service.get_visible(db, creds, subnet_id)
        except CheptelError:
            raise validation(f"Subnet {subnet_id} not found.") from None


def _address(value: str | None, what: str) -> None:
    if value is None:
        return
    ip = ipaddress.ip_address(value)
    if ip.is_loopback or ip.is_multicast or ip.is_unspecified or ip.is_link_local:
        raise validation(f"{what} {value} is not a valid member address.")


def _member_row(pool: Pool, values: dict[str, Any], now: float, monitored: bool) -> Member:
    _address(values["address"], "Address")
    _address(values.get("monitor_address"), "Monitor address")
    return Member(id=new_id(), project_id=pool.project_id, pool_id=pool.id,
                  name=values.get("name") or "", address=values["address"],
                  protocol_port=values["protocol_port"], subnet_id=values.get("subnet_id"),
                  weight=values.get("weight", 1), backup=values.get("backup", False),
                  admin_state_up=values.get("admin_state_up", True),
                  monitor_address=values.get("monitor_address"),
                  monitor_port=values.get("monitor_port"), tags=tags(values),
                  provisioning_status=PENDING_CREATE,
                  operating_status=OFFLINE if monitored else NO_MONITOR, **stamp(now))


def monitored(db: Session, pool_id: str) -> bool:
    return db.scalar(select(HealthMonitor.id).where(
        HealthMonitor.pool_id == pool_id)) is not None


def create_member(db: Session, creds: Creds, lb: LoadBalancer, pool: Pool,
                  values: dict[str, Any], now: float) -> Member:
    _subnet(db, creds, values.get("subnet_id"))
    if db.scalar(select(Member.id).where(
            Member.pool_id == pool.id, Member.address == values["address"],
            Member.protocol_port == values["protocol_port"])) is not None:
        raise Conflict(f"Another member on this pool is already using ip "
                       f"{values['address']} on protocol_port {values['protocol_port']}")
    quotas.check(db, lb.project_id, "member")
    lock(db, lb, now, resource=(LB, lb.id))
    member = _member_row(pool, values, now, monitored(db, pool.id))
    db.add(member)
    pend(pool, PENDING_UPDATE, now)
    pend_listeners(db, listeners_of(db, pool.id), now)
    db.flush()
    return member


def update_member(db: Session, lb: LoadBalancer, member: Member, values: dict[str, Any],
                  now: float) -> None:
    _address(values.get("monitor_address"), "Monitor address")
    lock(db, lb, now, resource=("Member", member.id))
    apply(member, values, MEMBER_FIELDS)
    pend(member, PENDING_UPDATE, now)
    pend_listeners(db, listeners_of(db, member.pool_id), now)


def delete_member(db: Session, lb: LoadBalancer, member: Member, now: float) -> None:
    lock(db, lb, now, resource=("Member", member.id))
    pend(member, PENDING_DELETE, now)
    pend_listeners(db, listeners_of(db, member.pool_id), now)


def batch(db: Session, creds: Creds, lb: LoadBalancer, pool: Pool,
          wanted: list[dict[str, Any]], additive: bool, now: float) -> None:
    """Octavia's batch update: the pool's members become `wanted` (matched by address
    and port: updated in place; new ones made; those not named deleted unless
    `additive`)."""
    keys = [(m["address"], m["protocol_port"]) for m in wanted]
    if len(set(keys)) != len(keys):
        raise validation("Duplicate member entries in the request.")
    for m in wanted:
        _subnet(db, creds, m.get("subnet_id"))
    current = {(m.address, m.protocol_port): m for m in db.scalars(
        select(Member).where(Member.pool_id == pool.id))}
    new = [m for m in wanted if (m["address"], m["protocol_port"]) not in current]
    quotas.check(db, lb.project_id, "member", adding=len(new))
    lock(db, lb, now, resource=("Pool", pool.id))
    is_monitored = monitored(db, pool.id)
    for values in wanted:
        row = current.get((values["address"], values["protocol_port"]))
        if row is None:
            db.add(_member_row(pool, values, now, is_monitored))
        else:
            apply(row, values, MEMBER_FIELDS)
            pend(row, PENDING_UPDATE, now)
    if not additive:
        for key, row in current.items():
            if key not in set(keys):
                pend(row, PENDING_DELETE, now)
    pend(pool, PENDING_UPDATE, now)
    pend_listeners(db, listeners_of(db, pool.id), now)
    db.flush()
