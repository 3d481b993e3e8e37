"""object store: accounts, containers, objects (Swift v1)

Revision ID: 0020_object_store
Revises: 0019_volume_backups
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_object_store"
down_revision = "0019_volume_backups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "swift_accounts",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("sysmeta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_swift_accounts")),
    )
    op.create_table(
        "swift_containers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("sysmeta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swift_containers")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_swift_containers_project_id")),
    )
    op.create_index(op.f("ix_swift_containers_project_id"), "swift_containers",
                    ["project_id"])
    op.create_table(
        "swift_objects",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("container_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(1024), nullable=False),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(256), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("delete_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["container_id"], ["swift_containers.id"],
                                name=op.f("fk_swift_objects_container_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swift_objects")),
        sa.UniqueConstraint("container_id", "name", name=op.f("uq_swift_objects_container_id")),
    )
    op.create_index("ix_swift_objects_delete_at", "swift_objects", ["delete_at"])


def downgrade() -> None:
    op.drop_index("ix_swift_objects_delete_at", table_name="swift_objects")
    op.drop_table("swift_objects")
    op.drop_index(op.f("ix_swift_containers_project_id"), table_name="swift_containers")
    op.drop_table("swift_containers")
    op.drop_table("swift_accounts")
