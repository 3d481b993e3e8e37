"""volume: snapshots, and the source a volume was made from (Cinder v3)

Revision ID: 0015_volume_snapshots
Revises: 0014_volume_attachments
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_volume_snapshots"
down_revision = "0014_volume_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_snapshots",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("progress", sa.String(255), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("volume_size", sa.Integer(), nullable=False),
        sa.Column("volume_type_id", sa.String(36), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_snapshots")),
    )
    op.create_index(op.f("ix_volume_snapshots_project_id"), "volume_snapshots",
                    ["project_id"])
    op.create_index(op.f("ix_volume_snapshots_volume_id"), "volume_snapshots",
                    ["volume_id"])
    op.create_index(op.f("ix_volume_snapshots_status"), "volume_snapshots", ["status"])
    with op.batch_alter_table("volumes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_id", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("source_volid", sa.String(36), nullable=True))
        batch_op.create_index(batch_op.f("ix_volumes_snapshot_id"), ["snapshot_id"])


def downgrade() -> None:
    with op.batch_alter_table("volumes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volumes_snapshot_id"))
        batch_op.drop_column("source_volid")
        batch_op.drop_column("snapshot_id")
    op.drop_table("volume_snapshots")
