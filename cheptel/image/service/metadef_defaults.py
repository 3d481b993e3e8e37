"""The standard metadata definitions, loaded into an empty catalogue at start.

Glance deployments load the namespaces Glance ships (`glance-manage db_load_metadefs`);
Horizon reads them for its metadata editors and the launch wizard, and fails on an empty
catalogue (its parallel fetch of the namespaces found refuses zero workers). cheptel ships
a few of them, written for its servers (cheptel/image/metadefs/*.json, Glance's file
format), loaded when the catalogue holds no namespace at all: on the first start, and on
an older cloud's first start with this code. A catalogue an operator has started to shape
is left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.image import metadef_schemas as schemas
from cheptel.image.models import MetadefNamespace
from cheptel.image.service import metadefs
from cheptel.policy import Creds

DIRECTORY = Path(__file__).resolve().parent.parent / "metadefs"


def documents(directory: Path = DIRECTORY) -> list[dict]:
    """The shipped namespaces, each checked against Glance's namespace schema."""
    docs = []
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text())
        schemas.check(schemas.NAMESPACE, doc, ())
        docs.append(doc)
    return docs


def load(db: Session, owner: str | None, now: float, directory: Path = DIRECTORY) -> list[str]:
    """Load the shipped namespaces if there is none; -> notes for the operator."""
    if db.scalar(select(func.count()).select_from(MetadefNamespace)):
        return []
    loader = Creds(user_id="", user_name="", user_domain_id="", roles=frozenset(),
                   project_id=owner)
    docs = documents(directory)
    for doc in docs:
        metadefs.create(db, loader, {**doc, "owner": owner or ""}, now)
    return [f"loaded {len(docs)} standard metadata definition namespaces"]
