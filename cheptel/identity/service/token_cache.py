"""Validated tokens cached in process, invalidated by a revocation generation in the database.

Validating a token from scratch reads the token, the user, its domain, the scope, the
role assignments (direct, group, inherited) and the implied roles: eight queries or more.
A request authenticated by a cached token reads one row instead: the revocation
generation, a counter in the `revocation_generation` table that every write able to change
what a token means increments in the same transaction (see `install`). A cached entry
remembers the generation it was validated at and counts only while the database still
holds that generation, so a revocation committed by this process or by another process
sharing the database (PostgreSQL, several hosts) is seen by the very next request.

What bumps the generation, just before the transaction commits: any insert, update or
delete, through the ORM or a bulk statement, of an identity table a token's meaning
depends on (users, domains, projects, groups, memberships, roles, implied roles,
assignments, application credentials and their roles, tokens). Exceptions, none of which
can change an existing token: a new token row, the purge of expired token rows, and the
lockout counters of a user. Tables the token does not read (catalog, credentials,
policies, endpoint filters, project tags) never bump. Expiry needs no bump: an entry keeps
the token's expiry and is refused from that instant by the injected clock.

Order matters: the generation is read before the token is validated, so an entry is never
tagged with a generation newer than the state it was computed from (PostgreSQL's read
committed gives each statement a fresh snapshot).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from cheptel.errors import NotFound, Unauthorized
from cheptel.identity.models import RevocationGeneration
from cheptel.identity.service import tokens
from cheptel.policy import Creds

# Tables whose rows a token's meaning depends on: any change bumps the generation.
WATCHED = frozenset({
    "users", "domains", "projects", "groups", "group_members", "roles", "implied_roles",
    "assignments", "application_credentials", "application_credential_roles", "tokens",
})
# Columns of `users` whose change alone leaves every token as it was (login lockout).
USER_NOISE = frozenset({"failed_logins", "locked_until"})

_GEN = cast(Table, RevocationGeneration.__table__)
_READ = select(_GEN.c.value).where(_GEN.c.id == 1)
# executed on the connection, not the session: it triggers no ORM event
_BUMP = update(_GEN).where(_GEN.c.id == 1).values(value=_GEN.c.value + 1)


def _changes_token(obj: Any, change: str) -> bool:
    """Can this pending change ("new", "dirty", "deleted") of a mapped row alter a token?"""
    table = getattr(obj, "__tablename__", None)
    if table not in WATCHED:
        return False
    if table == "tokens":
        return change != "new"  # a new token changes no other
    if table == "users" and change == "dirty":
        changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
        return bool(changed - USER_NOISE)
    return True


def _flush_bumps(session: Session) -> bool:
    return (any(_changes_token(o, "new") for o in session.new)
            or any(_changes_token(o, "deleted") for o in session.deleted)
            or any(_changes_token(o, "dirty") for o in session.dirty
                   if session.is_modified(o)))


_FLAG = "cheptel_revokes"


def _after_flush(session: Session, _ctx: Any) -> None:
    # the session still shows what was flushed (new, dirty, deleted) at this point
    if _flush_bumps(session):
        session.info[_FLAG] = True


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements (db.execute(update(Token)...)) bump too."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get(tokens.QUIET):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in WATCHED:
        state.session.info[_FLAG] = True


def _before_commit(session: Session) -> None:
    """The bump, last thing before COMMIT: the counter's row lock is held for an instant
    and always taken after every other row of the transaction (no deadlock through it)."""
    session.flush()
    if session.info.pop(_FLAG, False):
        session.connection().execute(_BUMP)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


def install(sessions: sessionmaker) -> None:
    """Make every session of this app bump the generation when it changes a token's meaning."""
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "do_orm_execute", _on_execute)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_rollback", _after_rollback)


def generation(db: Session) -> int:
    return db.connection().execute(_READ).scalar_one()


@dataclass(frozen=True)
class Entry:
    creds: Creds
    expires_at: float
    generation: int


class TokenCache:
    """token hash -> Creds, for as long as the generation and the token's expiry allow.

    Entries all belong to one generation: seeing a newer one empties the cache, an entry
    computed at an older one (a request that began before a revocation) is not kept."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._generation = -1
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str, gen: int, now: float) -> Creds | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != gen or now >= entry.expires_at:
            self.misses += 1
            return None
        self.hits += 1
        return entry.creds

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            if entry.generation < self._generation:
                return
            if entry.generation > self._generation:
                self._entries.clear()
                self._generation = entry.generation
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def authenticate(self, db: Session, token: str, now: float) -> Creds:
        """tokens.authenticate, from the cache when the generation has not moved."""
        key = tokens.digest(token)
        gen = generation(db)  # first: see the module's docstring
        creds = self.get(key, gen, now)
        if creds is not None:
            return creds
        try:
            info = tokens.validate(db, token, now)
        except NotFound:
            raise Unauthorized("The request you have made requires authentication.") from None
        creds = info.creds()
        expires = info.row.expires_at
        if info.app_cred is not None and info.app_cred.expires_at is not None:
            expires = min(expires, info.app_cred.expires_at)
        self.put(key, Entry(creds, expires, gen))
        return creds
