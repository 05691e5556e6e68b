"""The retention job: what is past its documented period goes, what is inside stays.

Every category gets two rows: one dated on the first day still kept (exactly on the
cut-off) and one just before it (a day earlier, or a second earlier for timestamps).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise import retention
from balise.accounts.models import LoginAttempt, TrustedDevice, WebSession
from balise.accounts.service import viewer_of
from balise.audit.models import ReadLogEntry
from balise.committee.models import Committee, Document, DocumentAccess
from balise.core import clock
from balise.field.models import SyncBatch, SyncConflict, SyncRecord
from balise.field.service import replay
from balise.grid.models import VarianceReason, Visit, VisitReason, WaitingListEntry
from balise.indicators.survey_models import SurveyCampaign, SurveyResponse
from balise.journal import service as journal
from balise.journal.models import JournalEntry
from balise.planner.models import DayTravel
from balise.retention import SCHEDULE, Rule, apply, purge
from tests.factories import Cast, make_visit

TODAY = date(2030, 6, 17)
RULES = {rule.category: rule for rule in SCHEDULE}

Builder = Callable[[Session, Cast, Any], Any]


def _visit(session: Session, cast: Cast, day: date, **fields: Any) -> Visit:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], day,
                       minutes=fields.pop("minutes", None))
    for name, value in fields.items():
        setattr(visit, name, value)
    session.flush()
    return visit


def _at(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time(9))


def _sync_record(session: Session, cast: Cast, when: datetime) -> SyncRecord:
    visit = _visit(session, cast, when.date(), minutes=30)
    record_id = uuid.uuid4()
    row = SyncRecord(
        record_id=record_id, user_id=cast.users["alice"].id, worker_id=cast.alice.id,
        visit_id=visit.id, device_id="phone-1", recorded_at=when, payload_sha256="a" * 64,
        payload={"realization": {"note": "porte du garage"}}, status="applied",
        ack={"record_id": str(record_id), "status": "applied", "visit_id": visit.id},
        applied_state={"note": "porte du garage"}, received_at=when)
    session.add(row)
    return row


def _document(session: Session, cast: Cast) -> Document:
    committee = Committee(kind="local", name="CPL", establishment_id=cast.est_a.id,
                          created_at=datetime(2020, 1, 1))
    session.add(committee)
    session.flush()
    document = Document(committee_id=committee.id, filename="a.pdf",
                        content_type="application/pdf", size=1, sha256="b" * 64,
                        content=b"x", uploaded_by=cast.users["union"].id,
                        uploaded_at=datetime(2020, 1, 1))
    session.add(document)
    session.flush()
    return document


def _waiting(session: Session, cast: Cast, served: date) -> WaitingListEntry:
    entry = WaitingListEntry(
        establishment_id=cast.est_a.id, team_id=cast.team.id, client_id=cast.clients[0].id,
        act_id=cast.acts["BAIN"].id, source="request", requested_on=served - timedelta(days=9),
        served_on=served, note="voir la fille de l'usager")
    session.add(entry)
    return entry


def _campaign_answer(session: Session, cast: Cast, closes: date) -> SurveyResponse:
    campaign = SurveyCampaign(establishment_id=cast.est_a.id, team_id=cast.team.id,
                              instrument="cbi", opens_on=closes - timedelta(days=20),
                              closes_on=closes, closed=True, invited=6)
    session.add(campaign)
    session.flush()
    answer = SurveyResponse(campaign_id=campaign.id, answers={"w1": 2})
    session.add(answer)
    return answer


def _reason(session: Session, cast: Cast, day: date) -> VisitReason:
    visit = _visit(session, cast, day, minutes=50)
    reason = session.scalars(select(VarianceReason)).first()
    assert reason is not None
    row = VisitReason(visit_id=visit.id, reason_id=reason.id)
    session.add(row)
    return row


BUILDERS: dict[str, Builder] = {
    "web_sessions": lambda s, c, when: WebSession(
        token_hash=uuid.uuid4().hex, user_id=c.users["alice"].id, csrf_token="t",
        created_at=when, last_seen_at=when),
    "login_attempts": lambda s, c, when: LoginAttempt(username="alice", at=when, success=True),
    "trusted_devices": lambda s, c, when: TrustedDevice(
        user_id=c.users["alice"].id, token_hash=uuid.uuid4().hex, created_at=when),
    "sync_batches": lambda s, c, when: SyncBatch(
        user_id=c.users["alice"].id, idempotency_key=str(uuid.uuid4()),
        request_sha256="c" * 64, status_code=200, response={"acks": []}, created_at=when),
    "sync_record_contents": _sync_record,
    "sync_conflicts": lambda s, c, when: SyncConflict(
        establishment_id=c.est_a.id, team_id=c.team.id,
        visit_id=_visit(s, c, when.date(), minutes=40).id, rule="later_on_device",
        kept={"start": "09:00"}, set_aside={"start": "09:05"}, set_aside_source="device",
        detected_at=when),
    "planned_road_times": lambda s, c, day: DayTravel(
        team_id=c.team.id, day=day, source="osrm",
        legs={"46.810000,-71.210000>46.820000,-71.220000": 7.5}),
    "visit_notes": lambda s, c, day: _visit(s, c, day, note="chien nerveux"),
    "waiting_list_notes": _waiting,
    "document_access_log": lambda s, c, when: DocumentAccess(
        document_id=_document(s, c).id, user_id=c.users["employer"].id, at=when),
    "read_log": lambda s, c, when: ReadLogEntry(
        at=when, user_id=c.users["lead"].id, establishment_id=c.est_a.id, record_kind="visit",
        worker_id=c.alice.id, route="/visits/1"),
    "visit_details": lambda s, c, day: _visit(s, c, day, minutes=35, travel_minutes=12),
    "visit_variance_reasons": _reason,
    "sync_records": _sync_record,
    "waiting_list_served": _waiting,
    "survey_responses": _campaign_answer,
}


def test_every_category_of_the_schedule_is_tested() -> None:
    assert set(BUILDERS) == set(RULES)


def _dates(rule: Rule) -> tuple[date | datetime, date | datetime]:
    """(first kept, last past) for the column the rule counts from."""
    first_kept = TODAY - timedelta(days=rule.days)
    if isinstance(rule.dated_by.type, DateTime):
        start = datetime.combine(first_kept, time.min)
        return start, start - timedelta(seconds=1)
    return first_kept, first_kept - timedelta(days=1)


def _build(session: Session, cast: Cast, category: str, when: date | datetime) -> Any:
    row = BUILDERS[category](session, cast, when)
    session.add(row)
    session.flush()
    return row


def _key(row: Any) -> Any:
    if isinstance(row, VisitReason):
        return (row.visit_id, row.reason_id)
    return row.id


def _removed(session: Session, rule: Rule, model: type[Any], key: Any) -> bool:
    """Deleted, or every column of a ``clear`` rule empty."""
    session.expire_all()
    row = session.get(model, key)
    if not rule.clear:
        return row is None
    assert row is not None, "a clear must keep the row"
    return all(getattr(row, column.key) in (None, {}) for column, _empty in rule.clear)


@pytest.mark.parametrize("category", sorted(RULES))
def test_just_inside_is_kept_and_just_past_is_removed(
        session: Session, cast: Cast, category: str) -> None:
    rule = RULES[category]
    inside, past = _dates(rule)
    kept_row = _build(session, cast, category, inside)
    old_row = _build(session, cast, category, past)
    kept, old = (type(kept_row), _key(kept_row)), (type(old_row), _key(old_row))
    session.commit()

    assert apply(session, rule, TODAY, dry_run=True) == 1
    assert apply(session, rule, TODAY) == 1
    session.commit()

    assert _removed(session, rule, *old)
    assert not _removed(session, rule, *kept)
    assert apply(session, rule, TODAY) == 0  # a second run finds nothing left


def _everything(session: Session, cast: Cast) -> None:
    for category, rule in RULES.items():
        for when in _dates(rule):
            _build(session, cast, category, when)
    session.commit()


def test_dry_run_changes_nothing_and_counts_what_the_run_removes(
        session: Session, cast: Cast) -> None:
    _everything(session, cast)
    visits = session.scalar(select(func.count()).select_from(Visit))
    notes = session.scalar(select(func.count()).select_from(Visit).where(Visit.note.is_not(None)))

    dry = purge(session, TODAY, dry_run=True)

    assert purge(session, TODAY, dry_run=True) == dry  # nothing moved in between
    assert session.scalar(select(func.count()).select_from(Visit).where(
        Visit.note.is_not(None))) == notes
    done = purge(session, TODAY)
    assert done == dry
    assert all(count >= 1 for count in done.values()), done
    assert set(purge(session, TODAY).values()) == {0}
    assert session.scalar(select(func.count()).select_from(Visit)) == visits  # never deleted


def test_a_cleared_visit_still_counts_as_done_with_its_acts(session: Session, cast: Cast) -> None:
    visit = _visit(session, cast, TODAY - timedelta(days=3 * 365 + 1), minutes=35,
                   travel_minutes=12, note="clé chez la voisine")
    session.commit()

    purge(session, TODAY)

    session.expire_all()
    kept = session.get_one(Visit, visit.id)
    assert kept.status == "done" and [a.done for a in kept.acts] == [True]
    assert kept.planned_minutes == 30 and kept.worker_id == cast.alice.id
    assert (kept.realized_start, kept.realized_end, kept.travel_minutes, kept.note) == (
        None, None, None, None)


def test_a_resent_record_is_still_a_replay_once_its_content_is_cleared(
        session: Session, cast: Cast) -> None:
    row = _sync_record(session, cast, datetime.combine(TODAY - timedelta(days=91), time(15)))
    session.commit()

    assert purge(session, TODAY)["sync_record_contents"] == 1

    session.expire_all()
    stored = session.get_one(SyncRecord, row.id)
    assert stored.payload == {} and stored.applied_state is None
    ack = replay(stored, viewer_of(cast.users["alice"]), "a" * 64)
    assert (ack.status, ack.visit_id) == ("applied", stored.visit_id)


def test_the_journal_is_never_purged(session: Session, cast: Cast) -> None:
    clock.freeze(datetime(2020, 1, 6, 9, 0))
    for number in range(3):
        journal.append(session, action="committee.created", subject=f"committee:{number}",
                       establishment_id=cast.est_a.id)
    session.commit()
    clock.freeze(datetime.combine(TODAY, time(2)))

    purge(session, TODAY)

    assert session.scalar(select(func.count()).select_from(JournalEntry)) == 3
    assert journal.verify(session).ok


def test_no_rule_may_name_the_journal() -> None:
    bad = Rule("journal", "Journal", JournalEntry, JournalEntry.at, 30)
    with pytest.raises(ValueError, match="never purged"):
        retention._check([*SCHEDULE, bad])
    with pytest.raises(ValueError, match="unique"):
        retention._check([*SCHEDULE, SCHEDULE[0]])


def test_deleted_text_does_not_stay_in_the_sqlite_file(
        session: Session, cast: Cast, database_url: str) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps dead rows until VACUUM; docs/privacy/retention.md")
    path = Path(database_url.removeprefix("sqlite:///"))
    canary = "CANARI-7f3a-note-effacee"
    _visit(session, cast, TODAY - timedelta(days=400), note=canary)
    session.commit()
    _checkpoint(path)
    assert canary.encode() in path.read_bytes()  # the control: it was in the file

    purge(session, TODAY)
    session.close()
    _checkpoint(path)

    wal = path.with_name(path.name + "-wal")
    assert not any(canary.encode() in f.read_bytes() for f in (path, wal) if f.exists())


def _checkpoint(path: Path) -> None:
    """Copy the write-ahead log into the main file (outside any transaction)."""
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_the_command_reports_per_category_and_a_dry_run_says_so(
        session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from balise.cli import app

    _visit(session, cast, TODAY - timedelta(days=200), note="sonner deux fois")
    session.commit()
    clock.freeze(datetime.combine(TODAY, time(2)))
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    runner = CliRunner()

    dry = runner.invoke(app, ["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Notes de visite : 1 à effacer (plus de 180 jours)." in dry.output
    assert "rien n'a été modifié" in dry.output

    monkeypatch.setenv("BALISE_LANGUAGE", "en")
    done = runner.invoke(app, ["retention", "run"])
    assert done.exit_code == 0, done.output
    assert "Visit notes: 1 cleared (older than 180 days)." in done.output
    assert "Login attempts: 0 deleted (older than 30 days)." in done.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Visit).where(
        Visit.note.is_not(None))) == 0
