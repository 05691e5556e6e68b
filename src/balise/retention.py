"""What Balise keeps about people, for how long, and the job that removes the rest.

:data:`SCHEDULE` is the retention schedule of ``docs/privacy/retention.md`` written as
data; ``tests/test_privacy_docs.py`` compares the two row by row, so a period changes
in both places at once, after the establishment's privacy officer agrees to it.

A period is a number of whole days counted from one date of the row: a row dated on day
D is kept through day D + ``days`` and goes at the first run after that. Two actions:

* ``delete`` — the row goes;
* ``clear`` — the row stays and its personal content is emptied, because the rest of it
  still serves: a visit still counts as done (indicators), a field record still answers
  a resend as a replay instead of applying it twice (principle 6).

``balise retention run`` applies the schedule, one transaction per category, so that a
failure in one leaves the others done and itself untouched; it is meant to run daily.

Never here: ``journal_entry``. The journal is append-only (the database refuses to
change it) and holds no personal content — codes, numbers, dates and the number of the
user who acted for a committee, never a worker's times, a client or free text
(``balise.journal.actions``) — so both sides keep it whole to verify it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    String,
    delete,
    func,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import InstrumentedAttribute, Session

from balise.accounts.models import LoginAttempt, TrustedDevice, WebSession
from balise.audit.models import ReadLogEntry
from balise.committee.models import DocumentAccess
from balise.core.db import Base
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.field.models import SyncBatch, SyncConflict, SyncRecord
from balise.field.rules import RECORD_KEPT_DAYS
from balise.grid.models import Visit, VisitReason, WaitingListEntry
from balise.grid.summary_upkeep import visits_changing
from balise.indicators.survey_models import SurveyCampaign, SurveyResponse
from balise.planner.day_travel import KEEP_DAYS
from balise.planner.models import DayTravel

Column = InstrumentedAttribute[Any]

# Tables no rule may name; checked when the module loads, so a rule added by mistake
# fails every test at once instead of reaching a database that would refuse it anyway.
NEVER_PURGED = frozenset({"journal_entry"})

EMPTY_JSON: dict[str, Any] = {}


@dataclass(frozen=True, eq=False)  # columns compare into SQL, not into booleans
class Rule:
    """One category of the schedule.

    ``dated_by`` is the date the period counts from. When that date lives on another
    table (a visit's reasons are dated by the visit's day), ``link`` is the pair
    (this table's foreign key, the other table's key). ``clear`` lists the columns a
    ``clear`` empties, with their empty value: ``None`` (SQL NULL) or ``{}`` for a JSON
    column that may not be NULL; no columns means the row is deleted."""

    category: str
    label: str
    model: type[Base]
    dated_by: Column
    days: int
    clear: tuple[tuple[Column, Any], ...] = ()
    link: tuple[Column, Column] | None = None

    @property
    def action(self) -> str:
        return "clear" if self.clear else "delete"

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


YEAR = 365

SCHEDULE: tuple[Rule, ...] = (
    # Security records: short, they only protect accounts; their times also show when
    # someone used Balise, which is nobody's business once the session is over.
    Rule("web_sessions", lazy("Web sessions"), WebSession, WebSession.last_seen_at, 7),
    Rule("login_attempts", lazy("Login attempts"), LoginAttempt, LoginAttempt.at, 30),
    # As long as the browser's device cookie lives (web/accounts.py); a browser still
    # in use is trusted again at its next login.
    Rule("trusted_devices", lazy("Trusted browsers"), TrustedDevice,
         TrustedDevice.created_at, 180),
    # Field sync: a batch's stored answer only serves retries of that batch; after it,
    # a resent batch is answered record by record from sync_record, still exactly once.
    Rule("sync_batches", lazy("Field app batches"), SyncBatch, SyncBatch.created_at, 90),
    # A record's payload repeats what the visit holds. Its id, fingerprint and
    # acknowledgment stay, so a resend is still recognized (replay, never re-applied).
    # Cost, accepted: without ``applied_state`` a device version arriving more than 90
    # days later no longer notices a change made meanwhile at the office.
    Rule("sync_record_contents", lazy("Content of field app records"), SyncRecord,
         SyncRecord.received_at, 90,
         clear=((SyncRecord.payload, EMPTY_JSON), (SyncRecord.applied_state, None))),
    # The one place a team lead sees a worker's times (two versions of a visit to
    # reconcile): kept only for that review.
    Rule("sync_conflicts", lazy("Field app versions set aside"), SyncConflict,
         SyncConflict.detected_at, 90),
    # Road times of a plan's legs name places by their coordinates (clients' homes):
    # kept while the plan may still be looked at and changed (planner/day_travel.py).
    Rule("planned_road_times", lazy("Road travel times of planned days"), DayTravel,
         DayTravel.day, KEEP_DAYS),
    # Free text may say more than it should about a client; it helps the next visits,
    # the client's record (kept by the establishment, not by Balise) keeps the rest.
    Rule("visit_notes", lazy("Visit notes"), Visit, Visit.day, 180,
         clear=((Visit.note, None),)),
    Rule("waiting_list_notes", lazy("Waiting-list notes"), WaitingListEntry,
         WaitingListEntry.served_on, 180, clear=((WaitingListEntry.note, None),)),
    Rule("document_access_log", lazy("Document access log"), DocumentAccess,
         DocumentAccess.at, 2 * YEAR),
    # Same reason as the document log: an incident may be found late, and each side of
    # the committee checks who read one person's data over a project's cycle.
    Rule("read_log", lazy("Read log of individual-level data"), ReadLogEntry,
         ReadLogEntry.at, 2 * YEAR),
    # Individual-level work details: as long as a project needs its baseline and
    # follow-up and the evidence behind a reference time; the visit row stays so that
    # it still counts (done, acts, planned minutes), without its times.
    Rule("visit_details", lazy("Realized times and travel of visits"), Visit, Visit.day,
         3 * YEAR, clear=((Visit.realized_start, None), (Visit.realized_end, None),
                          (Visit.travel_minutes, None))),
    Rule("visit_variance_reasons", lazy("Variance reasons of visits"), VisitReason,
         Visit.day, 3 * YEAR, link=(VisitReason.visit_id, Visit.id)),
    # Their receiving and device-save times tell when a worker finished a visit, so
    # they go with the visit's times. A copy resent after that is refused by its age
    # (field/rules.py), so a purged record cannot come back.
    Rule("sync_records", lazy("Field app records"), SyncRecord, SyncRecord.received_at,
         RECORD_KEPT_DAYS),
    Rule("waiting_list_served", lazy("Served waiting-list entries"), WaitingListEntry,
         WaitingListEntry.served_on, 3 * YEAR),
    Rule("survey_responses", lazy("Survey answers"), SurveyResponse,
         SurveyCampaign.closes_on, 3 * YEAR,
         link=(SurveyResponse.campaign_id, SurveyCampaign.id)),
)


def _check(schedule: Sequence[Rule]) -> None:
    names = [rule.category for rule in schedule]
    if len(set(names)) != len(names):
        raise ValueError(f"retention categories must be unique: {names}")
    for rule in schedule:
        if rule.table in NEVER_PURGED:
            raise ValueError(f"{rule.table} is never purged (rule {rule.category!r})")
        if rule.days < 1:
            raise ValueError(f"rule {rule.category!r} needs a period of at least one day")


_check(SCHEDULE)


def cutoff(rule: Rule, today: date) -> date | datetime:
    """The first date that is kept: anything dated before it is past its period."""
    first_kept = today - timedelta(days=rule.days)
    if isinstance(rule.dated_by.type, DateTime):
        return datetime.combine(first_kept, time.min)
    return first_kept


def _past(rule: Rule, today: date) -> ColumnElement[bool]:
    """Rows past their period that still hold something to remove."""
    past = rule.dated_by < cutoff(rule, today)
    if rule.link is not None:
        own_key, dated_key = rule.link
        past = own_key.in_(select(dated_key).where(past))
    if not rule.clear:
        return past
    # A row cleared by an earlier run is not counted again.
    return past & or_(*(_still_set(column, empty) for column, empty in rule.clear))


def _still_set(column: Column, empty: Any) -> ColumnElement[bool]:
    if empty is None:
        return column.is_not(None)
    # JSON has no equality on PostgreSQL; its text does, the same on both engines.
    return sql_cast(column, String) != "{}"


def _cleared_values(rule: Rule) -> dict[Column, Any]:
    # null(), not None: a JSON column would store None as the JSON text "null".
    return {column: null() if empty is None else empty for column, empty in rule.clear}


def apply(session: Session, rule: Rule, today: date, *, dry_run: bool = False) -> int:
    """Remove what one rule says is past, in the caller's transaction; the row count."""
    where = _past(rule, today)
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(rule.model).where(where))
                   or 0)
    if session.get_bind().dialect.name == "sqlite":
        # Overwrite what is deleted instead of leaving it in the file's free pages
        # until a VACUUM; per connection, so set on the one this transaction holds.
        session.execute(text("PRAGMA secure_delete = ON"))
    statement = (delete(rule.model) if not rule.clear
                 else update(rule.model).values(_cleared_values(rule)))
    # Cleared times and reasons leave the evidence and the indicators: this bulk write
    # bypasses the session hooks that keep the visit summaries, so it says so.
    visit_of = {Visit: Visit.id, VisitReason: VisitReason.visit_id}.get(rule.model)
    touched = list(session.scalars(select(visit_of).where(where))) if visit_of else []
    with visits_changing(session, touched) if touched else nullcontext():
        result = session.execute(statement.where(where)
                                 .execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def purge(session: Session, today: date, *, dry_run: bool = False) -> dict[str, int]:
    """Apply the whole schedule as of ``today``; rows removed (or, in a dry run, that
    would be) per category. Commits after each category; a dry run writes nothing."""
    counts: dict[str, int] = {}
    for rule in SCHEDULE:
        try:
            counts[rule.category] = apply(session, rule, today, dry_run=dry_run)
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return counts


def describe(rule: Rule, count: int, *, dry_run: bool) -> str:
    """One line of the command's report, in the current language."""
    if dry_run:
        template = (_("{category}: {count} to delete (older than {days} days).")
                    if rule.action == "delete"
                    else _("{category}: {count} to clear (older than {days} days)."))
    else:
        template = (_("{category}: {count} deleted (older than {days} days).")
                    if rule.action == "delete"
                    else _("{category}: {count} cleared (older than {days} days)."))
    return template.format(category=_(rule.label), count=count, days=rule.days)
