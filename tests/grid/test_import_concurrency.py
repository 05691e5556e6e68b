"""Two imports of the same file at once create its records once, on both engines."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from balise.grid import imports
from balise.grid.imports import ImportReport, import_file
from balise.grid.io_schema import Kind
from balise.grid.models import Visit
from tests.factories import Cast
from tests.grid.io_samples import visits_file


def _race(factory: sessionmaker[Session], cast: Cast) -> tuple[ImportReport, ImportReport]:
    """A imports and holds its transaction open; B imports the same file meanwhile."""
    reports: dict[str, ImportReport] = {}
    a_wrote, release_a = threading.Event(), threading.Event()

    def first() -> None:
        with factory() as session:
            reports["a"] = import_file(session, Kind.VISITS, "v.csv", visits_file(),
                                       establishment_id=cast.est_a.id)
            a_wrote.set()
            release_a.wait(timeout=30)
            session.commit()

    def second() -> None:
        with factory() as session:
            reports["b"] = import_file(session, Kind.VISITS, "v.csv", visits_file(),
                                       establishment_id=cast.est_a.id)
            session.commit()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    assert a_wrote.wait(timeout=30)
    b.start()
    time.sleep(0.5)  # B reaches the lock (or, unguarded, reads and writes) before A commits
    release_a.set()
    a.join(timeout=60)
    b.join(timeout=60)
    return reports["a"], reports["b"]


def _visits(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Visit)) or 0)


def test_the_second_import_waits_and_finds_everything_unchanged(
        factory: sessionmaker[Session], cast: Cast) -> None:
    first, second = _race(factory, cast)
    assert first.created == 4
    assert (second.created, second.unchanged) == (0, 4)
    assert _visits(factory) == 4


def test_without_the_lock_the_same_visits_are_created_twice(
        factory: sessionmaker[Session], engine: Engine, cast: Cast,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: the lock, not luck, keeps a file's records single."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers before any statement; no race to show")
    monkeypatch.setattr(imports, "_serialize_imports", lambda *args: None)
    first, second = _race(factory, cast)
    assert first.created == second.created == 4
    assert _visits(factory) == 8
