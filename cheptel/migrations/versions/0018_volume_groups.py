"""volume: generic volume groups, group types, group snapshots (Cinder v3)

Revision ID: 0018_volume_groups
Revises: 0017_volume_messages
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_volume_groups"
down_revision = "0017_volume_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_group_types",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("group_specs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_group_types")),
        sa.UniqueConstraint("name", name=op.f("uq_volume_group_types_name")),
    )
    op.create_table(
        "volume_groups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("availability_zone", sa.String(255), nullable=False),
        sa.Column("group_type_id", sa.String(36), nullable=False),
        sa.Column("volume_type_ids", sa.JSON(), nullable=False),
        sa.Column("group_snapshot_id", sa.String(36), nullable=True),
        sa.Column("source_group_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_groups")),
    )
    op.create_index(op.f("ix_volume_groups_project_id"), "volume_groups", ["project_id"])
    op.create_index(op.f("ix_volume_groups_group_type_id"), "volume_groups",
                    ["group_type_id"])
    op.create_table(
        "volume_group_snapshots",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("group_id", sa.String(36), nullable=False),
        sa.Column("group_type_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_group_snapshots")),
    )
    op.create_index(op.f("ix_volume_group_snapshots_project_id"), "volume_group_snapshots",
                    ["project_id"])
    op.create_index(op.f("ix_volume_group_snapshots_group_id"), "volume_group_snapshots",
                    ["group_id"])
    with op.batch_alter_table("volumes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.String(36), nullable=True))
        batch_op.create_index(batch_op.f("ix_volumes_group_id"), ["group_id"])
    with op.batch_alter_table("volume_snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_snapshot_id", sa.String(36), nullable=True))
        batch_op.create_index(batch_op.f("ix_volume_snapshots_group_snapshot_id"),
                              ["group_snapshot_id"])


def downgrade() -> None:
    with op.batch_alter_table("volume_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volume_snapshots_group_snapshot_id"))
        batch_op.drop_column("group_snapshot_id")
    with op.batch_alter_table("volumes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volumes_group_id"))
        batch_op.drop_column("group_id")
    op.drop_table("volume_group_snapshots")
    op.drop_table("volume_groups")
    op.drop_table("volume_group_types")
