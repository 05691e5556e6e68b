"""Database engine and sessions, on SQLite (embedded default) or PostgreSQL.

Every connection is checked for durable commits: SQLite in WAL mode with
``synchronous=FULL`` (a committed transaction survives power loss, not only a crash of
the process) and foreign keys on; PostgreSQL with ``synchronous_commit=on``. The field
app acknowledges a record only after its commit, so a weaker setting would let an
acknowledged record vanish. Balise refuses to start without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from balise.core.errors import ConfigError, DatabaseUnavailable
from balise.core.settings import check_database_url

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, **kwargs: Any) -> Engine:
    check_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(
                hide_password=False
            )
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        event.listen(engine, "connect", _postgres_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin) so that transactions
    # start as IMMEDIATE: two writers then queue on the busy timeout instead of one
    # failing with "database is locked" when it upgrades its read lock.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    sync = cursor.execute("PRAGMA synchronous").fetchone()[0]
    fks = cursor.execute("PRAGMA foreign_keys").fetchone()[0]
    cursor.close()
    # An in-memory database cannot use WAL; it holds nothing to lose either.
    if (mode not in ("wal", "memory")) or sync != 2 or fks != 1:
        raise ConfigError(
            "database_durability", detail=f"journal_mode={mode} synchronous={sync}"
        )


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit = on")
    cursor.execute("SHOW synchronous_commit")
    value = cursor.fetchone()[0]
    cursor.execute("SHOW fsync")
    fsync = cursor.fetchone()[0]
    cursor.close()
    dbapi_connection.commit()
    if value != "on" or fsync != "on":
        raise ConfigError(
            "database_durability", detail=f"synchronous_commit={value} fsync={fsync}"
        )


def check_connection(engine: Engine) -> None:
    """Open one connection now, so a wrong URL fails at start with a clear message."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            url=engine.url.render_as_string(hide_password=True), detail=detail
        ) from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
