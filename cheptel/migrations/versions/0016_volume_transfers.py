"""volume: transfers of a volume to another project (Cinder v3 os-volume-transfer)

Revision ID: 0016_volume_transfers
Revises: 0015_volume_snapshots
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_volume_transfers"
down_revision = "0015_volume_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_transfers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("source_project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("crypt_hash", sa.String(128), nullable=False),
        sa.Column("no_snapshots", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_transfers")),
    )
    op.create_index(op.f("ix_volume_transfers_volume_id"), "volume_transfers",
                    ["volume_id"])
    op.create_index(op.f("ix_volume_transfers_source_project_id"), "volume_transfers",
                    ["source_project_id"])


def downgrade() -> None:
    op.drop_table("volume_transfers")
