"""Alembic environment: runs migrations online against the URL that :mod:`geo112.store.migrate` passes in."""

from alembic import context
from sqlalchemy import create_engine, pool

from geo112.store.models import Base

config = context.config


def run_migrations_online() -> None:
    """Apply migrations in one transaction per run."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None, "geo112.store.migrate passes the database URL"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
