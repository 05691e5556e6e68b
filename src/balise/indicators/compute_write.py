"""Many rows into one table, fast: how the indicator engine stores a year of figures.

Going through the ORM costs about 20 µs a row (parameters collected, compiled and
converted one by one): a second for an establishment-year of 47,000 figures, more than
the computation itself. So the rows go straight to the driver, inside the session's
transaction:

* on PostgreSQL, ``COPY … FROM STDIN``, psycopg adapting dates and numbers itself;
* on SQLite, one ``executemany``; a value the dialect stores in its own format (dates
  and times) is converted by SQLAlchemy's bind processor of that column, so the rows
  read back exactly as rows written through the ORM. Such values repeat (a few dozen
  period starts, one time of computation), so each is converted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def write_rows(session: Session, table: Table, columns: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table``."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    raw: Any = session.connection().connection.dbapi_connection
    if raw is None:
        raise RuntimeError("no database connection")
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in columns]
    if any(processors):
        values = [list(column) for column in zip(*rows, strict=True)]
        for i, process in enumerate(processors):
            if process is not None:
                once = {value: process(value) for value in set(values[i])}
                values[i] = [once[value] for value in values[i]]
        rows = list(zip(*values, strict=True))
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES "
                           f"({', '.join('?' for _ in columns)})", rows)
    finally:
        cursor.close()
