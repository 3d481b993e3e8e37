"""Keypairs: per-user public keys (imported, or generated when the client sends none)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.compute.models import KeyPair
from cheptel.compute.service import keycrypto, quotas
from cheptel.errors import BadRequest, Conflict, Forbidden, NotFound


def get(db: Session, user_id: str, name: str) -> KeyPair:
    keypair = db.scalar(select(KeyPair).where(KeyPair.user_id == user_id,
                                              KeyPair.name == name))
    if keypair is None:
        raise NotFound(f"Keypair {name} not found for user {user_id}")
    return keypair


def get_for_boot(db: Session, user_id: str, name: str) -> KeyPair:
    """The keypair a server is created with; a 400 as Nova's servers API answers."""
    try:
        return get(db, user_id, name)
    except NotFound:
        raise BadRequest("Invalid key_name provided.") from None


def count(db: Session, user_id: str) -> int:
    return db.scalar(select(func.count()).select_from(KeyPair)
                     .where(KeyPair.user_id == user_id)) or 0


def create(db: Session, now: float, *, user_id: str, project_id: str | None, name: str,
           key_type: str = "ssh", public_key: str | None = None
           ) -> tuple[KeyPair, str | None]:
    """Import `public_key`, or generate a key; returns the keypair and any private key."""
    limit = quotas.limits(db, project_id)["key_pairs"] if project_id else quotas.UNLIMITED
    if not quotas.fits(limit, count(db, user_id), 1):
        raise Forbidden("Quota exceeded, too many key pairs.")
    private_key = None
    if public_key is None:
        if key_type == "x509":
            private_key, public_key, fingerprint = keycrypto.generate_x509(user_id, now)
        else:
            private_key, public_key, fingerprint = keycrypto.generate_ssh()
    else:
        fingerprint = keycrypto.fingerprint(public_key, key_type)
    if db.scalar(select(KeyPair.id).where(KeyPair.user_id == user_id,
                                          KeyPair.name == name)) is not None:
        raise Conflict(f"Key pair '{name}' already exists.")
    keypair = KeyPair(name=name, user_id=user_id, project_id=project_id or "", type=key_type,
                      public_key=public_key, fingerprint=fingerprint, created_at=now)
    db.add(keypair)
    db.flush()
    return keypair, private_key


def list_for(db: Session, user_id: str, limit: int | None = None,
             marker: str | None = None) -> tuple[list[KeyPair], bool]:
    """A user's keypairs by name; a page after `marker` (a name) and whether more follow."""
    query = select(KeyPair).where(KeyPair.user_id == user_id).order_by(KeyPair.name)
    if marker is not None:
        if db.scalar(select(KeyPair.id).where(KeyPair.user_id == user_id,
                                              KeyPair.name == marker)) is None:
            raise BadRequest(f"Marker {marker} could not be found.")
        query = query.where(KeyPair.name > marker)
    items = list(db.scalars(query))
    if limit is None:
        return items, False
    return items[:limit], len(items) > limit


def delete(db: Session, user_id: str, name: str) -> None:
    db.delete(get(db, user_id, name))
    db.flush()
