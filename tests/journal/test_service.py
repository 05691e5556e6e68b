"""The journal in a real database, on SQLite and PostgreSQL.

Whoever holds the database can drop the triggers and rewrite rows; these tests do just
that, with raw SQL, and require the verification to name the entry they touched.
"""

from __future__ import annotations

import json
import string
import threading
from datetime import datetime
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.core.db import transaction
from balise.core.i18n import catalog, language
from balise.journal import actions, service
from balise.journal.chain import (
    CONTENT,
    GENESIS,
    LINK,
    REWRITTEN,
    SEQUENCE,
    TRUNCATED,
    ChainEntry,
    entry_hash,
    verify_export,
)
from balise.journal.models import AppendOnly, JournalEntry
from balise.schema import Base
from balise.territory.models import Establishment

MOMENT = datetime(2026, 11, 23, 9, 30)


@pytest.fixture
def establishment(session: Session) -> Establishment:
    est = Establishment(code="EST-A", name="CISSS A")
    session.add(est)
    session.commit()
    return est


def adopt(session: Session, n: int, establishment_id: int | None = None) -> None:
    """n committee acts, each journaled and committed as its own unit of work."""
    for i in range(1, n + 1):
        service.append(session, action="committee.proposal.adopted", subject=f"proposal:{i}",
                       payload={"note": f"accord nº {i} — équipe « T1 »"},
                       actor_user_id=7, establishment_id=establishment_id)
        session.commit()


def drop_guards(conn: Connection) -> None:
    """What someone with the database's password can do first."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER journal_entry_no_update_delete ON journal_entry"))
        conn.execute(text("DROP TRIGGER journal_entry_no_truncate ON journal_entry"))
    else:
        conn.execute(text("DROP TRIGGER journal_entry_no_update"))
        conn.execute(text("DROP TRIGGER journal_entry_no_delete"))


def test_appended_entries_form_a_valid_chain(session: Session, establishment: Establishment) -> None:
    clock.freeze(MOMENT)
    adopt(session, 3, establishment.id)
    rows = session.scalars(select(JournalEntry).order_by(JournalEntry.seq)).all()
    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert rows[0].at == MOMENT and rows[0].establishment_id == establishment.id
    assert json.loads(rows[0].payload) == {"note": "accord nº 1 — équipe « T1 »"}
    result = service.verify(session)
    assert (result.ok, result.count, result.head_hash) == (True, 3, rows[-1].hash)
    assert service.head(session) == result.head


def test_stored_hash_is_the_chain_hash_of_the_stored_row(session: Session) -> None:
    clock.freeze(datetime(2026, 11, 23, 9, 30, 15, 999))  # microseconds are not kept
    entry = service.append(session, action="grid.reference_time.changed", subject="act:BAIN",
                           payload={"act": "BAIN", "minutes": 35, "valid_from": "2027-01-04"})
    session.commit()
    assert entry.hash == entry_hash(ChainEntry(
        seq=1, at="2026-11-23T09:30:15", establishment_id=None, actor_user_id=None,
        action="grid.reference_time.changed", subject="act:BAIN",
        payload={"act": "BAIN", "minutes": 35, "valid_from": "2027-01-04"},
        prev_hash=GENESIS, hash=""))
    assert service.verify(session).ok


def test_entry_commits_or_rolls_back_with_the_change(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as session:
        service.append(session, action="committee.decision.recorded", subject="decision:1")
        raise RuntimeError("the change failed after journaling")
    with factory() as session:
        assert service.head(session).count == 0
        adopt(session, 1)
        assert service.verify(session).count == 1


@pytest.mark.parametrize(("action", "payload"), [
    ("committee.proposal.voted", {}),                          # no such action in the registry
    ("grid.reference_time.changed", {"act": "BAIN"}),          # sentence needs minutes, valid_from
    ("committee.stance.recorded", {"side": "management"}),     # not a side Balise knows
    ("committee.decision.recorded", {"ratio": 0.5}),           # floats do not hash stably
])
def test_malformed_entry_is_refused_and_nothing_written(
    session: Session, action: str, payload: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        service.append(session, action=action, subject="x:1", payload=payload)
    session.rollback()
    assert service.head(session).count == 0


def test_verify_on_empty_journal(session: Session) -> None:
    result = service.verify(session)
    assert (result.ok, result.count, result.head_hash) == (True, 0, GENESIS)


# --- the database refuses changes ---------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE journal_entry SET payload = '{}' WHERE seq = 1",
    "DELETE FROM journal_entry WHERE seq = 1",
    "DELETE FROM journal_entry",
])
def test_database_refuses_update_and_delete(session: Session, engine: Engine, statement: str) -> None:
    adopt(session, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert service.verify(session).count == 2


def test_postgresql_refuses_truncate(session: Session, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    adopt(session, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE journal_entry"))


def test_application_cannot_update_or_delete_through_the_orm(session: Session) -> None:
    adopt(session, 1)
    entry = session.get(JournalEntry, 1)
    assert entry is not None
    entry.payload = "{}"
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.get(JournalEntry, 1))
    with pytest.raises(AppendOnly):
        session.flush()


def test_service_offers_no_way_to_change_an_entry() -> None:
    verbs = {name.split("_")[0] for name in dir(service) if not name.startswith("_")}
    assert not verbs & {"update", "delete", "remove", "edit", "change", "set", "truncate"}


# --- tampering with raw SQL, guards dropped -------------------------------------------

@pytest.mark.parametrize(("statement", "reason", "seq"), [
    # The bar: a row changed directly in the database.
    ("UPDATE journal_entry SET payload = '{\"note\":\"désaccord\"}' WHERE seq = 3", CONTENT, 3),
    # Equivalent JSON is still a change of the row.
    ("UPDATE journal_entry SET payload = '{\"note\": \"accord nº 3 — équipe « T1 »\"}' WHERE seq = 3",
     CONTENT, 3),
    ("UPDATE journal_entry SET action = 'committee.proposal.filed' WHERE seq = 4", CONTENT, 4),
    ("UPDATE journal_entry SET actor_user_id = 8 WHERE seq = 2", CONTENT, 2),
    ("UPDATE journal_entry SET at = :later WHERE seq = 5", CONTENT, 5),
    ("UPDATE journal_entry SET hash = :forged WHERE seq = 1", CONTENT, 1),
    ("UPDATE journal_entry SET prev_hash = :forged WHERE seq = 6", LINK, 6),
    # An entry removed from the middle.
    ("DELETE FROM journal_entry WHERE seq = 3", SEQUENCE, 3),
])
def test_row_changed_in_the_database_is_named(
    session: Session, engine: Engine, statement: str, reason: str, seq: int
) -> None:
    clock.freeze(MOMENT)
    adopt(session, 6)
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text(statement), {"later": datetime(2026, 11, 23, 9, 30, 1),
                                       "forged": "a" * 64})
    result = service.verify(session)
    assert (result.ok, result.reason_code, result.first_broken_seq) == (False, reason, seq)
    with language("fr"):
        assert f"L'entrée {seq} " in result.message()
    with language("en"):
        assert f"Entry {seq} " in result.message()


def test_time_edited_by_a_microsecond_is_caught(session: Session, engine: Engine) -> None:
    clock.freeze(MOMENT)
    adopt(session, 2)
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text("UPDATE journal_entry SET at = :at WHERE seq = 2"),
                     {"at": datetime(2026, 11, 23, 9, 30, 0, 1)})
    assert service.verify(session).first_broken_seq == 2


def test_unreadable_time_is_reported_not_raised(session: Session, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite lets a column hold text that is not a timestamp")
    adopt(session, 2)
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text("UPDATE journal_entry SET at = 'yesterday' WHERE seq = 1"))
    assert service.verify(session).first_broken_seq == 1


def test_truncated_tail_is_caught_by_the_kept_head(session: Session, engine: Engine) -> None:
    adopt(session, 6)
    kept = service.head(session)  # printed in the minutes, say
    session.rollback()  # end the read: on SQLite every transaction holds the write lock
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text("DELETE FROM journal_entry WHERE seq > 4"))
    assert service.verify(session).ok  # a shorter chain is intact in itself
    result = service.verify(session, kept=[kept])
    assert (result.ok, result.reason_code, result.first_broken_seq) == (False, TRUNCATED, 5)


def test_whole_chain_rewritten_is_caught_by_the_kept_head(session: Session, engine: Engine) -> None:
    adopt(session, 6)
    kept = service.head(session)
    # The attacker edits entry 2 and recomputes every hash after it, with Balise's own code.
    data = service.export(session)
    session.rollback()
    with engine.begin() as conn:
        drop_guards(conn)
        prev = data["entries"][0]["hash"]
        for row in data["entries"][1:]:
            if row["seq"] == 2:
                row["payload"] = {"note": "désaccord"}
            entry = ChainEntry(**{**row, "prev_hash": prev, "hash": ""})
            row["hash"], row["prev_hash"] = entry_hash(entry), prev
            conn.execute(text("UPDATE journal_entry SET payload = :payload, prev_hash = :prev, "
                              "hash = :hash WHERE seq = :seq"),
                         {"payload": json.dumps(row["payload"], ensure_ascii=False,
                                                separators=(",", ":"), sort_keys=True),
                          "prev": prev, "hash": row["hash"], "seq": row["seq"]})
            prev = row["hash"]
    assert service.verify(session).ok
    result = service.verify(session, kept=[kept])
    assert (result.ok, result.reason_code, result.first_broken_seq) == (False, REWRITTEN, 6)


# --- export ---------------------------------------------------------------------------

def test_export_carries_entries_and_head(session: Session, establishment: Establishment) -> None:
    clock.freeze(MOMENT)
    adopt(session, 3, establishment.id)
    data = json.loads(json.dumps(service.export(session), ensure_ascii=False))
    assert data["format"] == "balise-journal/1"
    assert data["exported_at"] == "2026-11-23T09:30:00"
    assert data["head"] == {"count": 3, "hash": service.head(session).hash}
    first = data["entries"][0]
    assert first == {"seq": 1, "at": "2026-11-23T09:30:00", "establishment_id": establishment.id,
                     "actor_user_id": 7, "action": "committee.proposal.adopted",
                     "subject": "proposal:1", "payload": {"note": "accord nº 1 — équipe « T1 »"},
                     "prev_hash": GENESIS, "hash": first["hash"]}
    assert verify_export(data).ok


def test_export_of_a_tampered_database_does_not_verify(session: Session, engine: Engine) -> None:
    adopt(session, 3)
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text("UPDATE journal_entry SET subject = 'proposal:9' WHERE seq = 2"))
    assert verify_export(service.export(session)).first_broken_seq == 2


def test_entries_page_newest_first(session: Session) -> None:
    adopt(session, 5)
    assert [e.seq for e in service.entries(session, limit=2)] == [5, 4]
    assert [e.seq for e in service.entries(session, limit=2, before_seq=4)] == [3, 2]
    assert [e.seq for e in service.entries(session, subject="proposal:2")] == [2]


# --- schema ---------------------------------------------------------------------------

def test_migration_matches_the_model(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if "journal_entry" in str(d)]
    assert diffs == []


# --- concurrency (PostgreSQL: SQLite's writers already queue on BEGIN IMMEDIATE) -------

THREADS, EACH = 8, 10


def run_threads(factory: sessionmaker[Session], work_per_thread: int) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        start.wait()
        for i in range(work_per_thread):
            try:
                with transaction(factory) as s:
                    service.append(s, action="committee.stance.recorded",
                                   subject=f"proposal:{t}", payload={"side": "union", "i": i})
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_appends_keep_one_chain(factory: sessionmaker[Session]) -> None:
    errors = run_threads(factory, EACH)
    assert errors == []
    with factory() as session:
        seqs = session.scalars(select(JournalEntry.seq).order_by(JournalEntry.seq)).all()
        assert seqs == list(range(1, THREADS * EACH + 1))
        assert service.verify(session).ok


def test_without_the_lock_concurrent_appends_collide(
    factory: sessionmaker[Session], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the lock, not luck, keeps the chain whole."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers before any statement; no race to show")
    read_last = threading.Barrier(THREADS)
    real_hash = service.entry_hash

    def hash_after_everyone_read(entry: ChainEntry) -> str:
        read_last.wait(timeout=30)  # every writer has read the same last entry
        return real_hash(entry)

    monkeypatch.setattr(service, "_serialize_writers", lambda session: None)
    monkeypatch.setattr(service, "entry_hash", hash_after_everyone_read)
    errors = run_threads(factory, 1)
    # All picked seq 1; the primary key let one through and refused the others.
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, IntegrityError) for error in errors)
    with factory() as session:
        assert service.verify(session).count == 1


# --- telling entries in French and English ---------------------------------------------

@pytest.mark.parametrize(("action", "subject", "payload", "fr", "en"), [
    ("committee.proposal.adopted", "proposal:12", {},
     "Proposition nº 12 adoptée par consensus.", "Proposal #12 adopted by consensus."),
    ("committee.stance.recorded", "proposal:3", {"side": "union", "stance": "agree"},
     "Position de la partie syndicale consignée sur la proposition nº 3.",
     "Stance of the union side recorded on proposal #3."),
    ("grid.reference_time.changed", "act:BAIN",
     {"act": "BAIN", "minutes": 35, "valid_from": "2027-01-04"},
     "Temps de référence de l'acte BAIN fixé à 35 min à compter du 2027-01-04.",
     "Reference time of act BAIN set to 35 min from 2027-01-04."),
    ("settings.collection.changed", "settings:collection", {"field": "travel"},
     "Paramètres de collecte des données modifiés.", "Data collection settings changed."),
])
def test_entry_is_told_in_both_languages(
    session: Session, action: str, subject: str, payload: dict[str, object], fr: str, en: str
) -> None:
    entry = service.append(session, action=action, subject=subject, payload=payload)
    with language("fr"):
        assert actions.describe(entry) == fr
    with language("en"):
        assert actions.describe(entry) == en


@pytest.mark.parametrize("payload", ["not json", '{"side": "nobody"}', "[1, 2]", '{}'])
def test_a_row_changed_behind_the_application_still_reads(payload: str) -> None:
    row = SimpleNamespace(action="committee.stance.recorded", subject="proposal:3",
                          payload=payload)
    assert "3" in actions.describe(row)  # some sentence naming the subject, no exception


@pytest.mark.parametrize("msgid", sorted([*actions.ACTIONS.values(),
                                          *(label for labels in actions.VALUES.values()
                                            for label in labels.values())]))
def test_every_sentence_is_translated_with_the_same_placeholders(msgid: str) -> None:
    french = catalog("fr").get(msgid)
    assert french and french != msgid
    assert catalog("en").get(msgid) == msgid
    names = {name for _t, name, _s, _c in string.Formatter().parse(msgid) if name}
    assert {name for _t, name, _s, _c in string.Formatter().parse(french) if name} == names
