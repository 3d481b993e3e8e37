"""orchestration: nested stacks (a template resource's, a group's members) know their parent

Revision ID: 0028_stack_groups
Revises: 0027_octavia
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_stack_groups"
down_revision = "0027_octavia"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orchestration_stacks",
                  sa.Column("parent_id", sa.String(36), nullable=True))
    op.add_column("orchestration_stacks",
                  sa.Column("parent_resource", sa.String(255), nullable=True))
    op.create_index(op.f("ix_orchestration_stacks_parent_id"), "orchestration_stacks",
                    ["parent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_orchestration_stacks_parent_id"), "orchestration_stacks")
    op.drop_column("orchestration_stacks", "parent_resource")
    op.drop_column("orchestration_stacks", "parent_id")
