"""compute: serial console tokens (one-time, expiring)

Revision ID: 0024_console_tokens
Revises: 0023_volume_qos
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_console_tokens"
down_revision = "0023_volume_qos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("server_id", sa.String(64), nullable=False),
        sa.Column("console_type", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_tokens")),
    )
    op.create_index(op.f("ix_console_tokens_server_id"), "console_tokens", ["server_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_tokens_server_id"), table_name="console_tokens")
    op.drop_table("console_tokens")
