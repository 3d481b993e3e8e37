"""Users, groups, group membership and passwords."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import Conflict, NotFound, Unauthorized, ValidationError
from cheptel.identity.models import Domain, Group, Membership, Token, User
from cheptel.identity.service import roles
from cheptel.identity.service.passwords import check_secret, hash_secret
from cheptel.identity.service.resources import drop_user_rows


def get_user(db: Session, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return user


def find_user(db: Session, ref: dict) -> User | None:
    """A user named by {"id"} or {"name", "domain": {"id"|"name"}}."""
    if "id" in ref:
        return db.get(User, ref["id"])
    dom = ref.get("domain") or {}
    if "id" in dom:
        domain_id = dom["id"]
    else:
        domain_id = db.scalar(select(Domain.id).where(Domain.name == dom.get("name")))
    if domain_id is None:
        return None
    return db.scalar(select(User).where(User.name == ref.get("name"),
                                        User.domain_id == domain_id))


def list_users(db: Session, filters: dict[str, object]) -> list[User]:
    q = select(User).order_by(User.name)
    for key in ("name", "domain_id", "enabled"):
        if key in filters:
            q = q.where(getattr(User, key) == filters[key])
    return list(db.scalars(q))


def revoke_tokens(db: Session, user_id: str) -> None:
    db.execute(update(Token).where(Token.user_id == user_id).values(revoked=True))


def _check_domain(db: Session, domain_id: str) -> None:
    if db.get(Domain, domain_id) is None:  # as Keystone: a 404, the body named it
        raise NotFound(f"Could not find domain: {domain_id}.")


def create_user(db: Session, now: float, rounds: int, *, name: str, domain_id: str,
                password: str | None = None, enabled: bool = True, email: str | None = None,
                description: str | None = None, default_project_id: str | None = None,
                user_id: str | None = None) -> User:
    _check_domain(db, domain_id)
    if db.scalar(select(User).where(User.name == name, User.domain_id == domain_id)):
        raise Conflict(f"Conflict occurred attempting to store user - Duplicate entry found "
                       f"with name {name} at domain ID {domain_id}.")
    user = User(id=user_id or new_id(), name=name, domain_id=domain_id, enabled=enabled,
                email=email, description=description, default_project_id=default_project_id,
                password_hash=hash_secret(password, rounds) if password else None,
                failed_logins=0, created_at=now)
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, user: User, changes: dict, rounds: int) -> User:
    name = changes.get("name")
    if name and name != user.name:
        clash = select(User).where(User.name == name, User.domain_id == user.domain_id)
        if db.scalar(clash) is not None:
            raise Conflict(f"Conflict occurred attempting to update user - Duplicate entry "
                           f"found with name {name} at domain ID {user.domain_id}.")
    if "domain_id" in changes and changes["domain_id"] != user.domain_id:
        raise ValidationError("domain_id", "a user cannot move to another domain")
    for key in ("name", "email", "description", "default_project_id", "enabled"):
        if key in changes:
            if key in ("name", "enabled") and changes[key] is None:
                continue
            setattr(user, key, changes[key])
    if "password" in changes:
        pw = changes["password"]
        user.password_hash = hash_secret(pw, rounds) if pw else None
        user.failed_logins, user.locked_until = 0, None
        revoke_tokens(db, user.id)
    if changes.get("enabled") is False:
        revoke_tokens(db, user.id)
    db.flush()
    return user


def change_password(db: Session, user: User, original: str, new: str, rounds: int) -> None:
    if not check_secret(original, user.password_hash):
        raise Unauthorized("The original password is not correct.")
    update_user(db, user, {"password": new}, rounds)


def delete_user(db: Session, user: User) -> None:
    drop_user_rows(db, user.id)
    db.flush()
    db.delete(user)


# -- groups --------------------------------------------------------------------------------

def get_group(db: Session, group_id: str) -> Group:
    group = db.get(Group, group_id)
    if group is None:
        raise NotFound(f"Could not find group: {group_id}.")
    return group


def list_groups(db: Session, filters: dict[str, object]) -> list[Group]:
    q = select(Group).order_by(Group.name)
    for key in ("name", "domain_id"):
        if key in filters:
            q = q.where(getattr(Group, key) == filters[key])
    return list(db.scalars(q))


def create_group(db: Session, name: str, domain_id: str, description: str = "") -> Group:
    _check_domain(db, domain_id)
    if db.scalar(select(Group).where(Group.name == name, Group.domain_id == domain_id)):
        raise Conflict(f"Conflict occurred attempting to store group - Duplicate entry found "
                       f"with name {name} at domain ID {domain_id}.")
    group = Group(id=new_id(), name=name, domain_id=domain_id, description=description)
    db.add(group)
    db.flush()
    return group


def update_group(db: Session, group: Group, changes: dict) -> Group:
    name = changes.get("name")
    if name and name != group.name:
        clash = select(Group).where(Group.name == name, Group.domain_id == group.domain_id)
        if db.scalar(clash) is not None:
            raise Conflict(f"Conflict occurred attempting to update group - Duplicate entry "
                           f"found with name {name}.")
    for key in ("name", "description"):
        if changes.get(key) is not None:
            setattr(group, key, changes[key])
    db.flush()
    return group


def delete_group(db: Session, group: Group) -> None:
    roles.forget_actor(db, group.id)
    db.flush()
    db.delete(group)


def group_members(db: Session, group_id: str) -> list[User]:
    q = (select(User).join(Membership, Membership.user_id == User.id)
         .where(Membership.group_id == group_id).order_by(User.name))
    return list(db.scalars(q))


def groups_of(db: Session, user_id: str) -> list[Group]:
    q = (select(Group).join(Membership, Membership.group_id == Group.id)
         .where(Membership.user_id == user_id).order_by(Group.name))
    return list(db.scalars(q))


def add_member(db: Session, group: Group, user: User) -> None:
    if db.get(Membership, (group.id, user.id)) is None:
        db.add(Membership(group_id=group.id, user_id=user.id))
        db.flush()


def check_member(db: Session, group: Group, user: User) -> None:
    if db.get(Membership, (group.id, user.id)) is None:
        raise NotFound(f"User {user.id} is not a member of group {group.id}.")


def remove_member(db: Session, group: Group, user: User) -> None:
    row = db.get(Membership, (group.id, user.id))
    if row is None:
        raise NotFound(f"User {user.id} is not a member of group {group.id}.")
    db.delete(row)
