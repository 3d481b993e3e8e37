"""Software configs (heat/engine/service_software_config.py): a name, a group, the
config text, its inputs, outputs and options; made, shown, listed and deleted by the
project that owns them (another project's is a 404), never changed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import NotFound
from cheptel.orchestration.models import SoftwareConfig
from cheptel.policy import Creds

UNGROUPED = "Heat::Ungrouped"


class ConfigNotFound(NotFound):
    heat_type = "NotFound"

    def __init__(self, config_id: str) -> None:
        super().__init__(f"The config ({config_id}) could not be found.")


def create(db: Session, creds: Creds, body: dict[str, Any], now: float) -> SoftwareConfig:
    row = SoftwareConfig(id=str(uuid.uuid4()), project_id=creds.project_id or "",
                         name=body.get("name") or "", group=body.get("group") or UNGROUPED,
                         config=body.get("config") or "", inputs=body.get("inputs") or [],
                         outputs=body.get("outputs") or [],
                         options=body.get("options") or {}, created_at=now)
    db.add(row)
    db.flush()
    return row


def get(db: Session, creds: Creds, config_id: str) -> SoftwareConfig:
    row = db.get(SoftwareConfig, config_id)
    if row is None or row.project_id != creds.project_id:
        raise ConfigNotFound(config_id)
    return row


def listing(db: Session, creds: Creds) -> list[SoftwareConfig]:
    return list(db.scalars(select(SoftwareConfig).where(
        SoftwareConfig.project_id == (creds.project_id or ""))
        .order_by(SoftwareConfig.created_at, SoftwareConfig.id)))


def delete(db: Session, creds: Creds, config_id: str) -> None:
    db.delete(get(db, creds, config_id))
