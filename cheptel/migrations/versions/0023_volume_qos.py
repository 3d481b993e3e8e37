"""volume: QoS specs, and the one a volume type is associated with (Cinder v3)

Revision ID: 0023_volume_qos
Revises: 0020_object_store
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_volume_qos"
down_revision = "0020_object_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_qos_specs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("consumer", sa.String(16), nullable=False),
        sa.Column("specs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_qos_specs")),
        sa.UniqueConstraint("name", name=op.f("uq_volume_qos_specs_name")),
    )
    with op.batch_alter_table("volume_types") as batch:
        batch.add_column(sa.Column("qos_specs_id", sa.String(36), nullable=True))
        batch.create_index(batch.f("ix_volume_types_qos_specs_id"), ["qos_specs_id"])


def downgrade() -> None:
    with op.batch_alter_table("volume_types") as batch:
        batch.drop_index(batch.f("ix_volume_types_qos_specs_id"))
        batch.drop_column("qos_specs_id")
    op.drop_table("volume_qos_specs")
