"""Volume tables. Times are POSIX seconds (float) so SQLite and PostgreSQL agree.

Metadata and extra specs are JSON objects in their row (Cinder keeps them in side tables;
nothing here queries them but the listing filters, which read them in Python). Quota
usage is never stored: it is counted from the volume rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cheptel.db import Base

ID = String(36)  # Cinder's ids are dashed UUIDs
PROJECT = String(64)


class Volume(Base):
    __tablename__ = "volumes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)  # GiB
    status: Mapped[str] = mapped_column(String(32), index=True)
    # why the volume is in `error` (the backend's message), for the operator and the logs
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    availability_zone: Mapped[str] = mapped_column(String(255))
    volume_type_id: Mapped[str] = mapped_column(ID)
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    readonly: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # volume_image_metadata: the image it was made from (None: not from an image)
    image_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the source it was made from (0015): a snapshot, or another volume (a clone)
    snapshot_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    source_volid: Mapped[str | None] = mapped_column(ID, nullable=True)
    # the generic volume group it belongs to (0018), if any
    group_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)


class VolumeType(Base):
    __tablename__ = "volume_types"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    # the QoS specs this type's volumes get (0023), if any
    qos_specs_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)


class QosSpecs(Base):
    """QoS specs (qos-specs): limits by key; `consumer` says who applies them, the
    hypervisor (front-end: cheptel's cgroup throttle), the back end, or both."""

    __tablename__ = "volume_qos_specs"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    consumer: Mapped[str] = mapped_column(String(16))
    specs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class VolumeQuota(Base):
    """A project's limit for one resource (absent: the default)."""

    __tablename__ = "volume_quotas"
    project_id: Mapped[str] = mapped_column(PROJECT, primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class VolumeService(Base):
    """A Cinder service on this host (os-services): made at start, enabled or disabled."""

    __tablename__ = "volume_services"
    binary: Mapped[str] = mapped_column(String(255), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[float] = mapped_column(Float)


class VolumeTypeProject(Base):
    """A project given access to a private volume type (os-volume-type-access)."""

    __tablename__ = "volume_type_projects"
    type_id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, primary_key=True)


class VolumeQuotaClass(Base):
    """A limit of the `default` quota class (os-quota-class-sets): every project's
    default for that resource."""

    __tablename__ = "volume_quota_classes"
    class_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class VolumeAttachment(Base):
    """One volume attached, or being attached or detached, to one server: Cinder's
    attachment and Nova's block device mapping in one row, so the two never disagree.

    `status` is Cinder's attach_status: reserved (os-reserve, or an attachment made
    without a connector), attaching (the host must mount it), attached, detaching (the
    host must unmount it). `server_id` is None for an attachment to a host by name
    (Cinder's os-attach with host_name): recorded, nothing is mounted."""

    __tablename__ = "volume_attachments"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    volume_id: Mapped[str] = mapped_column(ID, index=True)
    server_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    project_id: Mapped[str] = mapped_column(PROJECT)  # the volume's project
    bdm_uuid: Mapped[str] = mapped_column(ID)
    device: Mapped[str | None] = mapped_column(String(255), nullable=True)  # /dev/vdb
    mode: Mapped[str] = mapped_column(String(2), default="rw")  # rw | ro
    status: Mapped[str] = mapped_column(String(32))
    tag: Mapped[str | None] = mapped_column(String(60), nullable=True)
    delete_on_termination: Mapped[bool] = mapped_column(Boolean, default=False)
    boot_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    host_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    connector: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # detach passes that found the filesystem busy (then it is detached lazily)
    busy_passes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    attached_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    @property
    def mount_name(self) -> str | None:
        """Where the host mounts it in the server's directory: vdb for /dev/vdb (None: no
        device, recorded only, never mounted)."""
        return self.device.rsplit("/", 1)[-1] if self.device else None


class VolumeSnapshot(Base):
    """A point-in-time copy of a volume (DATA_DIR/snapshots/<id>.img). `volume_size` is
    the volume's size when it was taken (the view's `size`); `volume_type_id` the
    volume's type then (quota usage per type is counted from it, as Cinder does)."""

    __tablename__ = "volume_snapshots"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    progress: Mapped[str] = mapped_column(String(255), default="0%")
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    volume_size: Mapped[int] = mapped_column(Integer)  # GiB
    volume_type_id: Mapped[str] = mapped_column(ID)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the group snapshot it was taken for (0018), if any
    group_snapshot_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)


class GroupType(Base):
    """A generic volume group type (Cinder's group_types; specs in the row)."""

    __tablename__ = "volume_group_types"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    group_specs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[float] = mapped_column(Float)


class VolumeGroup(Base):
    """A generic volume group: volumes (Volume.group_id) of the listed volume types,
    snapshotted together. `group_snapshot_id`/`source_group_id`: what it was made from."""

    __tablename__ = "volume_groups"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    availability_zone: Mapped[str] = mapped_column(String(255))
    group_type_id: Mapped[str] = mapped_column(ID, index=True)
    volume_type_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    group_snapshot_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    source_group_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class GroupSnapshot(Base):
    """A snapshot of every volume of a group at once (VolumeSnapshot.group_snapshot_id)."""

    __tablename__ = "volume_group_snapshots"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(ID, index=True)
    group_type_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class VolumeMessage(Base):
    """A user message (Cinder's /messages, 3.3): what went wrong with an asynchronous
    request the API had already accepted. Kept until `expires_at` (message_ttl)."""

    __tablename__ = "volume_messages"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    resource_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_id: Mapped[str] = mapped_column(String(255))
    action_id: Mapped[str | None] = mapped_column(String(10), nullable=True)
    detail_id: Mapped[str | None] = mapped_column(String(10), nullable=True)
    message_level: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class VolumeUpload(Base):
    """A volume being uploaded to an image (os-volume_upload_image): the image it fills
    and the status the volume goes back to."""

    __tablename__ = "volume_uploads"
    volume_id: Mapped[str] = mapped_column(ID, primary_key=True)
    image_id: Mapped[str] = mapped_column(ID)
    previous_status: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[float] = mapped_column(Float)


class VolumeTransfer(Base):
    """A volume offered to another project (os-volume-transfer, volume-transfers). The
    auth key is never stored: `crypt_hash` is an HMAC-SHA256 of it keyed by `salt`, as
    Cinder keeps salt + crypt_hash. The row goes when the transfer is accepted or deleted
    (Cinder soft-deletes it; a deleted transfer is a 404 there too)."""

    __tablename__ = "volume_transfers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    volume_id: Mapped[str] = mapped_column(ID, index=True)
    source_project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    salt: Mapped[str] = mapped_column(String(64))
    crypt_hash: Mapped[str] = mapped_column(String(128))
    no_snapshots: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class VolumeBackup(Base):
    """A backup of a volume (or of one of its snapshots) on this host's disk
    (DATA_DIR/backups/<id>/: cheptel.backends.backup_files)."""

    __tablename__ = "volume_backups"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(ID, index=True)
    snapshot_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    container: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    fail_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)  # GiB: the volume's when taken
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    availability_zone: Mapped[str] = mapped_column(String(255))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # the status the volume (or snapshot) had before `backing-up`, given back after
    source_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # the volume being restored into while `restoring`
    restore_volume_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    # the volume's metadata, bootable flag and image metadata when taken: a restore
    # gives them to the volume it writes, as Cinder's backup metadata does
    volume_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # an imported record (import_record) while `creating`: the backup whose data it names
    imported_from: Mapped[str | None] = mapped_column(ID, nullable=True)
    data_timestamp: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
