"""Alembic environment: cheptel passes the connection in (see cheptel.db.migrate)."""

from alembic import context

from cheptel.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic revision --autogenerate` from a developer's shell
    from cheptel.db import make_engine

    connection = make_engine(context.config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
