"""Stack users: the Keystone user a wait condition handle makes so that a server can
signal it, as Heat's stack users (heat/engine/resources/stack_user.py) in the legacy
mode without a stack-user domain: a user of the project's domain, with no password and
only the `heat_stack_user` role on the project, whose token goes into the handle's
attributes. The token lasts as any Keystone token (CHEPTEL_TOKEN_LIFETIME, an hour by
default; Heat's too); the user, and with it the token, goes with the handle.

The orchestration policy lets that role signal (resource:signal); service/signals.py
lets it signal only its own handle, and no other route takes the role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cheptel.errors import NotFound
from cheptel.identity.models import Project, Token, User
from cheptel.identity.service import roles, tokens, users

if TYPE_CHECKING:
    from cheptel.app import Deps

ROLE = "heat_stack_user"


def _role_id(db: Session) -> str:
    try:
        return roles.find_role(db, {"name": ROLE}).id
    except NotFound:
        return roles.create_role(db, ROLE, "Heat's stack users (wait condition handles)").id


def create(deps: Deps, db: Session, project_id: str, name: str) -> tuple[str, str]:
    """A new stack user of the project, and a token scoped to it: (user id, token)."""
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound(f"Could not find project: {project_id}.")
    now = deps.clock()
    user = users.create_user(db, now, deps.settings.bcrypt_rounds, name=name[:255],
                             domain_id=project.domain_id, default_project_id=project_id,
                             description="Heat stack user (a wait condition handle's)")
    roles.grant(db, "user", user.id, "project", project_id, _role_id(db))
    token = tokens.new_token()
    db.add(Token(id_hash=tokens.digest(token), user_id=user.id, project_id=project_id,
                 domain_id=None, system=False, methods="password",
                 audit_ids=tokens.new_audit_id(), app_cred_id=None, issued_at=now,
                 expires_at=now + deps.settings.token_lifetime, revoked=False))
    db.flush()
    return user.id, token


def delete(db: Session, user_id: str) -> None:
    """The stack user and its tokens (nothing if already gone)."""
    user = db.get(User, user_id)
    if user is not None:
        users.revoke_tokens(db, user_id)
        users.delete_user(db, user)
