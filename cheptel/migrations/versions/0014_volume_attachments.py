"""volume: attachments (Cinder's attachments and Nova's volume BDMs, one row each),
and the image a volume was made from

Revision ID: 0014_volume_attachments
Revises: 0013_volume_more
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_volume_attachments"
down_revision = "0013_volume_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_attachments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("server_id", sa.String(64), nullable=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("bdm_uuid", sa.String(36), nullable=False),
        sa.Column("device", sa.String(255), nullable=True),
        sa.Column("mode", sa.String(2), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("tag", sa.String(60), nullable=True),
        sa.Column("delete_on_termination", sa.Boolean(), nullable=False),
        sa.Column("boot_index", sa.Integer(), nullable=True),
        sa.Column("host_name", sa.String(255), nullable=True),
        sa.Column("connector", sa.JSON(), nullable=True),
        sa.Column("busy_passes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("attached_at", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_volume_attachments_volume_id", "volume_attachments", ["volume_id"])
    op.create_index("ix_volume_attachments_server_id", "volume_attachments", ["server_id"])
    with op.batch_alter_table("volumes") as batch:
        batch.add_column(sa.Column("image_meta", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("volumes") as batch:
        batch.drop_column("image_meta")
    op.drop_index("ix_volume_attachments_server_id", "volume_attachments")
    op.drop_index("ix_volume_attachments_volume_id", "volume_attachments")
    op.drop_table("volume_attachments")
