"""Facts about this cloud as a whole, kept in the database (shared by every host)."""

from __future__ import annotations

import uuid

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from cheptel.db import Base


class CloudMeta(Base):
    __tablename__ = "cloud_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


def cloud_id(db: Session) -> str:
    """This cloud's id, made at first start. Every container, volume and network cheptel
    creates carries it as a label, so that several clouds can share one Docker Engine
    without taking each other's containers for orphans."""
    row = db.get(CloudMeta, "cloud_id")
    if row is None:
        row = CloudMeta(key="cloud_id", value=uuid.uuid4().hex)
        db.add(row)
        db.flush()
    return row.value
