"""image metadata definitions (Glance's metadefs catalog)

Revision ID: 0007
Revises: 0005 (a branch beside 0006/0008/0009; cheptel.db migrates to "heads")

Seeds the resource types that Glance's shipped definitions (etc/metadefs, loaded by
`glance-manage db_load_metadefs`) associate namespaces with, protected as that loader
marks them.
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

SEEDED_RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor",
                         "OS::Nova::Aggregate", "OS::Nova::Server", "OS::Trove::Instance")


def _times() -> list[sa.Column]:
    return [sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("updated_at", sa.Float(), nullable=False)]


def _content(table: str, *columns: sa.Column) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        *columns,
        *_times(),
        sa.ForeignKeyConstraint(["namespace_id"], ["metadef_namespaces.id"],
                                name=op.f(f"fk_{table}_namespace_id"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("namespace_id", "name", name=op.f(f"uq_{table}_namespace_id")),
    )


def upgrade() -> None:
    op.create_table(
        "metadef_namespaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("namespace", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=32), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metadef_namespaces")),
        sa.UniqueConstraint("namespace", name=op.f("uq_metadef_namespaces_namespace")),
    )
    op.create_index(op.f("ix_metadef_namespaces_owner"), "metadef_namespaces", ["owner"])
    resource_types = op.create_table(
        "metadef_resource_types",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metadef_resource_types")),
        sa.UniqueConstraint("name", name=op.f("uq_metadef_resource_types_name")),
    )
    op.create_table(
        "metadef_namespace_resource_types",
        sa.Column("resource_type_id", sa.Integer(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("properties_target", sa.String(length=80), nullable=True),
        sa.Column("prefix", sa.String(length=80), nullable=True),
        *_times(),
        sa.ForeignKeyConstraint(["namespace_id"], ["metadef_namespaces.id"],
                                name=op.f("fk_metadef_namespace_resource_types_namespace_id"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_type_id"], ["metadef_resource_types.id"],
                                name=op.f("fk_metadef_namespace_resource_types_resource_type_id")),
        sa.PrimaryKeyConstraint("resource_type_id", "namespace_id",
                                name=op.f("pk_metadef_namespace_resource_types")),
    )
    op.create_index(op.f("ix_metadef_namespace_resource_types_namespace_id"),
                    "metadef_namespace_resource_types", ["namespace_id"])
    _content("metadef_objects", sa.Column("description", sa.Text(), nullable=True),
             sa.Column("required", sa.Text(), nullable=False),
             sa.Column("json_schema", sa.Text(), nullable=False))
    _content("metadef_properties", sa.Column("json_schema", sa.Text(), nullable=False))
    _content("metadef_tags")
    now = time.time()
    op.bulk_insert(resource_types, [{"name": n, "protected": True, "created_at": now,
                                     "updated_at": now} for n in SEEDED_RESOURCE_TYPES])


def downgrade() -> None:
    for table in ("metadef_tags", "metadef_properties", "metadef_objects"):
        op.drop_table(table)
    op.drop_index(op.f("ix_metadef_namespace_resource_types_namespace_id"),
                  table_name="metadef_namespace_resource_types")
    op.drop_table("metadef_namespace_resource_types")
    op.drop_table("metadef_resource_types")
    op.drop_index(op.f("ix_metadef_namespaces_owner"), table_name="metadef_namespaces")
    op.drop_table("metadef_namespaces")
