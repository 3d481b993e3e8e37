"""Password and secret hashing with bcrypt (cost configurable, 12 by default)."""

from __future__ import annotations

import base64
import hashlib

import bcrypt

from cheptel.errors import ValidationError

MAX_PASSWORD = 4096  # Keystone's max_password_length


def _prepare(secret: str) -> bytes:
    raw = secret.encode("utf-8")
    # bcrypt reads at most 72 bytes; longer secrets are pre-hashed so every byte counts.
    if len(raw) > 72:
        raw = base64.b64encode(hashlib.sha256(raw).digest())
    return raw


def hash_secret(secret: str, rounds: int) -> str:
    if len(secret) > MAX_PASSWORD:
        raise ValidationError("password", f"longer than {MAX_PASSWORD} characters")
    return bcrypt.hashpw(_prepare(secret), bcrypt.gensalt(rounds)).decode("ascii")


def check_secret(secret: str, hashed: str | None) -> bool:
    if not hashed or len(secret) > MAX_PASSWORD:
        return False
    try:
        return bcrypt.checkpw(_prepare(secret), hashed.encode("ascii"))
    except ValueError:
        return False
