"""Database engines, sessions and migrations, for SQLite (the embedded default) and PostgreSQL.

Contract
- ``make_engine(url)``: ``sqlite:///path`` gets WAL, ``synchronous=FULL`` (a commit survives power loss),
  ``busy_timeout`` and enforced foreign keys on every connection, and its transactions are begun
  explicitly so ``immediate(session)`` can make one a write transaction (``BEGIN IMMEDIATE``: the write
  lock is taken up front, so a read-then-write transaction never fails with "database is locked").
  ``postgresql://`` and ``postgresql+psycopg://`` use psycopg 3.
- ``make_sessions(engine)``: the session factory (objects stay readable after commit).
- ``migrate(url)`` / ``migrate_engine(engine)`` upgrade the schema to the newest Alembic revision; safe to
  call from several processes at once (PostgreSQL advisory lock, SQLite write lock). The service calls
  it on start. Nothing here reads the environment.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.writelock import LockingConnection, writer_lock

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BEGIN_IMMEDIATE = "invoice_capture_begin_immediate"  # execution option read by the SQLite "begin" hook
SQLITE_BUSY_MS = 30_000
_MIGRATION_LOCK_ID = 0x1C_0001
# Connections kept open per process: as many as the threads that serve requests at once (anyio's default
# pool of 40) so a burst of uploads never opens and closes connections (measured: ~15% of an upload's time
# with the default 5 + 10 overflow on SQLite; a PostgreSQL connection costs more). Opened lazily.
POOL = {"pool_size": 40, "max_overflow": 20}  # pg_advisory_xact_lock key: one migrator at a time


def sqlite_url(data_dir: Path | str) -> str:
    """The embedded default: ``sqlite:///<data dir>/invoice-capture.db`` (absolute path)."""
    return f"sqlite:///{(Path(data_dir) / 'invoice-capture.db').resolve()}"


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalize_url(url)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, **POOL)


def _sqlite_engine(url: sa.URL, *, echo: bool) -> Engine:
    database = url.database or ""
    memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000, "factory": LockingConnection},
        **({"poolclass": sa.pool.StaticPool} if memory else POOL),
    )
    lock = writer_lock(str(Path(database).resolve()) if not memory else f"memory:{id(engine)}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # the driver's implicit BEGIN is replaced by _on_begin
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        if not memory:
            _wal(cur)
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE)
        if immediate:  # queue for the write lock in this process first (models/writelock.py)
            conn.connection.dbapi_connection.hold(lock, SQLITE_BUSY_MS / 1000)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _wal(cur) -> None:
    """WAL mode (persistent in the file). Switching needs a moment alone with a new file, which the busy
    handler does not wait for: retry while other connections are opening it too."""
    for attempt in range(200):
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.05)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def immediate(session: Session) -> Session:
    """Begin the session's next transaction as a write transaction (call before its first statement).

    On SQLite this is ``BEGIN IMMEDIATE``; on PostgreSQL row locks do the work and this changes nothing.
    """
    if session.in_transaction() and session.get_transaction().connections:  # type: ignore[union-attr]
        return session  # already begun: too late to change how, and not an error
    session.connection(execution_options={BEGIN_IMMEDIATE: True})
    return session


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


# ------------------------------------------------------------------------------------------ migrations


def alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Upgrade the database at ``url`` to the newest revision."""
    engine = make_engine(url)
    try:
        migrate_engine(engine)
    finally:
        engine.dispose()


def migrate_engine(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the schema to ``revision``."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # table rebuilds in batch migrations must not cascade: foreign keys off for this connection
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # outside any transaction
            conn = conn.execution_options(**{BEGIN_IMMEDIATE: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
        if engine.dialect.name == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()



@contextlib.contextmanager
def scratch_postgres_database(server_url: str, *, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``<prefix><random>`` on the server of ``server_url`` (created through
    its ``postgres`` maintenance database; the database named in the URL is never touched), dropped on exit.
    Yields its URL. For test and benchmark runs that must never collide."""
    import secrets

    import psycopg
    from psycopg import sql

    server = sa.make_url(normalize_url(server_url))
    name = f"{prefix}{secrets.token_hex(6)}"
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
