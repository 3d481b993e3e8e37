"""volume: backups on local disk (Cinder v3)

Revision ID: 0019_volume_backups
Revises: 0018_volume_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_volume_backups"
down_revision = "0018_volume_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_backups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("snapshot_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("container", sa.String(255), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("fail_reason", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("object_count", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("availability_zone", sa.String(255), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("source_status", sa.String(32), nullable=True),
        sa.Column("restore_volume_id", sa.String(36), nullable=True),
        sa.Column("volume_meta", sa.JSON(), nullable=False),
        sa.Column("imported_from", sa.String(36), nullable=True),
        sa.Column("data_timestamp", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_backups")),
    )
    for column in ("project_id", "volume_id", "status", "parent_id"):
        op.create_index(op.f(f"ix_volume_backups_{column}"), "volume_backups", [column])


def downgrade() -> None:
    for column in ("project_id", "volume_id", "status", "parent_id"):
        op.drop_index(op.f(f"ix_volume_backups_{column}"), table_name="volume_backups")
    op.drop_table("volume_backups")
