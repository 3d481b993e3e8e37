"""Load-balancer tables (Octavia v2). Times are POSIX seconds (float) so SQLite and
PostgreSQL agree.

A load balancer and its tree (listeners, pools, members, health monitors, L7 policies
and rules) are intent; `provisioning_status` is Octavia's state machine: a write sets
the load balancer (and the objects it touches) PENDING_*, the reconciler makes HAProxy
match and sets ACTIVE or ERROR; a delete marks PENDING_DELETE and the reconciler removes
the rows once HAProxy forgot them. `operating_status` is what HAProxy last said.
Tags, insert_headers, allowed_cidrs and session persistence are JSON in their row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cheptel.db import Base

ID = String(36)
PROJECT = String(64)
NAME = String(255)
STATUS = String(16)


class LoadBalancer(Base):
    __tablename__ = "lb_loadbalancers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    provisioning_status: Mapped[str] = mapped_column(STATUS)
    operating_status: Mapped[str] = mapped_column(STATUS)
    vip_address: Mapped[str] = mapped_column(String(64))
    vip_port_id: Mapped[str] = mapped_column(ID)
    vip_subnet_id: Mapped[str] = mapped_column(ID)
    vip_network_id: Mapped[str] = mapped_column(ID)
    provider: Mapped[str] = mapped_column(String(64))
    flavor_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(NAME, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # why the last change failed (HAProxy's message): logged, shown by `cheptel status`
    error: Mapped[str] = mapped_column(Text, default="")


class _Child:
    """Columns every object under a load balancer has."""

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    provisioning_status: Mapped[str] = mapped_column(STATUS)
    operating_status: Mapped[str] = mapped_column(STATUS)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Listener(_Child, Base):
    __tablename__ = "lb_listeners"
    __table_args__ = (UniqueConstraint("loadbalancer_id", "protocol_port"),)
    loadbalancer_id: Mapped[str] = mapped_column(
        ForeignKey("lb_loadbalancers.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    protocol: Mapped[str] = mapped_column(String(32))
    protocol_port: Mapped[int] = mapped_column(Integer)
    connection_limit: Mapped[int] = mapped_column(Integer, default=-1)
    default_pool_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    timeout_client_data: Mapped[int] = mapped_column(Integer, default=50000)
    timeout_member_connect: Mapped[int] = mapped_column(Integer, default=5000)
    timeout_member_data: Mapped[int] = mapped_column(Integer, default=50000)
    timeout_tcp_inspect: Mapped[int] = mapped_column(Integer, default=0)
    insert_headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    allowed_cidrs: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # HAProxy's counters summed over its reloads and restarts (a new worker starts at 0),
    # as Octavia's listener_statistics: bytes_in, bytes_out, total_connections,
    # request_errors
    stats: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class Pool(_Child, Base):
    __tablename__ = "lb_pools"
    loadbalancer_id: Mapped[str] = mapped_column(
        ForeignKey("lb_loadbalancers.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    protocol: Mapped[str] = mapped_column(String(32))
    lb_algorithm: Mapped[str] = mapped_column(String(32))
    # {"type", "cookie_name", "persistence_timeout", "persistence_granularity"} or None
    session_persistence: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    tls_enabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Member(_Child, Base):
    __tablename__ = "lb_members"
    __table_args__ = (UniqueConstraint("pool_id", "address", "protocol_port"),)
    pool_id: Mapped[str] = mapped_column(ForeignKey("lb_pools.id", ondelete="CASCADE"),
                                         index=True)
    address: Mapped[str] = mapped_column(String(64))
    protocol_port: Mapped[int] = mapped_column(Integer)
    subnet_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    backup: Mapped[bool] = mapped_column(Boolean, default=False)
    monitor_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    monitor_port: Mapped[int | None] = mapped_column(Integer, nullable=True)


class HealthMonitor(_Child, Base):
    __tablename__ = "lb_healthmonitors"
    pool_id: Mapped[str] = mapped_column(ForeignKey("lb_pools.id", ondelete="CASCADE"),
                                         unique=True)
    type: Mapped[str] = mapped_column(String(32))
    delay: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[int] = mapped_column(Integer)
    max_retries: Mapped[int] = mapped_column(Integer)
    max_retries_down: Mapped[int] = mapped_column(Integer, default=3)
    http_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    url_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    expected_codes: Mapped[str | None] = mapped_column(String(64), nullable=True)
    http_version: Mapped[float | None] = mapped_column(Float, nullable=True)
    domain_name: Mapped[str | None] = mapped_column(NAME, nullable=True)


class L7Policy(_Child, Base):
    __tablename__ = "lb_l7policies"
    listener_id: Mapped[str] = mapped_column(ForeignKey("lb_listeners.id", ondelete="CASCADE"),
                                             index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    redirect_pool_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    redirect_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    redirect_prefix: Mapped[str | None] = mapped_column(Text, nullable=True)
    redirect_http_code: Mapped[int | None] = mapped_column(Integer, nullable=True)


class L7Rule(_Child, Base):
    __tablename__ = "lb_l7rules"
    l7policy_id: Mapped[str] = mapped_column(ForeignKey("lb_l7policies.id", ondelete="CASCADE"),
                                             index=True)
    type: Mapped[str] = mapped_column(String(32))
    compare_type: Mapped[str] = mapped_column(String(32))
    key: Mapped[str | None] = mapped_column(NAME, nullable=True)
    value: Mapped[str] = mapped_column(NAME)
    invert: Mapped[bool] = mapped_column(Boolean, default=False)


class Quota(Base):
    """A project's limits; None: the default (-1 is unlimited)."""

    __tablename__ = "lb_quotas"
    project_id: Mapped[str] = mapped_column(PROJECT, primary_key=True)
    load_balancer: Mapped[int | None] = mapped_column(Integer, nullable=True)
    listener: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pool: Mapped[int | None] = mapped_column(Integer, nullable=True)
    health_monitor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    member: Mapped[int | None] = mapped_column(Integer, nullable=True)
    l7policy: Mapped[int | None] = mapped_column(Integer, nullable=True)
    l7rule: Mapped[int | None] = mapped_column(Integer, nullable=True)


class FlavorProfile(Base):
    __tablename__ = "lb_flavor_profiles"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    provider_name: Mapped[str] = mapped_column(String(64))
    flavor_data: Mapped[str] = mapped_column(Text)  # a JSON text, as given


class Flavor(Base):
    __tablename__ = "lb_flavors"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    flavor_profile_id: Mapped[str] = mapped_column(ForeignKey("lb_flavor_profiles.id"))


class AvailabilityZoneProfile(Base):
    __tablename__ = "lb_availability_zone_profiles"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    provider_name: Mapped[str] = mapped_column(String(64))
    availability_zone_data: Mapped[str] = mapped_column(Text)


class AvailabilityZone(Base):
    __tablename__ = "lb_availability_zones"
    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    availability_zone_profile_id: Mapped[str] = mapped_column(
        ForeignKey("lb_availability_zone_profiles.id"))
