"""L7 policies (ordered by position on their listener) and their rules."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict
from cheptel.loadbalancer.faults import missing
from cheptel.loadbalancer.models import L7Policy, L7Rule, Listener, LoadBalancer, Pool
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
    pend_listeners,
    stamp,
    tags,
    validation,
)

MAX_RULES = 50
POLICY_FIELDS = ("name", "description", "admin_state_up", "action", "redirect_pool_id",
                 "redirect_url", "redirect_prefix", "redirect_http_code", "tags")
RULE_FIELDS = ("admin_state_up", "type", "compare_type", "key", "value", "invert", "tags")
HTTP_LISTENERS = ("HTTP", "TERMINATED_HTTPS")


def _url(value: str, what: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(
            c.isspace() for c in value):
        raise BadRequest(f"Invalid L7 Policy arguments: {what} is not a valid URL: {value}")


def _arguments(db: Session, lb: LoadBalancer, action: str, values: dict[str, Any]
               ) -> dict[str, Any]:
    """The redirect fields an action needs, the others cleared (Octavia's)."""
    out: dict[str, Any] = {"redirect_pool_id": None, "redirect_url": None, "redirect_prefix": None,
           "redirect_http_code": None}
    if action == "REDIRECT_TO_POOL":
        pool_id = values.get("redirect_pool_id")
        if not pool_id:
            raise BadRequest("Invalid L7 Policy arguments: redirect_pool_id must not be "
                             "None with action REDIRECT_TO_POOL")
        pool = db.get(Pool, pool_id)
        if pool is None or pool.loadbalancer_id != lb.id:
            raise missing("Pool", pool_id)
        out["redirect_pool_id"] = pool_id
    elif action == "REDIRECT_TO_URL":
        if not values.get("redirect_url"):
            raise BadRequest("Invalid L7 Policy arguments: redirect_url must not be None "
                             "with action REDIRECT_TO_URL")
        _url(values["redirect_url"], "redirect_url")
        out["redirect_url"] = values["redirect_url"]
        out["redirect_http_code"] = values.get("redirect_http_code") or 302
    elif action == "REDIRECT_PREFIX":
        if not values.get("redirect_prefix"):
            raise BadRequest("Invalid L7 Policy arguments: redirect_prefix must not be "
                             "None with action REDIRECT_PREFIX")
        _url(values["redirect_prefix"], "redirect_prefix")
        out["redirect_prefix"] = values["redirect_prefix"]
        out["redirect_http_code"] = values.get("redirect_http_code") or 302
    return out


def _reorder(db: Session, listener_id: str, moved: L7Policy, position: int | None) -> None:
    """Positions 1..n on the listener; `moved` goes to `position` (last when None or
    past the end), the others keep their order."""
    others = [p for p in db.scalars(select(L7Policy).where(
        L7Policy.listener_id == listener_id, L7Policy.id != moved.id).order_by(
        L7Policy.position, L7Policy.created_at)) if p.provisioning_status != PENDING_DELETE]
    at = len(others) if not position or position > len(others) else position - 1
    others.insert(at, moved)
    for i, pol in enumerate(others, start=1):
        pol.position = i


def create(db: Session, lb: LoadBalancer, lis: Listener, values: dict[str, Any],
           now: float) -> L7Policy:
    if lis.protocol not in HTTP_LISTENERS:
        raise validation(f"L7 policies are only valid on HTTP listeners, not "
                         f"{lis.protocol}.")
    redirect = _arguments(db, lb, values["action"], values)
    quotas.check(db, lb.project_id, "l7policy")
    lock(db, lb, now, resource=("Listener", lis.id))
    pol = L7Policy(id=new_id(), project_id=lis.project_id, listener_id=lis.id,
                   name=values.get("name") or "", description=values.get("description") or "",
                   admin_state_up=values.get("admin_state_up", True), action=values["action"],
                   position=0, **redirect, provisioning_status=PENDING_CREATE,
                   operating_status=OFFLINE, tags=tags(values), **stamp(now))
    db.add(pol)
    db.flush()
    _reorder(db, lis.id, pol, values.get("position"))
    pend_listeners(db, [lis.id], now)
    db.flush()
    return pol


def update(db: Session, lb: LoadBalancer, pol: L7Policy, values: dict[str, Any],
           now: float) -> None:
    action = values.get("action") or pol.action
    current = {"redirect_pool_id": pol.redirect_pool_id, "redirect_url": pol.redirect_url,
               "redirect_prefix": pol.redirect_prefix,
               "redirect_http_code": pol.redirect_http_code}
    values = {**values, **_arguments(db, lb, action, {**current, **values})}
    values["action"] = action
    lock(db, lb, now, resource=("L7 Policy", pol.id))
    apply(pol, values, POLICY_FIELDS)
    if "position" in values:
        _reorder(db, pol.listener_id, pol, values["position"])
    pend(pol, PENDING_UPDATE, now)
    pend_listeners(db, [pol.listener_id], now)


def delete(db: Session, lb: LoadBalancer, pol: L7Policy, now: float) -> None:
    lock(db, lb, now, resource=("L7 Policy", pol.id))
    pend(pol, PENDING_DELETE, now)
    for rule in db.scalars(select(L7Rule).where(L7Rule.l7policy_id == pol.id)):
        pend(rule, PENDING_DELETE, now)
    pend_listeners(db, [pol.listener_id], now)


# -- rules -----------------------------------------------------------------------------

_HOST = re.compile(r"^[A-Za-z0-9*.-]+$")
_HEADER_KEY = re.compile(r"^[\x21-\x7e]+$")
_COOKIE = re.compile(r"^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$")


def _rule(values: dict[str, Any]) -> None:
    """Octavia's validate.l7rule_data: what each type's key and value may be."""
    kind, compare, value, key = (values["type"], values["compare_type"], values["value"],
                                 values.get("key"))
    if kind in ("SSL_CONN_HAS_CERT", "SSL_VERIFY_RESULT", "SSL_DN_FIELD"):
        raise validation(f"L7 rule type {kind} needs TLS termination, which cheptel "
                         "does not serve.")
    if compare == "REGEX":
        try:
            re.compile(value)
        except re.error as exc:
            raise BadRequest(f"Invalid L7 Rule: Unable to parse regular expression: "
                             f"{exc}") from None
    elif any(c.isspace() or c == '"' for c in value):
        raise BadRequest("Invalid L7 Rule: Invalid characters in value")
    if kind in ("HEADER", "COOKIE"):
        if not key:
            raise BadRequest(f"Invalid L7 Rule: key must be set for {kind} rules")
        pattern = _HEADER_KEY if kind == "HEADER" else _COOKIE
        if not pattern.match(key):
            raise BadRequest("Invalid L7 Rule: Invalid characters in key")
    elif key:
        raise BadRequest(f"Invalid L7 Rule: key is not valid for {kind} rules")
    if kind == "FILE_TYPE" and compare not in ("EQUAL_TO", "REGEX"):
        raise BadRequest(f"Invalid L7 Rule: {compare} is not a valid compare type for "
                         "FILE_TYPE rules")
    if kind == "HOST_NAME" and compare != "REGEX" and not _HOST.match(value):
        raise BadRequest("Invalid L7 Rule: Invalid characters in value")
    if kind == "PATH" and compare in ("EQUAL_TO", "STARTS_WITH") and not value.startswith(
            "/"):
        raise BadRequest("Invalid L7 Rule: PATH rules' values must start with /")


def create_rule(db: Session, lb: LoadBalancer, pol: L7Policy, values: dict[str, Any],
                now: float) -> L7Rule:
    _rule(values)
    count = db.scalar(select(func.count()).select_from(L7Rule).where(
        L7Rule.l7policy_id == pol.id)) or 0
    if count >= MAX_RULES:
        raise Conflict(f"Too many rules on L7 policy {pol.id}")
    quotas.check(db, lb.project_id, "l7rule")
    lock(db, lb, now, resource=("L7 Policy", pol.id))
    rule = L7Rule(id=new_id(), project_id=pol.project_id, l7policy_id=pol.id, name="",
                  type=values["type"], compare_type=values["compare_type"],
                  key=values.get("key"), value=values["value"],
                  invert=values.get("invert", False),
                  admin_state_up=values.get("admin_state_up", True),
                  provisioning_status=PENDING_CREATE, operating_status=OFFLINE,
                  tags=tags(values), **stamp(now))
    db.add(rule)
    pend(pol, PENDING_UPDATE, now)
    pend_listeners(db, [pol.listener_id], now)
    db.flush()
    return rule


def update_rule(db: Session, lb: LoadBalancer, pol: L7Policy, rule: L7Rule,
                values: dict[str, Any], now: float) -> None:
    merged = {"type": rule.type, "compare_type": rule.compare_type, "value": rule.value,
              "key": rule.key, **values}
    if "type" in values and "key" not in values and values["type"] not in (
            "HEADER", "COOKIE"):
        merged["key"] = values["key"] = None
    _rule(merged)
    lock(db, lb, now, resource=("L7 Rule", rule.id))
    apply(rule, values, RULE_FIELDS)
    pend(rule, PENDING_UPDATE, now)
    pend(pol, PENDING_UPDATE, now)
    pend_listeners(db, [pol.listener_id], now)


def delete_rule(db: Session, lb: LoadBalancer, pol: L7Policy, rule: L7Rule,
                now: float) -> None:
    lock(db, lb, now, resource=("L7 Rule", rule.id))
    pend(rule, PENDING_DELETE, now)
    pend(pol, PENDING_UPDATE, now)
    pend_listeners(db, [pol.listener_id], now)
