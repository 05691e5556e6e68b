"""Shared fixtures: a real database per test, on SQLite or on a real PostgreSQL server.

Choose the engine with ``--db=sqlite`` (default) or ``--db=postgresql``. For PostgreSQL
the suite starts its own server on loopback (``initdb`` + ``pg_ctl``) in a temporary
directory; a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.core.db import make_engine, session_factory
from balise.core.i18n import set_language
from balise.core.migrate import upgrade
from balise.core.settings import Settings
from balise.schema import Base
from balise.web.app import create_app
from tests.factories import Cast, build_cast
from tests.web.conftest import login


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default=os.environ.get("BALISE_TEST_DB", "sqlite"),
                     choices=("sqlite", "postgresql"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    raise RuntimeError(f"PostgreSQL's {name} was not found: install the postgresql package")


class PostgresServer:
    """A throwaway PostgreSQL cluster on loopback, run as a non-root user when needed."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="balise-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True)

    def start(self) -> None:
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "balise", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.dir / "log"),
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                  "-c max_connections=200", "start")

    def stop(self) -> None:
        subprocess.run([*self.as_user, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://balise@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def postgres_server(db_kind: str) -> Iterator[PostgresServer | None]:
    if db_kind != "postgresql":
        yield None
        return
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def template_url(db_kind: str, postgres_server: PostgresServer | None,
                 tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once with Alembic; each test gets a fresh copy of it."""
    if postgres_server is not None:
        admin = make_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE balise_template"))
        admin.dispose()
        url = postgres_server.url("balise_template")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


_counter = iter(range(1_000_000))


@pytest.fixture
def database_url(template_url: str, postgres_server: PostgresServer | None,
                 tmp_path: Path) -> Iterator[str]:
    if postgres_server is None:
        path = tmp_path / "balise.sqlite3"
        shutil.copyfile(template_url.removeprefix("sqlite:///"), path)
        yield f"sqlite:///{path}"
        return
    name = f"balise_t{os.getpid()}_{next(_counter)}"
    admin = make_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE balise_template"))
    yield postgres_server.url(name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


@pytest.fixture
def cast(session: Session) -> Cast:
    """The fixed cast of users and their territory (see tests/factories.py)."""
    return build_cast(session)


@pytest.fixture
def app(engine: Engine, database_url: str, cast: Cast) -> FastAPI:
    return create_app(Settings(database_url=database_url), engine)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Callable[[str | None], TestClient]]:
    """``browser("alice")`` is a client logged in as alice; ``browser(None)`` anonymous."""
    clients: list[TestClient] = []

    def make(username: str | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        clients.append(client)
        return login(client, username) if username else client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(autouse=True)
def _reset_globals() -> Iterator[None]:
    set_language("fr")
    yield
    clock.freeze(None)
    set_language("fr")


__all__ = ["Base"]
