"""Application credentials: a secret bound to one user, one project and a subset of roles."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from cheptel.identity.models import AppCredential, AppCredentialRole, Role
from cheptel.identity.service import roles
from cheptel.identity.service.passwords import check_secret, hash_secret
from cheptel.identity.service.users import find_user


def role_ids(db: Session, cred_id: str) -> list[str]:
    q = select(AppCredentialRole.role_id).where(AppCredentialRole.app_cred_id == cred_id)
    return list(db.scalars(q))


def roles_of(db: Session, cred_id: str) -> list[Role]:
    ids = role_ids(db, cred_id)
    return list(db.scalars(select(Role).where(Role.id.in_(ids)).order_by(Role.name)))


def get(db: Session, user_id: str, cred_id: str) -> AppCredential:
    cred = db.get(AppCredential, cred_id)
    if cred is None or cred.user_id != user_id:
        raise NotFound(f"Could not find Application Credential: {cred_id}.")
    return cred


def list_for(db: Session, user_id: str, name: str | None = None) -> list[AppCredential]:
    q = select(AppCredential).where(AppCredential.user_id == user_id)
    if name is not None:
        q = q.where(AppCredential.name == name)
    return list(db.scalars(q.order_by(AppCredential.name)))


def create(db: Session, now: float, rounds: int, *, user_id: str, project_id: str | None,
           token_roles: list[Role], body: dict) -> tuple[AppCredential, str]:
    """Create from a project-scoped token; the roles must be a subset of the token's."""
    if project_id is None:
        raise Forbidden("Application credentials need a project-scoped token.")
    if list_for(db, user_id, body["name"]):
        raise Conflict(f"Conflict occurred attempting to store application_credential - "
                       f"Duplicate entry found with name {body['name']}.")
    held = {r.id: r for r in token_roles}
    wanted = [roles.find_role(db, ref) for ref in body["roles"]] if body.get("roles") else (
        list(held.values()))
    for role in wanted:
        if role.id not in held:
            raise Forbidden(f"The user does not hold role {role.name} on the project.")
    expires_at = body.get("expires_at")
    if expires_at is not None and expires_at <= now:
        raise BadRequest("expires_at must be in the future.")
    secret = body.get("secret") or secrets.token_urlsafe(64)
    cred = AppCredential(id=new_id(), name=body["name"], user_id=user_id, project_id=project_id,
                         secret_hash=hash_secret(secret, rounds),
                         description=body.get("description"), expires_at=expires_at,
                         unrestricted=bool(body.get("unrestricted", False)), created_at=now)
    db.add(cred)
    db.flush()
    db.add_all(AppCredentialRole(app_cred_id=cred.id, role_id=r.id)
               for r in {r.id: r for r in wanted}.values())
    db.flush()
    return cred, secret


def delete(db: Session, cred: AppCredential) -> None:
    db.delete(cred)


def authenticate(db: Session, ref: dict, now: float) -> AppCredential:
    secret = ref.get("secret")
    if not isinstance(secret, str):
        raise BadRequest("An application credential needs a secret.")
    if "id" in ref:
        cred = db.get(AppCredential, ref["id"])
    else:
        user = find_user(db, ref["user"]) if isinstance(ref.get("user"), dict) else None
        found = list_for(db, user.id, ref.get("name")) if user else []
        cred = found[0] if found else None
    if cred is None or not check_secret(secret, cred.secret_hash):
        raise Unauthorized("The request you have made requires authentication.")
    if cred.expires_at is not None and cred.expires_at <= now:
        raise Unauthorized("The application credential has expired.")
    return cred
