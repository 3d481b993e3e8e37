"""volume: user messages (/messages) and uploads to an image (os-volume_upload_image)

Revision ID: 0017_volume_messages
Revises: 0016_volume_transfers
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_volume_messages"
down_revision = "0016_volume_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("resource_type", sa.String(255), nullable=True),
        sa.Column("resource_uuid", sa.String(36), nullable=True),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("action_id", sa.String(10), nullable=True),
        sa.Column("detail_id", sa.String(10), nullable=True),
        sa.Column("message_level", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_volume_messages_project_id"), "volume_messages", ["project_id"])
    op.create_index(op.f("ix_volume_messages_expires_at"), "volume_messages", ["expires_at"])
    op.create_table(
        "volume_uploads",
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("previous_status", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("volume_id"),
    )


def downgrade() -> None:
    op.drop_table("volume_uploads")
    op.drop_index("ix_volume_messages_expires_at", "volume_messages")
    op.drop_index("ix_volume_messages_project_id", "volume_messages")
    op.drop_table("volume_messages")
