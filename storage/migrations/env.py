"""Alembic environment: runs on the connection the bot hands over (see storage.db.migrate)."""

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    # `alembic revision --autogenerate` from the command line: -x url=sqlite:///scratch.db
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///alliance.db")
    with create_engine(url).connect() as conn:
        run(conn)
