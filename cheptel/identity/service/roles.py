"""Roles, implied roles, grants (assignments) and effective roles."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import Conflict, Forbidden, NotFound
from cheptel.identity.models import (
    AppCredentialRole,
    Assignment,
    Group,
    ImpliedRole,
    Membership,
    Project,
    Role,
    User,
)

SYSTEM = "all"


def get_role(db: Session, role_id: str) -> Role:
    role = db.get(Role, role_id)
    if role is None:
        raise NotFound(f"Could not find role: {role_id}.")
    return role


def find_role(db: Session, ref: dict) -> Role:
    """A role named by {"id"} or {"name"} (as application credentials and OSC send)."""
    if "id" in ref:
        return get_role(db, ref["id"])
    role = db.scalar(select(Role).where(Role.name == ref.get("name"), Role.domain_id.is_(None)))
    if role is None:
        raise NotFound(f"Could not find role: {ref.get('name')}.")
    return role


def list_roles(db: Session, name: str | None = None, domain_id: str | None = None) -> list[Role]:
    q = select(Role).order_by(Role.name)
    if name is not None:
        q = q.where(Role.name == name)
    q = q.where(Role.domain_id == domain_id) if domain_id else q.where(Role.domain_id.is_(None))
    return list(db.scalars(q))


def create_role(db: Session, name: str, description: str = "", domain_id: str | None = None,
                role_id: str | None = None) -> Role:
    exists = select(Role).where(Role.name == name)
    exists = exists.where(Role.domain_id == domain_id if domain_id else Role.domain_id.is_(None))
    if db.scalar(exists) is not None:
        raise Conflict(f"Conflict occurred attempting to store role - Duplicate entry found "
                       f"with name {name}.")
    role = Role(id=role_id or new_id(), name=name, description=description, domain_id=domain_id)
    db.add(role)
    db.flush()
    return role


def update_role(db: Session, role: Role, changes: dict) -> Role:
    if "name" in changes and changes["name"] != role.name:
        if list_roles(db, changes["name"], role.domain_id):
            raise Conflict(f"Conflict occurred attempting to update role - Duplicate entry "
                           f"found with name {changes['name']}.")
    for key in ("name", "description"):
        if key in changes:
            setattr(role, key, changes[key] or ("" if key == "description" else role.name))
    db.flush()
    return role


def delete_role(db: Session, role: Role) -> None:
    db.execute(delete(Assignment).where(Assignment.role_id == role.id))
    db.execute(delete(AppCredentialRole).where(AppCredentialRole.role_id == role.id))
    db.execute(delete(ImpliedRole).where(
        (ImpliedRole.prior_role_id == role.id) | (ImpliedRole.implied_role_id == role.id)))
    db.delete(role)


# -- implied roles -------------------------------------------------------------------------

def implications(db: Session) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for rule in db.scalars(select(ImpliedRole)):
        graph.setdefault(rule.prior_role_id, set()).add(rule.implied_role_id)
    return graph


def closure(db: Session, role_ids: Iterable[str]) -> set[str]:
    graph = implications(db)
    seen: set[str] = set()
    todo = list(role_ids)
    while todo:
        rid = todo.pop()
        if rid not in seen:
            seen.add(rid)
            todo.extend(graph.get(rid, ()))
    return seen


def add_implied(db: Session, prior: Role, implied: Role) -> None:
    if prior.id == implied.id or prior.id in closure(db, [implied.id]):
        raise Forbidden("Implied role creates a cycle.")
    if db.get(ImpliedRole, (prior.id, implied.id)) is None:
        db.add(ImpliedRole(prior_role_id=prior.id, implied_role_id=implied.id))
        db.flush()


def get_implied(db: Session, prior_id: str, implied_id: str) -> ImpliedRole:
    rule = db.get(ImpliedRole, (prior_id, implied_id))
    if rule is None:
        raise NotFound(f"{prior_id} does not imply {implied_id}.")
    return rule


def list_implied(db: Session, prior_id: str | None = None) -> list[ImpliedRole]:
    q = select(ImpliedRole)
    if prior_id:
        q = q.where(ImpliedRole.prior_role_id == prior_id)
    return list(db.scalars(q))


# -- grants --------------------------------------------------------------------------------

def check_actor(db: Session, actor_type: str, actor_id: str) -> None:
    model = User if actor_type == "user" else Group
    if db.get(model, actor_id) is None:
        raise NotFound(f"Could not find {actor_type}: {actor_id}.")


def grant(db: Session, actor_type: str, actor_id: str, target_type: str, target_id: str,
          role_id: str, inherited: bool = False) -> None:
    """inherited (OS-INHERIT): the role goes to every project below the target instead."""
    key = (actor_type, actor_id, target_type, target_id, role_id, inherited)
    if db.get(Assignment, key) is None:
        db.add(Assignment(actor_type=actor_type, actor_id=actor_id, target_type=target_type,
                          target_id=target_id, role_id=role_id, inherited=inherited))
        try:
            db.flush()
        except IntegrityError:
            raise Conflict("That role assignment exists already.") from None


def get_grant(db: Session, actor_type: str, actor_id: str, target_type: str, target_id: str,
              role_id: str, inherited: bool = False) -> Assignment:
    found = db.get(Assignment, (actor_type, actor_id, target_type, target_id, role_id,
                                inherited))
    if found is None:
        raise NotFound(f"Could not find role assignment with role: {role_id}, "
                       f"{actor_type}: {actor_id}, {target_type}: {target_id}.")
    return found


def revoke(db: Session, actor_type: str, actor_id: str, target_type: str, target_id: str,
           role_id: str, inherited: bool = False) -> None:
    db.delete(get_grant(db, actor_type, actor_id, target_type, target_id, role_id, inherited))


def grants_for(db: Session, actor_type: str, actor_id: str, target_type: str,
               target_id: str, inherited: bool = False) -> list[Role]:
    q = (select(Role).join(Assignment, Assignment.role_id == Role.id)
         .where(Assignment.actor_type == actor_type, Assignment.actor_id == actor_id,
                Assignment.target_type == target_type, Assignment.target_id == target_id,
                Assignment.inherited.is_(inherited))
         .order_by(Role.name))
    return list(db.scalars(q))


def group_ids_of(db: Session, user_id: str) -> list[str]:
    return list(db.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))


def inherited_from(db: Session, project_id: str) -> list[tuple[str, str]]:
    """Where grants inherited by a project come from: its domain and its ancestors."""
    project = db.get(Project, project_id)
    if project is None:
        return []
    sources = [("domain", project.domain_id)]
    parent = project.parent_id
    while parent:
        sources.append(("project", parent))
        parent = db.get(Project, parent).parent_id  # type: ignore[union-attr]
    return sources


def projects_below(db: Session, target_type: str, target_id: str) -> list[str]:
    """The projects an inherited grant on a domain or a project reaches."""
    if target_type == "domain":
        q = select(Project.id).where(Project.domain_id == target_id)
        return list(db.scalars(q.order_by(Project.id)))
    found, todo = [], [target_id]
    while todo:
        kids = list(db.scalars(select(Project.id).where(Project.parent_id == todo.pop())))
        found += kids
        todo += kids
    return found


def direct_role_ids(db: Session, user_id: str, target_type: str, target_id: str) -> set[str]:
    """Roles granted on the target (directly or to a group), or inherited from above."""
    actors = [user_id, *group_ids_of(db, user_id)]
    where = [and_(Assignment.target_type == target_type, Assignment.target_id == target_id,
                  Assignment.inherited.is_(False))]
    if target_type == "project":
        where += [and_(Assignment.target_type == kind, Assignment.target_id == oid,
                       Assignment.inherited.is_(True))
                  for kind, oid in inherited_from(db, target_id)]
    q = select(Assignment.role_id).where(Assignment.actor_id.in_(actors), or_(*where))
    return set(db.scalars(q))


def effective_roles(db: Session, user_id: str, target_type: str, target_id: str) -> list[Role]:
    """The roles a user holds on a target: direct, through groups, and implied; as
    Keystone, domain-specific roles count only through the global roles they imply."""
    ids = closure(db, direct_role_ids(db, user_id, target_type, target_id))
    if not ids:
        return []
    return list(db.scalars(select(Role).where(Role.id.in_(ids), Role.domain_id.is_(None))
                           .order_by(Role.name)))


def targets_of(db: Session, user_id: str, target_type: str) -> set[str]:
    """The domains (or projects) the user holds a role on; projects include those reached
    by inherited grants."""
    actors = [user_id, *group_ids_of(db, user_id)]
    q = select(Assignment).where(Assignment.actor_id.in_(actors))
    found: set[str] = set()
    for a in db.scalars(q):
        if not a.inherited and a.target_type == target_type:
            found.add(a.target_id)
        elif a.inherited and target_type == "project":
            found.update(projects_below(db, a.target_type, a.target_id))
    return found


def user_projects(db: Session, user_id: str) -> list[Project]:
    ids = targets_of(db, user_id, "project")
    if not ids:
        return []
    return list(db.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.name)))


def forget_actor(db: Session, actor_id: str) -> None:
    db.execute(delete(Assignment).where(Assignment.actor_id == actor_id))


def forget_target(db: Session, target_id: str) -> None:
    db.execute(delete(Assignment).where(Assignment.target_id == target_id))
