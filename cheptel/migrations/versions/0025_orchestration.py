"""orchestration: stacks, their resources and events

Revision ID: 0025_orchestration
Revises: 0024_console_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_orchestration"
down_revision = "0024_console_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orchestration_stacks",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("environment", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("disable_rollback", sa.Boolean(), nullable=False),
        sa.Column("timeout_mins", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.Column("action_started", sa.Float(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orchestration_stacks")),
    )
    op.create_index(op.f("ix_orchestration_stacks_name"), "orchestration_stacks", ["name"])
    op.create_index(op.f("ix_orchestration_stacks_project_id"), "orchestration_stacks",
                    ["project_id"])
    op.create_table(
        "orchestration_resources",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("physical_id", sa.String(255), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["orchestration_stacks.id"],
                                name=op.f("fk_orchestration_resources_stack_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orchestration_resources")),
        sa.UniqueConstraint("stack_id", "name",
                            name=op.f("uq_orchestration_resources_stack_id")),
    )
    op.create_index(op.f("ix_orchestration_resources_stack_id"), "orchestration_resources",
                    ["stack_id"])
    op.create_table(
        "orchestration_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("resource_name", sa.String(255), nullable=False),
        sa.Column("physical_id", sa.String(255), nullable=False),
        sa.Column("resource_type", sa.String(255), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["orchestration_stacks.id"],
                                name=op.f("fk_orchestration_events_stack_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_orchestration_events")),
        sa.UniqueConstraint("id", name=op.f("uq_orchestration_events_id")),
    )
    op.create_index(op.f("ix_orchestration_events_stack_id"), "orchestration_events",
                    ["stack_id"])


def downgrade() -> None:
    op.drop_table("orchestration_events")
    op.drop_table("orchestration_resources")
    op.drop_table("orchestration_stacks")
