"""Domains and projects (with tags and a parent, as Keystone allows)."""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import Conflict, Forbidden, NotFound, ValidationError
from cheptel.identity.models import (
    AppCredential,
    Credential,
    Domain,
    Group,
    Project,
    ProjectTag,
    Token,
    User,
)
from cheptel.identity.service import credentials, ep_filter, roles

MAX_TAGS = 80
MAX_DEPTH = 5  # Keystone's max_project_tree_depth


# -- domains -------------------------------------------------------------------------------

def get_domain(db: Session, domain_id: str) -> Domain:
    domain = db.get(Domain, domain_id)
    if domain is None:
        raise NotFound(f"Could not find domain: {domain_id}.")
    return domain


def find_domain(db: Session, ref: dict) -> Domain | None:
    if "id" in ref:
        return db.get(Domain, ref["id"])
    return db.scalar(select(Domain).where(Domain.name == ref.get("name")))


def list_domains(db: Session, name: str | None = None, enabled: bool | None = None) -> list:
    q = select(Domain).order_by(Domain.name)
    if name is not None:
        q = q.where(Domain.name == name)
    if enabled is not None:
        q = q.where(Domain.enabled == enabled)
    return list(db.scalars(q))


def create_domain(db: Session, name: str, description: str = "", enabled: bool = True,
                  domain_id: str | None = None) -> Domain:
    if db.scalar(select(Domain).where(Domain.name == name)) is not None:
        raise Conflict(f"Conflict occurred attempting to store domain - Duplicate entry found "
                       f"with name {name}.")
    domain = Domain(id=domain_id or new_id(), name=name, description=description,
                    enabled=enabled)
    db.add(domain)
    db.flush()
    return domain


def update_domain(db: Session, domain: Domain, changes: dict) -> Domain:
    name = changes.get("name")
    if name and name != domain.name and list_domains(db, name):
        raise Conflict(f"Conflict occurred attempting to update domain - Duplicate entry "
                       f"found with name {name}.")
    if domain.id == "default" and changes.get("enabled") is False:
        raise Forbidden("The default domain cannot be disabled.")
    for key in ("name", "description", "enabled"):
        if key in changes and changes[key] is not None:
            setattr(domain, key, changes[key])
    if changes.get("enabled") is False:  # as Keystone: re-enabling brings no token back
        projects = select(Project.id).where(Project.domain_id == domain.id)
        users = select(User.id).where(User.domain_id == domain.id)
        db.execute(update(Token).where(or_(
            Token.domain_id == domain.id, Token.project_id.in_(projects),
            Token.user_id.in_(users))).values(revoked=True))
    db.flush()
    return domain


def delete_domain(db: Session, domain: Domain) -> None:
    if domain.enabled:
        raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
    if domain.id == "default":
        raise Forbidden("The default domain cannot be deleted.")
    projects = list(db.scalars(select(Project).where(Project.domain_id == domain.id)))
    for project in sorted(projects, key=lambda p: -depth(db, p)):
        _drop_project(db, project)
    for user in db.scalars(select(User).where(User.domain_id == domain.id)):
        drop_user_rows(db, user.id)
        db.delete(user)
    for group in db.scalars(select(Group).where(Group.domain_id == domain.id)):
        roles.forget_actor(db, group.id)
        db.delete(group)
    roles.forget_target(db, domain.id)
    db.flush()
    db.delete(domain)


def drop_user_rows(db: Session, user_id: str) -> None:
    """What goes with a user: grants, tokens, application credentials."""
    roles.forget_actor(db, user_id)
    db.execute(delete(Token).where(Token.user_id == user_id))
    db.execute(delete(AppCredential).where(AppCredential.user_id == user_id))
    db.execute(delete(Credential).where(Credential.user_id == user_id))


# -- projects ------------------------------------------------------------------------------

def get_project(db: Session, project_id: str) -> Project:
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound(f"Could not find project: {project_id}.")
    return project


def find_project(db: Session, ref: dict) -> Project | None:
    if "id" in ref:
        return db.get(Project, ref["id"])
    domain = find_domain(db, ref.get("domain") or {})
    if domain is None:
        return None
    return db.scalar(select(Project).where(Project.name == ref.get("name"),
                                           Project.domain_id == domain.id))


def depth(db: Session, project: Project) -> int:
    n, current = 1, project
    while current.parent_id:
        current = db.get(Project, current.parent_id)  # type: ignore[assignment]
        n += 1
    return n


def children(db: Session, project_id: str) -> list[Project]:
    return list(db.scalars(select(Project).where(Project.parent_id == project_id)))


def parents(db: Session, project: Project) -> list[Project]:
    """The projects above this one, nearest first (Keystone's list_project_parents, less
    the domain acting as the top one: cheptel keeps domains apart)."""
    found: list[Project] = []
    current = project
    while current.parent_id and len(found) < 64:
        parent = db.get(Project, current.parent_id)
        if parent is None:
            break
        found.append(parent)
        current = parent
    return found


def subtree(db: Session, project_id: str) -> list[Project]:
    """Every project below this one, level by level (Keystone's list_projects_in_subtree)."""
    found: list[Project] = []
    level = [project_id]
    while level and len(found) < 10_000:
        below = list(db.scalars(select(Project).where(Project.parent_id.in_(level))
                                .order_by(Project.name, Project.id)))
        found.extend(below)
        level = [p.id for p in below]
    return found


def tags_of(db: Session, project_id: str) -> list[str]:
    q = select(ProjectTag.name).where(ProjectTag.project_id == project_id)
    return sorted(db.scalars(q))


def _check_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS:
        raise ValidationError("tags", f"at most {MAX_TAGS} tags")
    for tag in tags:
        if "/" in tag or "," in tag or not tag or len(tag) > 255:
            raise ValidationError("tags", f"invalid tag {tag!r}")
    return sorted(set(tags))


def set_tags(db: Session, project: Project, tags: list[str]) -> list[str]:
    clean = _check_tags(tags)
    db.execute(delete(ProjectTag).where(ProjectTag.project_id == project.id))
    db.add_all(ProjectTag(project_id=project.id, name=t) for t in clean)
    db.flush()
    return clean


def add_tag(db: Session, project: Project, tag: str) -> None:
    current = tags_of(db, project.id)
    if tag not in current:
        set_tags(db, project, [*current, tag])


def remove_tag(db: Session, project: Project, tag: str) -> None:
    row = db.get(ProjectTag, (project.id, tag))
    if row is None:
        raise NotFound(f"Tag {tag} not found on project {project.id}.")
    db.delete(row)


def list_projects(db: Session, filters: dict[str, object], tag_filters: dict[str, list[str]],
                  ) -> list[Project]:
    q = select(Project).order_by(Project.name)
    for key in ("name", "domain_id", "enabled", "parent_id"):
        if key in filters:
            q = q.where(getattr(Project, key) == filters[key])
    projects = list(db.scalars(q))
    if not any(tag_filters.values()):
        return projects
    tag_map = {p.id: set(tags_of(db, p.id)) for p in projects}

    def keep(p: Project) -> bool:
        have = tag_map[p.id]
        for key, wanted in tag_filters.items():
            want = set(wanted)
            if not want:
                continue
            if key == "tags" and not want <= have:
                return False
            if key == "tags-any" and not want & have:
                return False
            if key == "not-tags" and want <= have:
                return False
            if key == "not-tags-any" and want & have:
                return False
        return True

    return [p for p in projects if keep(p)]


def create_project(db: Session, name: str, domain_id: str, *, description: str = "",
                   enabled: bool = True, parent_id: str | None = None,
                   tags: list[str] | None = None, project_id: str | None = None) -> Project:
    get_domain(db, domain_id)  # as Keystone: an unknown domain or parent is a 404
    if parent_id:
        parent = get_project(db, parent_id)
        if parent.domain_id != domain_id:
            raise ValidationError("parent_id", "the parent must be in the same domain")
        if depth(db, parent) + 1 > MAX_DEPTH:
            raise Forbidden(f"Max hierarchy depth reached for {parent_id} branch.")
    clash = select(Project).where(Project.name == name, Project.domain_id == domain_id)
    if db.scalar(clash) is not None:
        raise Conflict(f"Conflict occurred attempting to store project - Duplicate entry found "
                       f"with name {name} at domain ID {domain_id}.")
    project = Project(id=project_id or new_id(), name=name, domain_id=domain_id,
                      description=description, enabled=enabled, parent_id=parent_id)
    db.add(project)
    db.flush()
    if tags:
        set_tags(db, project, tags)
    return project


def update_project(db: Session, project: Project, changes: dict) -> Project:
    name = changes.get("name")
    if name and name != project.name:
        clash = select(Project).where(Project.name == name,
                                      Project.domain_id == project.domain_id)
        if db.scalar(clash) is not None:
            raise Conflict(f"Conflict occurred attempting to update project - Duplicate entry "
                           f"found with name {name} at domain ID {project.domain_id}.")
    if "domain_id" in changes and changes["domain_id"] != project.domain_id:
        raise ValidationError("domain_id", "a project cannot move to another domain")
    if "parent_id" in changes and changes["parent_id"] != project.parent_id:
        raise Forbidden("Update of `parent_id` is not allowed.")
    if changes.get("enabled") is False:
        if any(c.enabled for c in children(db, project.id)):
            raise Forbidden(f"Cannot disable project {project.id} since its subtree contains "
                            f"enabled projects.")
    for key in ("name", "description", "enabled"):
        if key in changes and changes[key] is not None:
            setattr(project, key, changes[key])
    if "tags" in changes:
        set_tags(db, project, changes["tags"] or [])
    if changes.get("enabled") is False:  # as Keystone: re-enabling brings no token back
        db.execute(update(Token).where(Token.project_id == project.id).values(revoked=True))
    db.flush()
    return project


def _drop_project(db: Session, project: Project) -> None:
    roles.forget_target(db, project.id)
    db.execute(delete(Token).where(Token.project_id == project.id))
    db.execute(delete(ProjectTag).where(ProjectTag.project_id == project.id))
    db.execute(delete(AppCredential).where(AppCredential.project_id == project.id))
    credentials.forget_project(db, project.id)
    ep_filter.forget_project(db, project.id)
    db.flush()
    db.delete(project)
    db.flush()


def delete_project(db: Session, project: Project) -> None:
    if children(db, project.id):
        raise Forbidden(f"Cannot delete the project {project.id} since it is not a leaf in "
                        f"the hierarchy.")
    _drop_project(db, project)
