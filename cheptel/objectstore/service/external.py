"""An external Swift-API engine (a Swift proxy, Ceph RGW) in place of the built-in store.

With `cheptel serve --object-store-url URL` (CHEPTEL_OBJECT_STORE_URL) the catalog's
object-store endpoint is URL, for every project (its `%(project_id)s` filled in), and
/object-store answers 410 Gone (cheptel.app). The engine validates the users' tokens
against cheptel's Keystone with keystonemiddleware's auth_token, as its own service user
`swift` (role `service` on project `service`: cheptel.identity.service.service_users).
At every start this module makes sure the user exists and writes the middleware's
settings, ready to paste into the proxy's configuration, to DATA_DIR/OBJECT_STORE_CONF
(mode 0600: it holds the password).
"""

from __future__ import annotations

import configparser
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cheptel.config import Settings
from cheptel.identity.service import service_users

if TYPE_CHECKING:
    from cheptel.app import Deps

SERVICE_USER = "swift"
OBJECT_STORE_CONF = "object-store-keystone.conf"
# Swift's keystoneauth: who owns an account (an operator role in its project, as the
# built-in store's swift_owner rule) and who acts on every account
OPERATOR_ROLES = "admin, member, swiftoperator"
RESELLER_ADMIN_ROLE = "ResellerAdmin"


def external_url(settings: Settings) -> str:
    return settings.object_store_url


def keystone_sections(identity_url: str, password: str) -> dict[str, dict[str, str]]:
    """The auth_token and keystoneauth filters of a Swift proxy, for this cloud."""
    return {
        "filter:authtoken": {
            "paste.filter_factory": "keystonemiddleware.auth_token:filter_factory",
            "www_authenticate_uri": identity_url,
            "auth_url": identity_url,
            "auth_type": "password",
            "user_domain_id": "default",
            "project_domain_id": "default",
            "project_name": service_users.SERVICE_PROJECT,
            "username": SERVICE_USER,
            "password": password,
            # temp URLs, form posts and public containers decide in keystoneauth
            "delay_auth_decision": "True",
            "cache": "swift.cache",
            "include_service_catalog": "False",
        },
        "filter:keystoneauth": {
            "use": "egg:swift#keystoneauth",
            "operator_roles": OPERATOR_ROLES,
            "reseller_admin_role": RESELLER_ADMIN_ROLE,
        },
    }


def _known_password(path: Path) -> str | None:
    if not path.exists():
        return None
    conf = configparser.RawConfigParser()
    conf.read(path)
    return conf.get("filter:authtoken", "password", fallback=None) or None


def write_conf(path: Path, sections: dict[str, dict[str, str]]) -> None:
    conf = configparser.RawConfigParser()
    conf.optionxform = str  # type: ignore[assignment,method-assign]  # keep the names' case
    for name, options in sections.items():
        conf[name] = options
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# cheptel: the Keystone filters of a Swift proxy (docs/object-store.md)\n")
        conf.write(fh)
    os.chmod(path, 0o600)


def on_start(db: Session, deps: Deps) -> list[str]:
    """The service user and its settings file, when the object store is external."""
    settings = deps.settings
    if not settings.object_store_url:
        return []
    path = settings.data_dir / OBJECT_STORE_CONF
    known = _known_password(path)
    password = known or settings.swift_password or secrets.token_urlsafe(18)
    _, created = service_users.ensure_service_user(db, deps.clock(), settings.bcrypt_rounds,
                                                   SERVICE_USER, password)
    if not created and known is None:
        return [f"object store at {settings.object_store_url}: the service user "
                f"{SERVICE_USER} exists but {path} does not; set a new password with "
                f"`openstack user set --password ... {SERVICE_USER}`, then put it in the "
                f"proxy's [filter:authtoken]"]
    write_conf(path, keystone_sections(f"{settings.base_url}/identity", password))
    notes = [f"object store at {settings.object_store_url}: its Keystone filters "
             f"(service user {SERVICE_USER}) are in {path}"]
    return notes if created else []
