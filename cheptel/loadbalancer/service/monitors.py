"""Health monitors: one per pool (HAProxy's `check` on its servers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict
from cheptel.loadbalancer.faults import unsupported
from cheptel.loadbalancer.models import HealthMonitor, LoadBalancer, Member, Pool
from cheptel.loadbalancer.service import quotas
from cheptel.loadbalancer.service.common import (
    OFFLINE,
    PENDING_CREATE,
    PENDING_DELETE,
    PENDING_UPDATE,
    apply,
    lock,
    new_id,
    no_pending,
    pend,
    pend_listeners,
    stamp,
    tags,
    validation,
)
from cheptel.loadbalancer.service.pools import listeners_of

HTTP_TYPES = ("HTTP", "HTTPS")
HTTP_FIELDS = ("http_method", "url_path", "expected_codes", "http_version", "domain_name")
FIELDS = ("name", "admin_state_up", "delay", "timeout", "max_retries", "max_retries_down",
          *HTTP_FIELDS, "tags")


def _check(kind: str, values: dict[str, Any], current: HealthMonitor | None = None) -> None:
    if kind in ("UDP-CONNECT", "SCTP"):
        raise unsupported(f"{kind} health monitors (UDP and SCTP pools are not served)")
    if kind not in HTTP_TYPES:
        for key in HTTP_FIELDS:
            if values.get(key) is not None:
                raise BadRequest(f"{key} is not a valid option for health monitors of "
                                 f"type {kind}")
    path = values.get("url_path")
    if path is not None and not path.startswith("/"):
        raise BadRequest(f"Not a valid URLPath: {path}")
    version = values.get("http_version", current.http_version if current else None)
    domain = values.get("domain_name", current.domain_name if current else None)
    if domain and not version:
        raise validation("'http_version' must be specified when 'domain_name' is "
                         "provided.")
    if domain and version is not None and version < 1.1:
        raise BadRequest(f"http_version {version} is not a valid option for health "
                         "monitors HTTP 1.1 domain name health check")


def create(db: Session, lb: LoadBalancer, pool: Pool, values: dict[str, Any],
           now: float) -> HealthMonitor:
    kind = values["type"]
    _check(kind, values)
    if db.scalar(select(HealthMonitor.id).where(HealthMonitor.pool_id == pool.id)):
        raise Conflict("This pool already has a health monitor")
    no_pending(pool, "Pool")
    quotas.check(db, lb.project_id, "health_monitor")
    lock(db, lb, now, resource=("Pool", pool.id))
    http = kind in HTTP_TYPES
    hm = HealthMonitor(
        id=new_id(), project_id=pool.project_id, pool_id=pool.id,
        name=values.get("name") or "", type=kind, delay=values["delay"],
        timeout=values["timeout"], max_retries=values["max_retries"],
        max_retries_down=values.get("max_retries_down") or 3,
        http_method=(values.get("http_method") or "GET") if http else None,
        url_path=(values.get("url_path") or "/") if http else None,
        expected_codes=(values.get("expected_codes") or "200") if http else None,
        http_version=values.get("http_version"), domain_name=values.get("domain_name"),
        admin_state_up=values.get("admin_state_up", True),
        provisioning_status=PENDING_CREATE, operating_status=OFFLINE, tags=tags(values),
        **stamp(now))
    db.add(hm)
    pend(pool, PENDING_UPDATE, now)
    for member in db.scalars(select(Member).where(Member.pool_id == pool.id)):
        member.operating_status = OFFLINE  # checked from now on
    pend_listeners(db, listeners_of(db, pool.id), now)
    db.flush()
    return hm


def update(db: Session, lb: LoadBalancer, hm: HealthMonitor, values: dict[str, Any],
           now: float) -> None:
    _check(hm.type, values, hm)
    if hm.type in HTTP_TYPES:  # null: back to Octavia's default
        for key, default in (("http_method", "GET"), ("url_path", "/"),
                             ("expected_codes", "200")):
            if key in values and values[key] is None:
                values[key] = default
    if "max_retries_down" in values and values["max_retries_down"] is None:
        values["max_retries_down"] = 3
    lock(db, lb, now, resource=("Health Monitor", hm.id))
    apply(hm, values, FIELDS)
    pend(hm, PENDING_UPDATE, now)
    pend_listeners(db, listeners_of(db, hm.pool_id), now)


def delete(db: Session, lb: LoadBalancer, hm: HealthMonitor, now: float) -> None:
    lock(db, lb, now, resource=("Health Monitor", hm.id))
    pend(hm, PENDING_DELETE, now)
    pend_listeners(db, listeners_of(db, hm.pool_id), now)
