"""Accounts and containers: rows, metadata, counts computed from the object rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.objectstore.models import SwiftAccount, SwiftContainer, SwiftObject
from cheptel.objectstore.schemas import (
    check_account_headers,
    check_container_headers,
    check_container_name,
)
from cheptel.objectstore.service import access, listing
from cheptel.objectstore.service import meta as metamod


@dataclass(frozen=True)
class Usage:
    count: int
    bytes: int


def live(now: float) -> ColumnElement[bool]:
    """Objects not past their X-Delete-At (expired ones are gone before the sweep)."""
    return or_(SwiftObject.delete_at.is_(None), SwiftObject.delete_at > now)


# accounts

ACCOUNT_SYSTEM = ("x-account-quota-bytes", "x-account-quota-count")

def account(db: Session, project_id: str) -> SwiftAccount | None:
    return db.get(SwiftAccount, project_id)


def update_account(db: Session, project_id: str, headers: Mapping[str, str], now: float) -> None:
    check_account_headers(headers)
    row = account(db, project_id)
    current = dict(row.meta) if row else {}
    new = metamod.updated(current, headers, "Account")
    system = dict(row.sysmeta) if row else {}
    for name in ACCOUNT_SYSTEM:
        value = headers.get(name, "").strip()
        if value:
            system[name] = value
        elif name in headers or "x-remove-" + name[2:] in headers:
            system.pop(name, None)
    if row is None:
        row = SwiftAccount(project_id=project_id, meta=new, sysmeta=system, created_at=now,
                           updated_at=now)
        db.add(row)
    else:
        row.meta, row.sysmeta, row.updated_at = new, system, now
    db.flush()


def account_usage(db: Session, project_id: str, now: float) -> tuple[int, Usage]:
    containers = db.scalar(select(func.count()).select_from(SwiftContainer).where(
        SwiftContainer.project_id == project_id)) or 0
    count, size = db.execute(
        select(func.count(SwiftObject.id), func.coalesce(func.sum(SwiftObject.size), 0))
        .join(SwiftContainer, SwiftContainer.id == SwiftObject.container_id)
        .where(SwiftContainer.project_id == project_id, live(now))).one()
    return containers, Usage(int(count), int(size))


def list_containers(db: Session, project_id: str, q: listing.Query) -> list[SwiftContainer | str]:
    return listing.page(db, SwiftContainer, [SwiftContainer.project_id == project_id], q)


def usage_of(db: Session, ids: list[str], now: float) -> dict[str, Usage]:
    if not ids:
        return {}
    rows = db.execute(
        select(SwiftObject.container_id, func.count(SwiftObject.id),
               func.coalesce(func.sum(SwiftObject.size), 0))
        .where(SwiftObject.container_id.in_(ids), live(now))
        .group_by(SwiftObject.container_id)).all()
    found = {cid: Usage(int(c), int(b)) for cid, c, b in rows}
    return {cid: found.get(cid, Usage(0, 0)) for cid in ids}


# containers

def find(db: Session, project_id: str, name: str) -> SwiftContainer | None:
    return db.scalar(select(SwiftContainer).where(SwiftContainer.project_id == project_id,
                                                  SwiftContainer.name == name))


def get(db: Session, project_id: str, name: str) -> SwiftContainer:
    row = find(db, project_id, name)
    if row is None:
        raise NotFound()
    return row


def _check_system(sysmeta: Mapping[str, str]) -> None:
    for name in ("x-container-read", "x-container-write"):
        if name in sysmeta:
            access.check_acl_header(sysmeta[name])
    if "x-versions-location" in sysmeta and "x-history-location" in sysmeta:
        raise BadRequest("Only one of X-Versions-Location or X-History-Location may be "
                         "specified")
    for name in ("x-versions-location", "x-history-location"):
        if name in sysmeta:
            check_container_name(str(sysmeta[name]))


def put(db: Session, project_id: str, name: str, headers: Mapping[str, str], now: float
        ) -> bool:
    """Create or update a container; -> True if it was created."""
    check_container_name(name)
    row = find(db, project_id, name)
    if row is None:
        row = SwiftContainer(id=str(uuid.uuid4()), project_id=project_id, name=name,
                             meta={}, sysmeta={}, created_at=now, updated_at=now)
        created = True
    else:
        created = False
    check_container_headers(headers)
    new_meta = metamod.updated(row.meta, headers, "Container")
    new_sys = metamod.container_system(row.sysmeta, headers)
    _check_system(new_sys)
    row.meta, row.sysmeta, row.updated_at = new_meta, new_sys, now
    if created:
        db.add(row)
    db.flush()
    return created


def post(db: Session, row: SwiftContainer, headers: Mapping[str, str], now: float) -> None:
    check_container_headers(headers)
    new_meta = metamod.updated(row.meta, headers, "Container")
    new_sys = metamod.container_system(row.sysmeta, headers)
    _check_system(new_sys)
    row.meta, row.sysmeta, row.updated_at = new_meta, new_sys, now
    db.flush()


def usage(db: Session, row: SwiftContainer, now: float) -> Usage:
    return usage_of(db, [row.id], now)[row.id]


def delete(db: Session, row: SwiftContainer, now: float) -> list[str]:
    """Delete an empty container (expired objects do not count); -> files to remove after
    the commit. A container holding live objects is Swift's 409."""
    if usage(db, row, now).count:
        raise Conflict("There was a conflict when trying to complete your request.")
    files = list(db.scalars(select(SwiftObject.file_id).where(
        SwiftObject.container_id == row.id)))
    db.execute(sa_delete(SwiftObject).where(SwiftObject.container_id == row.id))
    db.delete(row)
    db.flush()
    return files
