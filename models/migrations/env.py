"""Alembic environment: the target is ``SQLModel.metadata`` (every table in models/).

Run by ``models.db.migrate`` (which passes an open connection in ``config.attributes["connection"]``) or by
the alembic command line: ``alembic -c models/migrations/alembic.ini -x url=sqlite:///data/x.db upgrade head``
(``revision --autogenerate -m "..."`` writes a new revision). SQLite uses batch mode (table rebuilds).
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.archive import include_name

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: pass -x url=... (or call models.db.migrate(url))")
    from models.db import normalize_url

    return normalize_url(url)


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, include_name=include_name, **kwargs)


def run_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"),
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from models.db import make_engine

    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
