"""volume: services, type access, quota classes (Cinder v3)

Revision ID: 0013_volume_more
Revises: 0012_volume
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_volume_more"
down_revision = "0012_volume"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_services",
        sa.Column("binary", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("binary", "host"),
    )
    op.create_table(
        "volume_type_projects",
        sa.Column("type_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("type_id", "project_id"),
    )
    op.create_table(
        "volume_quota_classes",
        sa.Column("class_name", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("class_name", "resource"),
    )


def downgrade() -> None:
    op.drop_table("volume_quota_classes")
    op.drop_table("volume_type_projects")
    op.drop_table("volume_services")
