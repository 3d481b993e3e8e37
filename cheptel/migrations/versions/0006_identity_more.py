"""identity: Keystone's "extra" attributes, credentials, policies, OAuth1 consumers,
inherited role assignments (OS-INHERIT), endpoint groups and project endpoints (OS-EP-FILTER)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ASSIGNMENT_KEY = ["actor_type", "actor_id", "target_type", "target_id", "role_id"]
EXTRA_TABLES = ("domains", "projects", "users", "groups", "roles", "regions", "services",
                "endpoints")


def upgrade() -> None:
    for table in EXTRA_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("extra", sa.JSON(), nullable=True))
    with op.batch_alter_table("assignments", recreate="always") as batch:
        batch.add_column(sa.Column("inherited", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.drop_constraint("pk_assignments", type_="primary")
        batch.create_primary_key("pk_assignments", ASSIGNMENT_KEY + ["inherited"])
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("encrypted_blob", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_credentials_user_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
    )
    with op.batch_alter_table("credentials") as batch:
        batch.create_index(batch.f("ix_credentials_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_credentials_project_id"), ["project_id"], unique=False)
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("blob", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    op.create_table(
        "oauth1_consumers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("encrypted_secret", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth1_consumers")),
    )
    op.create_table(
        "endpoint_groups",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoint_groups")),
    )
    op.create_table(
        "project_endpoint_groups",
        sa.Column("endpoint_group_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_group_id"], ["endpoint_groups.id"],
                                name=op.f("fk_project_endpoint_groups_endpoint_group_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("endpoint_group_id", "project_id",
                                name=op.f("pk_project_endpoint_groups")),
    )
    op.create_index(op.f("ix_project_endpoint_groups_project_id"), "project_endpoint_groups",
                    ["project_id"], unique=False)
    op.create_table(
        "project_endpoints",
        sa.Column("endpoint_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["endpoints.id"],
                                name=op.f("fk_project_endpoints_endpoint_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("endpoint_id", "project_id", name=op.f("pk_project_endpoints")),
    )
    op.create_index(op.f("ix_project_endpoints_project_id"), "project_endpoints",
                    ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_table("project_endpoints")
    op.drop_table("project_endpoint_groups")
    op.drop_table("endpoint_groups")
    op.drop_table("oauth1_consumers")
    op.drop_table("policies")
    op.drop_table("credentials")
    op.execute("DELETE FROM assignments WHERE inherited")
    with op.batch_alter_table("assignments", recreate="always") as batch:
        batch.drop_constraint("pk_assignments", type_="primary")
        batch.create_primary_key("pk_assignments", ASSIGNMENT_KEY)
        batch.drop_column("inherited")
    for table in EXTRA_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("extra")
