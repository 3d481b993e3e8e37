"""compute: access IPs and disk config kept per server, per-user quotas; the unused
addresses column goes

Revision ID: 0008
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compute_user_quotas",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "user_id", "resource",
                                name=op.f("pk_compute_user_quotas")),
    )
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_ipv4", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("access_ipv6", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("disk_config", sa.String(length=8), nullable=False,
                                      server_default="MANUAL"))
        batch_op.drop_column("addresses")


def downgrade() -> None:
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("addresses", sa.JSON(), nullable=False,
                                      server_default="{}"))
        batch_op.drop_column("disk_config")
        batch_op.drop_column("access_ipv6")
        batch_op.drop_column("access_ipv4")
    op.drop_table("compute_user_quotas")
