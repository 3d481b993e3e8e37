"""Helpers every network module shares: ids, revisions, ownership and the 404/403 rules.

Neutron hides what a caller may not see (a 404 named after the resource) and refuses
with a 403 what a caller sees but may not change (a shared or external network).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cheptel.network.errors import policy_denied
from cheptel.policy import Creds

OWNER_ROUTER_INTERFACE = "network:router_interface"
OWNER_ROUTER_GATEWAY = "network:router_gateway"
OWNER_FLOATINGIP = "network:floatingip"
OWNER_DHCP = "network:dhcp"
OWNER_COMPUTE = "compute:nova"
SERVICE_OWNERS = (OWNER_ROUTER_INTERFACE, OWNER_ROUTER_GATEWAY, OWNER_FLOATINGIP)
# cheptel itself, for what it does on its own behalf (bootstrap, get-me-a-network)
SYSTEM = Creds(user_id="cheptel", user_name="cheptel", user_domain_id="default",
               roles=frozenset({"admin", "member", "reader"}))


def compute_host_name(containers: Any) -> str:
    """The one compute host's name: what the engine reports, as Nova's hypervisor list
    (cheptel.compute.service.hosts) names it."""
    try:
        return str(containers.host_info().get("hostname") or "localhost")
    except Exception:  # noqa: BLE001 - an unreachable engine: the name compute shows then
        return "localhost"


def new_id() -> str:
    return str(uuid.uuid4())


def touch(row: Any, now: float) -> None:
    """A change: a newer updated_at and the next revision_number."""
    row.updated_at = now
    row.revision_number = (row.revision_number or 0) + 1


def stamp(now: float) -> dict[str, Any]:
    return {"created_at": now, "updated_at": now, "revision_number": 0}


def owns(creds: Creds, project_id: str) -> bool:
    return creds.is_admin or (creds.project_id is not None and creds.project_id == project_id)


def check_owner(creds: Creds, project_id: str, action: str) -> None:
    """A visible resource of another project: Neutron's 403 for a write."""
    if not owns(creds, project_id):
        raise policy_denied(action)


def insert(db: Session, row: Any) -> bool:
    """Add a row in a savepoint; False (and nothing added) if a unique key refused it."""
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        return False
    return True


def apply(row: Any, values: dict, names: tuple[str, ...]) -> bool:
    """Copy the given attributes onto a row; True if any changed."""
    changed = False
    for name in names:
        if name in values and getattr(row, name) != values[name]:
            setattr(row, name, values[name])
            changed = True
    return changed


def owned(model: Any, creds: Creds) -> Select:
    """The rows of a project-owned resource the caller may see: its project's, or all for
    the admin (routers, floating IPs, security groups)."""
    query = select(model)
    if not creds.is_admin:
        query = query.where(model.project_id == creds.project_id)
    return query
