"""orchestration: a stack keeps the definition an update replaced, to roll back to

Revision ID: 0030_stack_rollback
Revises: 0029_heat_software
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_stack_rollback"
down_revision = "0029_heat_software"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orchestration_stacks", sa.Column("previous", sa.JSON(), nullable=True))
    op.add_column("orchestration_stacks",
                  sa.Column("update_rollback", sa.Boolean(), nullable=False,
                            server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("orchestration_stacks", "update_rollback")
    op.drop_column("orchestration_stacks", "previous")
