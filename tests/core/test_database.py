"""The database: migrations, durability settings and clear errors on bad configuration."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from balise.core.db import check_connection, make_engine
from balise.core.errors import ConfigError, DatabaseUnavailable
from balise.core.settings import Settings


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"establishment", "team", "worker", "client", "care_plan_item", "act",
            "reference_time", "visit", "visit_act", "waiting_list_entry", "app_user"} <= tables


def test_every_connection_commits_durably(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        else:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"


@pytest.mark.parametrize("url", [
    "not a url",                       # no scheme at all
    "mysql://user@localhost/balise",   # an engine Balise does not support
])
def test_malformed_database_url_is_refused_clearly(url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"BALISE_DATABASE_URL": url})
    assert "URL" in raised.value.message()


def test_unreachable_database_says_so_in_french() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(DatabaseUnavailable) as raised:
        check_connection(engine)
    assert "joindre" in raised.value.message()
