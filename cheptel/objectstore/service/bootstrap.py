"""At every start: the roles keystoneauth knows (ResellerAdmin, swiftoperator) exist,
object files no row names (a crash between the rename and the commit) are removed, and,
when an external engine serves the object store, its service user exists (external)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cheptel.identity.service import roles
from cheptel.objectstore.service import external, objects
from cheptel.objectstore.service.store import ObjectFiles

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.objectstore")
ROLES = ("ResellerAdmin", "swiftoperator")


def on_start(db: Session, deps: Deps) -> list[str]:
    for name in ROLES:
        if not roles.list_roles(db, name):
            roles.create_role(db, name)
    gone = ObjectFiles(deps.settings.data_dir).sweep_orphans(objects.all_file_ids(db))
    if gone:
        log.info("removed %d object files no object names", gone)
    return external.on_start(db, deps)
