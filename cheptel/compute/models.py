"""Compute tables. Times are POSIX seconds (float)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cheptel.db import Base

ID = String(64)
NAME = String(255)


class Flavor(Base):
    __tablename__ = "flavors"
    id: Mapped[str] = mapped_column(NAME, primary_key=True)  # flavorid: any string
    name: Mapped[str] = mapped_column(NAME, unique=True)
    ram: Mapped[int] = mapped_column(Integer)  # MiB
    vcpus: Mapped[int] = mapped_column(Integer)
    disk: Mapped[int] = mapped_column(Integer)  # GiB
    ephemeral: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class FlavorExtraSpec(Base):
    __tablename__ = "flavor_extra_specs"
    flavor_id: Mapped[str] = mapped_column(
        ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(NAME, primary_key=True)
    value: Mapped[str] = mapped_column(NAME)


class FlavorAccess(Base):
    __tablename__ = "flavor_access"
    flavor_id: Mapped[str] = mapped_column(
        ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(ID, primary_key=True)


class KeyPair(Base):
    __tablename__ = "key_pairs"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(NAME)
    user_id: Mapped[str] = mapped_column(ID, index=True)
    project_id: Mapped[str] = mapped_column(ID)
    type: Mapped[str] = mapped_column(String(8), default="ssh")
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[float] = mapped_column(Float)


class Server(Base):
    """A server: the intent (what the user asked) and the observed state (what runs)."""

    __tablename__ = "servers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    hostname: Mapped[str] = mapped_column(NAME)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    user_id: Mapped[str] = mapped_column(ID)
    image_id: Mapped[str] = mapped_column(ID)
    flavor_id: Mapped[str] = mapped_column(NAME)
    # a copy of the flavor at boot: servers keep their flavor when the flavor is deleted
    flavor: Mapped[dict] = mapped_column(JSON)
    old_flavor: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # during a resize
    key_name: Mapped[str | None] = mapped_column(NAME, nullable=True)
    public_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_data: Mapped[str | None] = mapped_column(Text, nullable=True)  # base64 as sent
    config_drive: Mapped[bool] = mapped_column(Boolean, default=False)
    availability_zone: Mapped[str] = mapped_column(NAME, default="nova")
    host: Mapped[str | None] = mapped_column(NAME, nullable=True)
    networks: Mapped[list] = mapped_column(JSON, default=list)  # as requested
    access_ipv4: Mapped[str | None] = mapped_column(String(64), nullable=True)
    access_ipv6: Mapped[str | None] = mapped_column(String(64), nullable=True)
    disk_config: Mapped[str] = mapped_column(String(8), default="MANUAL",
                                             server_default="MANUAL")  # OS-DCF:diskConfig
    security_groups: Mapped[list] = mapped_column(JSON, default=list)
    vm_state: Mapped[str] = mapped_column(String(16), default="building")
    task_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    fault: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    container_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(8), nullable=True)
    admin_pass: Mapped[str | None] = mapped_column(String(128), nullable=True)
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    reservation_id: Mapped[str] = mapped_column(NAME, default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float, index=True)
    launched_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    terminated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # what the reconciler must do next (a snapshot's target image id, a reboot type, ...)
    task_args: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class ServerMetadata(Base):
    __tablename__ = "server_metadata"
    server_id: Mapped[str] = mapped_column(
        ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(NAME, primary_key=True)
    value: Mapped[str] = mapped_column(NAME)


class ServerTag(Base):
    __tablename__ = "server_tags"
    server_id: Mapped[str] = mapped_column(
        ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(NAME, primary_key=True)


class InstanceAction(Base):
    __tablename__ = "instance_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    server_id: Mapped[str] = mapped_column(ID, index=True)
    request_id: Mapped[str] = mapped_column(NAME)
    action: Mapped[str] = mapped_column(NAME)
    project_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    start_time: Mapped[float] = mapped_column(Float)
    finish_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)  # Success / Error
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[float] = mapped_column(Float)


class QuotaLimit(Base):
    """A per-project override of a compute quota default (-1: unlimited)."""

    __tablename__ = "compute_quotas"
    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)


class UserQuotaLimit(Base):
    """A per-user override within a project (Nova's project_user_quotas; -1: unlimited)."""

    __tablename__ = "compute_user_quotas"
    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)


class ServerGroup(Base):
    __tablename__ = "server_groups"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    user_id: Mapped[str] = mapped_column(ID)
    policy: Mapped[str] = mapped_column(String(32))
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)


class ServerGroupMember(Base):
    __tablename__ = "server_group_members"
    group_id: Mapped[str] = mapped_column(
        ForeignKey("server_groups.id", ondelete="CASCADE"), primary_key=True
    )
    server_id: Mapped[str] = mapped_column(ID, primary_key=True)


class ConsoleToken(Base):
    """A serial console's one-time token (Nova's console_auth_tokens): only its digest is
    kept; the websocket proxy consumes it at the first connection, or it expires."""

    __tablename__ = "console_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    server_id: Mapped[str] = mapped_column(ID, index=True)
    console_type: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[float] = mapped_column(Float)
