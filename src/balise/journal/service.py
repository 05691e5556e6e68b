"""Writing to the journal (append only) and checking it.

There is no function here to change or remove an entry, on purpose: the journal is
what both sides of a committee rely on to know that nothing was rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, select, text, type_coerce
from sqlalchemy.orm import Session

from balise.core import clock
from balise.journal import actions
from balise.journal.chain import (
    FORMAT,
    GENESIS,
    ChainEntry,
    Head,
    Verification,
    canonical_json,
    check_against_heads,
    entry_hash,
    entry_to_export,
)
from balise.journal.models import JournalEntry

# One fixed key for PostgreSQL's advisory lock: the bytes "bal.jrnl" as a 64-bit integer.
LOCK_KEY = int.from_bytes(b"bal.jrnl", "big")

_COLUMNS = (
    JournalEntry.seq,
    # Raw on SQLite: its DateTime parser would crash on a value edited by hand, and
    # the verification must report that entry, not fail.
    type_coerce(JournalEntry.at, String).label("at"),
    JournalEntry.establishment_id,
    JournalEntry.actor_user_id,
    JournalEntry.action,
    JournalEntry.subject,
    JournalEntry.payload,
    JournalEntry.prev_hash,
    JournalEntry.hash,
)


def append(
    session: Session,
    *,
    action: str,
    subject: str,
    payload: Mapping[str, Any] | None = None,
    actor_user_id: int | None = None,
    establishment_id: int | None = None,
) -> JournalEntry:
    """Add one entry at the end of the chain, inside the caller's transaction.

    Call it from the service function that makes the change, so the change and its
    entry commit or roll back together. Writers that journal queue behind one another
    until the first commits (see :func:`_serialize_writers`); committee actions are
    rare enough that this costs nothing felt.
    """
    stored_payload = actions.check(action, subject, payload or {})
    _serialize_writers(session)
    last = session.execute(
        select(JournalEntry.seq, JournalEntry.hash).order_by(JournalEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, GENESIS) if last is None else (last.seq + 1, last.hash)
    # Seconds only: the hashed text of ``at`` must be exactly what the database gives
    # back, and not every engine keeps microseconds the same way.
    at = clock.now().replace(microsecond=0)
    content = ChainEntry(
        seq=seq,
        at=at.isoformat(),
        establishment_id=establishment_id,
        actor_user_id=actor_user_id,
        action=action,
        subject=subject,
        payload=json.loads(stored_payload),
        prev_hash=prev_hash,
        hash="",
    )
    entry = JournalEntry(
        seq=seq,
        at=at,
        establishment_id=establishment_id,
        actor_user_id=actor_user_id,
        action=action,
        subject=subject,
        payload=stored_payload,
        prev_hash=prev_hash,
        hash=entry_hash(content),
    )
    session.add(entry)
    session.flush()
    return entry


def _serialize_writers(session: Session) -> None:
    """Make concurrent appends take turns, so two never read the same last entry.

    PostgreSQL: a transaction-scoped advisory lock, released at commit or rollback. It
    works on an empty journal, where locking "the last row" would lock nothing. Under
    READ COMMITTED (the default) the next statement then sees the previous writer's
    entry. SQLite: Balise's engine opens every transaction with BEGIN IMMEDIATE, so
    the write lock is already held.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _chain_entry(row: Any) -> ChainEntry:
    # Read the stored text strictly: a payload edited in the database, even into
    # equivalent JSON (keys reordered, spaces added), must not verify.
    try:
        payload: Any = json.loads(row.payload)
        if canonical_json(payload) != row.payload:
            payload = row.payload
    except (TypeError, ValueError):
        payload = row.payload
    return ChainEntry(
        seq=row.seq,
        at=_at_text(row.at),
        establishment_id=row.establishment_id,
        actor_user_id=row.actor_user_id,
        action=row.action,
        subject=row.subject,
        payload=payload,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _at_text(value: Any) -> str:
    # isoformat() shows microseconds only when there are some: Balise writes none, so
    # an edit down to the microsecond still changes the hashed text.
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        return datetime.fromisoformat(str(value)).isoformat()
    except ValueError:
        return str(value)


def _all_entries(session: Session) -> Iterator[ChainEntry]:
    # Columns, not ORM objects: entities already in the session's identity map would
    # be returned as loaded, hiding a change made in the database since.
    result = session.execute(
        select(*_COLUMNS).order_by(JournalEntry.seq).execution_options(yield_per=1000)
    )
    for row in result:
        yield _chain_entry(row)


def verify(session: Session, kept: Iterable[Head] = ()) -> Verification:
    """Check the whole journal, and against heads a member kept (minutes, exports).

    ``result.ok`` decides the exit status of ``balise journal verify``;
    ``result.message()`` is the sentence to show, naming the first broken entry.
    """
    return check_against_heads(_all_entries(session), tuple(kept))


def head(session: Session) -> Head:
    """The stored head, as it stands: print it only after :func:`verify` said intact."""
    last = session.execute(
        select(JournalEntry.seq, JournalEntry.hash).order_by(JournalEntry.seq.desc()).limit(1)
    ).first()
    return Head(0, GENESIS) if last is None else Head(last.seq, last.hash)


def export(session: Session) -> dict[str, Any]:
    """The journal as a document a member can keep and check with tools/verify_journal.py.

    Write it with ``json.dump(data, f, ensure_ascii=False, indent=1)``; the verifier
    re-serializes each entry, so the file's layout does not matter.
    """
    rows = [entry_to_export(entry) for entry in _all_entries(session)]
    last = rows[-1] if rows else None
    return {
        "format": FORMAT,
        "exported_at": clock.now().isoformat(timespec="seconds"),
        "head": {
            "count": len(rows),
            "hash": last["hash"] if last else GENESIS,
        },
        "entries": rows,
    }


def entries(
    session: Session,
    *,
    limit: int = 50,
    before_seq: int | None = None,
    subject: str | None = None,
) -> Sequence[JournalEntry]:
    """Newest first, a page at a time (``before_seq`` is the last seq of the page shown)."""
    query = select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(JournalEntry.seq < before_seq)
    if subject is not None:
        query = query.where(JournalEntry.subject == subject)
    return session.scalars(query).all()
