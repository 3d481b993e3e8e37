"""OS-EP-FILTER: which endpoints a project's catalog shows.

A project may be given endpoints directly or through endpoint groups (filters on
service_id, region_id and interface). As Keystone (return_all_endpoints_if_no_filter), a
project with no association at all sees every endpoint; one with associations sees only
those endpoints (see catalog.build_catalog).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.errors import Conflict, NotFound, ValidationError
from cheptel.identity.models import Endpoint, EndpointGroup, ProjectEndpoint, ProjectEndpointGroup

FILTER_KEYS = ("service_id", "region_id", "interface")


def _check_filters(filters: dict) -> None:
    for key in filters:
        if key not in FILTER_KEYS:
            raise ValidationError("filters", f"{key} is not one of {' or '.join(FILTER_KEYS)}")


def get_group(db: Session, group_id: str) -> EndpointGroup:
    row = db.get(EndpointGroup, group_id)
    if row is None:
        raise NotFound(f"Could not find endpoint group: {group_id}.")
    return row


def list_groups(db: Session, name: str | None = None) -> list[EndpointGroup]:
    q = select(EndpointGroup).order_by(EndpointGroup.name, EndpointGroup.id)
    if name is not None:
        q = q.where(EndpointGroup.name == name)
    return list(db.scalars(q))


def create_group(db: Session, name: str, description: str | None, filters: dict
                 ) -> EndpointGroup:
    _check_filters(filters)
    row = EndpointGroup(id=new_id(), name=name, description=description, filters=filters)
    db.add(row)
    db.flush()
    return row


def update_group(db: Session, row: EndpointGroup, changes: dict) -> EndpointGroup:
    if "filters" in changes:
        _check_filters(changes["filters"])
        row.filters = changes["filters"]
    if changes.get("name") is not None:
        row.name = changes["name"]
    if "description" in changes:
        row.description = changes["description"]
    db.flush()
    return row


def endpoints_of(db: Session, group: EndpointGroup) -> list[Endpoint]:
    q = select(Endpoint).order_by(Endpoint.service_id, Endpoint.interface, Endpoint.id)
    for key, value in group.filters.items():
        q = q.where(getattr(Endpoint, key) == value)
    return list(db.scalars(q))


def _add(db: Session, row: object, what: str) -> None:
    db.add(row)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict(f"Conflict occurred attempting to store {what} - Duplicate entry.") \
            from None


# -- endpoint groups and projects ----------------------------------------------------------

def add_group_to_project(db: Session, group_id: str, project_id: str) -> None:
    _add(db, ProjectEndpointGroup(endpoint_group_id=group_id, project_id=project_id),
         "project_endpoint_group")


def group_in_project(db: Session, group_id: str, project_id: str) -> ProjectEndpointGroup:
    row = db.get(ProjectEndpointGroup, (group_id, project_id))
    if row is None:
        raise NotFound(f"Could not find endpoint group {group_id} in project {project_id}.")
    return row


def projects_of_group(db: Session, group_id: str) -> list[str]:
    q = select(ProjectEndpointGroup.project_id).where(
        ProjectEndpointGroup.endpoint_group_id == group_id)
    return sorted(db.scalars(q))


def groups_of_project(db: Session, project_id: str) -> list[EndpointGroup]:
    q = (select(EndpointGroup)
         .join(ProjectEndpointGroup, ProjectEndpointGroup.endpoint_group_id == EndpointGroup.id)
         .where(ProjectEndpointGroup.project_id == project_id).order_by(EndpointGroup.name))
    return list(db.scalars(q))


# -- endpoints and projects ----------------------------------------------------------------

def add_endpoint_to_project(db: Session, endpoint_id: str, project_id: str) -> None:
    _add(db, ProjectEndpoint(endpoint_id=endpoint_id, project_id=project_id), "project_endpoint")


def endpoint_in_project(db: Session, endpoint_id: str, project_id: str) -> ProjectEndpoint:
    row = db.get(ProjectEndpoint, (endpoint_id, project_id))
    if row is None:
        raise NotFound(f"Could not find endpoint {endpoint_id} in project {project_id}.")
    return row


def projects_of_endpoint(db: Session, endpoint_id: str) -> list[str]:
    q = select(ProjectEndpoint.project_id).where(ProjectEndpoint.endpoint_id == endpoint_id)
    return sorted(db.scalars(q))


def project_endpoints(db: Session, project_id: str) -> list[Endpoint]:
    """The project's endpoints, directly and through its endpoint groups (Keystone's
    list_endpoints_for_project); empty when it has no association."""
    direct = select(ProjectEndpoint.endpoint_id).where(ProjectEndpoint.project_id == project_id)
    found = {e.id: e for e in db.scalars(select(Endpoint).where(Endpoint.id.in_(direct)))}
    for group in groups_of_project(db, project_id):
        found.update((e.id, e) for e in endpoints_of(db, group))
    return sorted(found.values(), key=lambda e: (e.service_id, e.interface, e.id))


def forget_project(db: Session, project_id: str) -> None:
    db.execute(delete(ProjectEndpoint).where(ProjectEndpoint.project_id == project_id))
    db.execute(delete(ProjectEndpointGroup).where(ProjectEndpointGroup.project_id == project_id))
