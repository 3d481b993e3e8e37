"""Service users: the accounts an external engine uses to validate tokens against this
Keystone (keystonemiddleware's auth_token in a Swift proxy), made as DevStack makes them:
project `service` in the Default domain, the user holding the `service` role on it.

Keystone's policy lets a token with the `service` role validate anyone's token
(identity:validate_token, cheptel.identity.policies); nothing else comes with the role.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.identity.models import Project, User
from cheptel.identity.service import resources, roles, users

SERVICE_PROJECT = "service"
DOMAIN = "default"


def service_project(db: Session) -> Project:
    """The `service` project of the Default domain, created if missing."""
    project = resources.find_project(db, {"name": SERVICE_PROJECT, "domain": {"id": DOMAIN}})
    return project or resources.create_project(
        db, SERVICE_PROJECT, DOMAIN, description="The services' own accounts")


def find_service_user(db: Session, name: str) -> User | None:
    return users.find_user(db, {"name": name, "domain": {"id": DOMAIN}})


def ensure_service_user(db: Session, now: float, rounds: int, name: str,
                        password: str) -> tuple[User, bool]:
    """The user `name` with the `service` role on the `service` project; (user, created).

    The password is set only when the user is created: a restart keeps the one the
    operator may have changed since (`openstack user set --password`)."""
    project = service_project(db)
    user = find_service_user(db, name)
    created = user is None
    if user is None:
        user = users.create_user(db, now, rounds, name=name, domain_id=DOMAIN,
                                 password=password, default_project_id=project.id,
                                 description="cheptel service user")
    service = roles.list_roles(db, "service")
    role = service[0] if service else roles.create_role(db, "service")
    roles.grant(db, "user", user.id, "project", project.id, role.id)  # idempotent
    return user, created
