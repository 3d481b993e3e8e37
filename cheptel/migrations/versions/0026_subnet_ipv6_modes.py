"""network: IPv6 subnets' ipv6_ra_mode and ipv6_address_mode

Revision ID: 0026_subnet_ipv6_modes
Revises: 0025_orchestration
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_subnet_ipv6_modes"
down_revision = "0025_orchestration"
branch_labels = None
depends_on = None


# plain ALTER TABLE (SQLite 3.35+ drops a column in place): a batch operation would copy
# the table, which ip_allocations' foreign key forbids while foreign_keys is on

def upgrade() -> None:
    op.add_column("subnets", sa.Column("ipv6_ra_mode", sa.String(16), nullable=True))
    op.add_column("subnets", sa.Column("ipv6_address_mode", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("subnets", "ipv6_address_mode")
    op.drop_column("subnets", "ipv6_ra_mode")
