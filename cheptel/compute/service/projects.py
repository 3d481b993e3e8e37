"""The compute service's look at identity: does a project exist (Nova asks Keystone)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.errors import BadRequest
from cheptel.identity.models import Project


def exists(db: Session, project_id: str) -> bool:
    return db.get(Project, project_id) is not None


def verify(db: Session, project_id: str) -> None:
    """nova.api.openstack.identity.verify_project_id: an unknown project is a 400."""
    if not exists(db, project_id):
        raise BadRequest(f"Project ID {project_id} is not a valid project.")
