"""Credentials (/v3/credentials) and the EC2 keys built on them.

A credential's blob is a secret the API must give back (an EC2 secret, a TOTP seed), so
it cannot be hashed: as Keystone, it is encrypted at rest with a Fernet key kept outside
the database (DATA_DIR/credential.key, mode 0600, made on first use; every host sharing a
PostgreSQL database needs the same file). Each row records the SHA-256 of the key that
sealed it, so a wrong key is a clear error rather than garbage.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import CheptelError, Conflict, NotFound, Unauthorized, ValidationError
from cheptel.identity.models import Credential, User

EC2 = "ec2"


class Cipher:
    """Seals and opens blobs with this cloud's credential key."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "credential.key"

    def _key(self) -> bytes:
        try:
            return self.path.read_bytes().strip()
        except FileNotFoundError:
            key = Fernet.generate_key()
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another request made it first
                return self.path.read_bytes().strip()
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
            return key

    def seal(self, blob: str) -> tuple[str, str]:
        key = self._key()
        return (Fernet(key).encrypt(blob.encode()).decode(),
                hashlib.sha256(key).hexdigest())

    def open(self, cred: Credential) -> str:
        return self.open_text(cred.encrypted_blob, cred.key_hash, f"credential {cred.id}")

    def open_text(self, sealed: str, key_hash: str, what: str) -> str:
        key = self._key()
        if hashlib.sha256(key).hexdigest() != key_hash:
            raise CheptelError(f"The {what} was sealed with another key than {self.path}.")
        try:
            return Fernet(key).decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise CheptelError(f"The {what} cannot be decrypted.") from None


def hash_access(access: str) -> str:
    """An EC2 credential's id: the SHA-256 of its access key (as Keystone)."""
    return hashlib.sha256(access.encode()).hexdigest()


def ec2_blob(blob: str) -> dict:
    """Keystone's _validate_blob_json: an EC2 blob is a JSON object with an access key."""
    try:
        value = json.loads(blob)
    except ValueError:
        raise ValidationError("blob", "Invalid blob in credential") from None
    if not value or not isinstance(value, dict):
        raise ValidationError("blob", "an ec2 blob must be a JSON object")
    if value.get("access") is None:
        raise ValidationError("blob", "an ec2 blob needs an access key")
    return value


def get(db: Session, credential_id: str) -> Credential:
    cred = db.get(Credential, credential_id)
    if cred is None:
        raise NotFound(f"Could not find credential: {credential_id}.")
    return cred


def list_all(db: Session, user_id: str | None = None, type_: str | None = None
             ) -> list[Credential]:
    q = select(Credential).order_by(Credential.id)
    if user_id is not None:
        q = q.where(Credential.user_id == user_id)
    if type_ is not None:
        q = q.where(Credential.type == type_)
    return list(db.scalars(q))


def _check_user(db: Session, user_id: str) -> None:
    # Keystone stores any user id; here a credential belongs to a user that exists
    if db.get(User, user_id) is None:
        raise NotFound(f"Could not find user: {user_id}.")


def create(db: Session, cipher: Cipher, body: dict, extra: dict) -> Credential:
    type_ = body["type"]
    if type_.lower() == EC2:
        if not body.get("project_id"):
            raise ValidationError("project_id", "an ec2 credential needs a project_id")
        cred_id = hash_access(str(ec2_blob(body["blob"])["access"]))
    else:
        cred_id = new_id()
    _check_user(db, body["user_id"])
    if db.get(Credential, cred_id) is not None:
        raise Conflict(f"Conflict occurred attempting to store credential - Duplicate ID, "
                       f"{cred_id}.")
    sealed, key_hash = cipher.seal(body["blob"])
    cred = Credential(id=cred_id, user_id=body["user_id"], project_id=body.get("project_id"),
                      type=type_, encrypted_blob=sealed, key_hash=key_hash, extra=extra or None)
    db.add(cred)
    db.flush()
    return cred


_SCOPE_KEYS = ("trust_id", "app_cred_id", "access_token_id", "access_id")


def update(db: Session, cipher: Cipher, cred: Credential, changes: dict, extra: dict
           ) -> Credential:
    new_type = changes.get("type") or cred.type
    project_id = changes["project_id"] if "project_id" in changes else cred.project_id
    if new_type.lower() == EC2 and not project_id:
        raise ValidationError("project_id", "an ec2 credential needs a project_id")
    if "blob" in changes:
        if cred.type.lower() == EC2:  # the scope a blob was created with stays
            old, new = ec2_blob(cipher.open(cred)), ec2_blob(changes["blob"])
            for key in _SCOPE_KEYS:
                if old.get(key) != new.get(key):
                    raise ValidationError("blob", f"{key} can not be updated for credential")
        cred.encrypted_blob, cred.key_hash = cipher.seal(changes["blob"])
    if changes.get("user_id") and changes["user_id"] != cred.user_id:
        _check_user(db, changes["user_id"])
        cred.user_id = changes["user_id"]
    if changes.get("type"):
        cred.type = changes["type"]
    if "project_id" in changes:
        cred.project_id = changes["project_id"]
    if extra:
        cred.extra = {**(cred.extra or {}), **extra}
    db.flush()
    return cred


def delete_one(db: Session, cred: Credential) -> None:
    db.delete(cred)


def forget_project(db: Session, project_id: str) -> None:
    """As Keystone: a project's credentials go with it."""
    db.execute(delete(Credential).where(Credential.project_id == project_id))


# -- EC2 (/v3/users/{user_id}/credentials/OS-EC2) -------------------------------------------

def create_ec2(db: Session, cipher: Cipher, user_id: str, project_id: str) -> dict:
    blob = {"access": uuid.uuid4().hex, "secret": uuid.uuid4().hex, "trust_id": None}
    cred = create(db, cipher, {"user_id": user_id, "project_id": project_id, "type": EC2,
                               "blob": json.dumps(blob)}, {})
    return ec2_view(cipher, cred)


def get_ec2(db: Session, access: str) -> Credential:
    cred = get(db, hash_access(access))
    if cred.type != EC2:
        raise Unauthorized("EC2 access key not found.")
    return cred


def ec2_view(cipher: Cipher, cred: Credential) -> dict:
    blob = json.loads(cipher.open(cred))
    return {"user_id": cred.user_id, "tenant_id": cred.project_id, "access": blob.get("access"),
            "secret": blob.get("secret"), "trust_id": blob.get("trust_id")}
