"""Policy documents (/v3/policies) and OAuth1 consumers (/v3/OS-OAUTH1/consumers).

Both are stored and served as Keystone does; cheptel evaluates neither (Keystone does not
evaluate /v3/policies blobs either). The OAuth1 flow itself (request and access tokens)
is not implemented, so a consumer's secret is only ever shown once, at creation; it is
sealed at rest with the credential key (see credentials.Cipher).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import NotFound
from cheptel.identity.models import Consumer, Policy
from cheptel.identity.service.credentials import Cipher


def get_policy(db: Session, policy_id: str) -> Policy:
    row = db.get(Policy, policy_id)
    if row is None:
        raise NotFound(f"Could not find policy: {policy_id}.")
    return row


def list_policies(db: Session, type_: str | None = None) -> list[Policy]:
    q = select(Policy).order_by(Policy.id)
    if type_ is not None:
        q = q.where(Policy.type == type_)
    return list(db.scalars(q))


def create_policy(db: Session, type_: str, blob: str, extra: dict) -> Policy:
    row = Policy(id=new_id(), type=type_, blob=blob, extra=extra or None)
    db.add(row)
    db.flush()
    return row


def update_policy(db: Session, row: Policy, changes: dict, extra: dict) -> Policy:
    for key in ("type", "blob"):
        if changes.get(key) is not None:
            setattr(row, key, changes[key])
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    db.flush()
    return row


# -- OAuth1 consumers ----------------------------------------------------------------------

def get_consumer(db: Session, consumer_id: str) -> Consumer:
    row = db.get(Consumer, consumer_id)
    if row is None:
        raise NotFound(f"Could not find consumer: {consumer_id}.")
    return row


def list_consumers(db: Session) -> list[Consumer]:
    return list(db.scalars(select(Consumer).order_by(Consumer.id)))


def create_consumer(db: Session, cipher: Cipher, description: str | None, extra: dict
                    ) -> tuple[Consumer, str]:
    secret = uuid.uuid4().hex  # as Keystone
    sealed, key_hash = cipher.seal(secret)
    row = Consumer(id=new_id(), description=description, encrypted_secret=sealed,
                   key_hash=key_hash, extra=extra or None)
    db.add(row)
    db.flush()
    return row, secret


def update_consumer(db: Session, row: Consumer, changes: dict, extra: dict) -> Consumer:
    if "description" in changes:
        row.description = changes["description"]
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    db.flush()
    return row
