"""Serial consoles (Nova's remote consoles, protocol `serial`): a one-time token per
request, kept as its digest, valid TOKEN_TTL seconds, consumed by the websocket proxy
(cheptel.compute.console_proxy) at its first connection; it opens only its own server."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from cheptel.compute.models import ConsoleToken

TOKEN_TTL = 600.0  # Nova's [consoleauth] token_ttl
PATH = "/console/serial"  # under the compute prefix: /compute/console/serial


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: Session, server_id: str, now: float) -> str:
    """A new token for the server's serial console; expired ones are dropped."""
    db.execute(delete(ConsoleToken).where(ConsoleToken.expires_at < now))
    token = secrets.token_urlsafe(24)
    db.add(ConsoleToken(token_hash=_digest(token), server_id=server_id,
                        console_type="serial", expires_at=now + TOKEN_TTL))
    return token


def redeem(db: Session, token: str, now: float) -> str | None:
    """The server a token opens, once: the token is gone after (None: unknown, used or
    expired)."""
    if not token or len(token) > 128:
        return None
    row = db.get(ConsoleToken, _digest(token))
    if row is None:
        return None
    db.delete(row)
    return row.server_id if row.expires_at >= now else None


def url(base_url: str, token: str) -> str:
    """The websocket URL the clients open (Nova's serialproxy base URL + ?token=)."""
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/compute{PATH}?token={token}"
