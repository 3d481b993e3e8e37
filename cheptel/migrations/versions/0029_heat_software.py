"""orchestration: software configs (/software_configs, OS::Heat::SoftwareConfig and kin)
and software deployments (/software_deployments)

Revision ID: 0029_heat_software
Revises: 0028_stack_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_heat_software"
down_revision = "0028_stack_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orchestration_software_configs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("group", sa.String(255), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orchestration_software_configs")),
    )
    op.create_index(op.f("ix_orchestration_software_configs_project_id"),
                    "orchestration_software_configs", ["project_id"])
    op.create_table(
        "orchestration_software_deployments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("config_id", sa.String(36), nullable=False),
        sa.Column("server_id", sa.String(255), nullable=False),
        sa.Column("input_values", sa.JSON(), nullable=False),
        sa.Column("output_values", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orchestration_software_deployments")),
    )
    op.create_index(op.f("ix_orchestration_software_deployments_project_id"),
                    "orchestration_software_deployments", ["project_id"])
    op.create_index(op.f("ix_orchestration_software_deployments_server_id"),
                    "orchestration_software_deployments", ["server_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_orchestration_software_deployments_server_id"),
                  "orchestration_software_deployments")
    op.drop_index(op.f("ix_orchestration_software_deployments_project_id"),
                  "orchestration_software_deployments")
    op.drop_table("orchestration_software_deployments")
    op.drop_index(op.f("ix_orchestration_software_configs_project_id"),
                  "orchestration_software_configs")
    op.drop_table("orchestration_software_configs")
