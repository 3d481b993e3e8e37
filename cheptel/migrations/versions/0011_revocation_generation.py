"""identity: the revocation generation, one counter every token-changing write bumps (the
in-process token cache checks it on every request; see cheptel/identity/service/token_cache)

Revision ID: 0011_revocation
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_revocation"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "revocation_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revocation_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("revocation_generation")
