"""joins the identity (0006), image metadefs (0007), compute (0008) and network (0009) branches

Revision ID: 0010
Revises: 0006, 0007, 0008, 0009
"""

revision = "0010"
down_revision = ("0006", "0007", "0008", "0009")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
