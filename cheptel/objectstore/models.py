"""Object storage tables. Times are POSIX seconds (float) so SQLite and PostgreSQL agree.

An account is a project (`AUTH_<project_id>`); its row only exists once it holds
metadata. A container belongs to one account; an object to one container. Object bytes
are files under DATA_DIR/objects named by the object row's `file_id` (a new id at every
overwrite: the old file is removed after the new row has committed). Counts and bytes used
are always computed from the object rows, never kept as counters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cheptel.db import Base

PROJECT = String(64)


class SwiftAccount(Base):
    __tablename__ = "swift_accounts"
    project_id: Mapped[str] = mapped_column(PROJECT, primary_key=True)
    # user metadata (lower-case name after X-Account-Meta-) -> value
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # X-Account-Quota-Bytes / -Count (a reseller admin's): lower-case header -> value
    sysmeta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class SwiftContainer(Base):
    __tablename__ = "swift_containers"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(256))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # system metadata: read/write ACLs, versions location... (header name -> value)
    sysmeta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class SwiftObject(Base):
    __tablename__ = "swift_objects"
    __table_args__ = (UniqueConstraint("container_id", "name"),
                      Index("ix_swift_objects_delete_at", "delete_at"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    container_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("swift_containers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(1024))
    file_id: Mapped[str] = mapped_column(String(36))
    size: Mapped[int] = mapped_column(BigInteger)
    etag: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(256))
    # user metadata (lower-case name after X-Object-Meta-) -> value
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # other stored headers (Content-Encoding, Content-Disposition, X-Object-Manifest,
    # X-Static-Large-Object...): their canonical name -> value
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)  # X-Timestamp of the data
    updated_at: Mapped[float] = mapped_column(Float)  # last POST
    delete_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
