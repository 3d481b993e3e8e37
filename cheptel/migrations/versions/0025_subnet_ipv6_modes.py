"""network: IPv6 subnets' ipv6_ra_mode and ipv6_address_mode

Revision ID: 0025_subnet_ipv6_modes
Revises: 0024_console_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_subnet_ipv6_modes"
down_revision = "0024_console_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subnets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ipv6_ra_mode", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("ipv6_address_mode", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subnets", schema=None) as batch_op:
        batch_op.drop_column("ipv6_address_mode")
        batch_op.drop_column("ipv6_ra_mode")
