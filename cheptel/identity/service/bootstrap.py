"""First start: the default domain, the roles, admin and demo, and a clouds.yaml."""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy.orm import Session

from cheptel.identity.models import Domain, Role
from cheptel.identity.service import resources, roles, users
from cheptel.identity.service.passwords import hash_secret

if TYPE_CHECKING:
    from cheptel.app import Deps


@dataclass(frozen=True)
class Bootstrapped:
    admin_password: str
    demo_password: str


def bootstrap(db: Session, now: float, rounds: int, admin_password: str | None,
              demo_password: str | None) -> Bootstrapped | None:
    """Create the initial identity data once; None when it was there already.

    The default roles are checked at every start, as keystone-manage bootstrap does."""
    if db.get(Domain, "default") is not None:
        ensure_default_roles(db)
        return None
    admin_password = admin_password or secrets.token_urlsafe(18)
    demo_password = demo_password or secrets.token_urlsafe(18)
    resources.create_domain(db, "Default", "The default domain", domain_id="default")
    admin, member = ensure_default_roles(db)
    admin_project = resources.create_project(db, "admin", "default",
                                             description="Bootstrap project for the admin")
    demo_project = resources.create_project(db, "demo", "default", description="Demo project")
    admin_user = users.create_user(db, now, rounds, name="admin", domain_id="default",
                                   default_project_id=admin_project.id)
    demo_user = users.create_user(db, now, rounds, name="demo", domain_id="default",
                                  default_project_id=demo_project.id)
    # the two bcrypt hashes side by side (bcrypt releases the GIL): half the first start's
    # hashing time at the default cost
    with ThreadPoolExecutor(2) as pool:
        admin_user.password_hash, demo_user.password_hash = pool.map(
            lambda secret: hash_secret(secret, rounds), (admin_password, demo_password))
    roles.grant(db, "user", admin_user.id, "project", admin_project.id, admin.id)
    roles.grant(db, "user", admin_user.id, "system", roles.SYSTEM, admin.id)
    # as DevStack's admin: a role on the Default domain, so that a domain-scoped token
    # exists (Horizon shows its Identity > Domains panel only with one)
    roles.grant(db, "user", admin_user.id, "domain", "default", admin.id)
    roles.grant(db, "user", demo_user.id, "project", demo_project.id, member.id)
    return Bootstrapped(admin_password, demo_password)


def _role(db: Session, name: str) -> Role:
    found = roles.list_roles(db, name)
    return found[0] if found else roles.create_role(db, name)


def ensure_default_roles(db: Session) -> tuple[Role, Role]:
    """Keystone's default roles: admin implies manager implies member implies reader, and
    service (no implications). Missing ones are created; returns (admin, member)."""
    reader, member, manager, admin = (_role(db, n) for n in ("reader", "member", "manager",
                                                             "admin"))
    _role(db, "service")
    for prior, implied in ((member, reader), (manager, member), (admin, manager)):
        roles.add_implied(db, prior, implied)  # idempotent
    # as Keystone's bootstrap: admin now reaches member through manager
    for rule in roles.list_implied(db, admin.id):
        if rule.implied_role_id == member.id:
            db.delete(rule)
    db.flush()
    return admin, member


def _cloud(auth_url: str, region: str, user: str, password: str, project: str) -> dict:
    return {
        "auth": {"auth_url": auth_url, "username": user, "password": password,
                 "project_name": project, "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": region,
        "identity_api_version": 3,
        "interface": "public",
    }


def write_clouds_yaml(path: Path, auth_url: str, region: str, boot: Bootstrapped | None) -> None:
    """Write clouds.yaml (0600) at bootstrap; on later starts only refresh auth_url."""
    if boot is not None:
        doc = {"clouds": {
            "cheptel": _cloud(auth_url, region, "admin", boot.admin_password, "admin"),
            "cheptel-demo": _cloud(auth_url, region, "demo", boot.demo_password, "demo"),
        }}
    elif path.exists():
        doc = yaml.safe_load(path.read_text()) or {}
        for cloud in (doc.get("clouds") or {}).values():
            cloud.setdefault("auth", {})["auth_url"] = auth_url
    else:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False)
    os.chmod(path, 0o600)


def on_start(db: Session, deps: Deps) -> list[str]:
    """The identity service's bootstrap: the initial data once, clouds.yaml every start."""
    settings = deps.settings
    boot = bootstrap(db, deps.clock(), settings.bcrypt_rounds, settings.admin_password,
                     settings.demo_password)
    clouds = settings.data_dir / "clouds.yaml"
    write_clouds_yaml(clouds, f"{settings.base_url}/identity/v3", settings.region, boot)
    if boot is None:
        return []
    notes = [f"bootstrapped: admin and demo accounts written to {clouds}"]
    if not settings.admin_password:
        notes.append(f"generated admin password: {boot.admin_password}")
    return notes
