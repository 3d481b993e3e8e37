"""network: port bindings (binding:host_id, vnic_type, profile, vif_type, vif_details) and
subnet pools (subnet_allocation)

Revision ID: 0009
Revises: 0005 (a branch beside 0006/0007/0008; cheptel.db migrates to "heads")
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subnetpools",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("ip_version", sa.Integer(), nullable=False),
        sa.Column("prefixes", sa.JSON(), nullable=False),
        sa.Column("min_prefixlen", sa.Integer(), nullable=False),
        sa.Column("max_prefixlen", sa.Integer(), nullable=False),
        sa.Column("default_prefixlen", sa.Integer(), nullable=False),
        sa.Column("default_quota", sa.Integer(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subnetpools")),
    )
    with op.batch_alter_table("subnetpools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subnetpools_project_id"), ["project_id"],
                              unique=False)
    with op.batch_alter_table("subnets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subnetpool_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_subnets_subnetpool_id"), ["subnetpool_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_subnets_subnetpool_id"),
                                    "subnetpools", ["subnetpool_id"], ["id"])
    with op.batch_alter_table("ports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("binding_host_id", sa.String(length=255), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("binding_vnic_type", sa.String(length=64),
                                      nullable=False, server_default="normal"))
        batch_op.add_column(sa.Column("binding_profile", sa.JSON(), nullable=False,
                                      server_default="{}"))
        batch_op.add_column(sa.Column("binding_vif_type", sa.String(length=64),
                                      nullable=False, server_default="unbound"))
        batch_op.add_column(sa.Column("binding_vif_details", sa.JSON(), nullable=False,
                                      server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("subnets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_subnets_subnetpool_id"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_subnets_subnetpool_id"))
        batch_op.drop_column("subnetpool_id")
    op.drop_table("subnetpools")
    with op.batch_alter_table("ports", schema=None) as batch_op:
        for column in ("binding_vif_details", "binding_vif_type", "binding_profile",
                       "binding_vnic_type", "binding_host_id"):
            batch_op.drop_column(column)
