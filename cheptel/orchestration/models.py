"""Orchestration tables. Times are POSIX seconds (float) so SQLite and PostgreSQL agree.

A stack is intent: its template, parameters and the action under way (`action`, `status`).
The engine (service/engine.py, driven by the reconciler) walks its resources and records
each step on the resource row in the same transaction as the other service's write, so a
crash leaves no resource made but unrecorded. Events are append-only; `seq` orders them
(Heat's event ids are monotonic for `--wait`'s marker).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cheptel.db import Base

ID = String(36)
PROJECT = String(64)


class Stack(Base):
    __tablename__ = "orchestration_stacks"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    user_id: Mapped[str] = mapped_column(String(64))  # whose roles the engine acts with
    action: Mapped[str] = mapped_column(String(16))  # CREATE, UPDATE, DELETE, ROLLBACK...
    status: Mapped[str] = mapped_column(String(16))  # IN_PROGRESS, COMPLETE, FAILED
    status_reason: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as given
    environment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    disable_rollback: Mapped[bool] = mapped_column(Boolean, default=True)
    timeout_mins: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # when the action under way started (its timeout counts from there)
    action_started: Mapped[float] = mapped_column(Float)
    # counts the actions started: a resource row of the current one is settled for it
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # a nested stack's parent (a template resource's or a group's stack) and the
    # parent's resource it is the physical resource of; None for a top-level stack
    parent_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True,
                                                  default=None)
    parent_resource: Mapped[str | None] = mapped_column(String(255), nullable=True,
                                                        default=None)
    # the definition before the update under way (template, parameters, environment,
    # files): what a failed or cancelled update rolls back to
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True,
                                                            default=None)
    # a ROLLBACK that updates back to `previous` (an update's), not one that deletes all
    # (a create's)
    update_rollback: Mapped[bool] = mapped_column(Boolean, default=False)


class StackResource(Base):
    __tablename__ = "orchestration_resources"
    __table_args__ = (UniqueConstraint("stack_id", "name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("orchestration_stacks.id",
                                                     ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # INIT, IN_PROGRESS, COMPLETE, FAILED
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # the resolved properties it was made with (an update compares against them)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # what the type keeps of its own (a RandomString's value, a KeyPair's private key)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the stack's generation it was last made or found unchanged in (engine.py)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class StackEvent(Base):
    __tablename__ = "orchestration_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("orchestration_stacks.id",
                                                     ondelete="CASCADE"), index=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str] = mapped_column(String(255), default="")
    resource_type: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)


class SoftwareConfig(Base):
    """A software config (/software_configs): immutable once made, as Heat's."""

    __tablename__ = "orchestration_software_configs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255))
    group: Mapped[str] = mapped_column(String(255))
    config: Mapped[str] = mapped_column(Text)
    inputs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outputs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)


class SoftwareDeployment(Base):
    """A software deployment (/software_deployments): a config's application to a
    server, its status written by whoever applies it (Heat's agent, os-collect-config)."""

    __tablename__ = "orchestration_software_deployments"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    config_id: Mapped[str] = mapped_column(ID)
    server_id: Mapped[str] = mapped_column(String(255), index=True)
    input_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    action: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(255))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
