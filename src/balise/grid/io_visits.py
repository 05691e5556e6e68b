"""Visits in files: planned fields, realized fields, or both on one row.

The natural key of a visit is its client, day, planned start, planned acts and worker.
The worker is part of it because a double visit (two workers at the same client at the
same time, see DESIGN.md) is two visits that differ by worker only; the price is that a
file which moves a visit to another worker adds a visit rather than moving it.
Free-text notes are neither imported nor exported: they may name people.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from balise.core.i18n import gettext as _
from balise.grid import collection
from balise.grid.io_kinds import LINKED_FIELDS, KindIO, Row, RowProblem, linked_problems, ordered
from balise.grid.io_schema import Kind
from balise.grid.models import Visit, VisitAct
from balise.grid.realization import MAX_VISIT_HOURS


def effective_status(row: Row) -> str:
    """A row without a status is planned, unless it gives realized times: then done."""
    if row["status"]:
        return str(row["status"])
    return "done" if row["realized_start"] is not None or row["realized_end"] is not None \
        else "planned"


def _minute_of(day: date, moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return round((moment - datetime.combine(day, datetime.min.time())).total_seconds() / 60)


def _moment(day: date, minute: int | None) -> datetime | None:
    if minute is None:
        return None
    return datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)


class VisitsIO(KindIO[Visit]):
    kind = Kind.VISITS

    def __init__(self, session: Session, establishment_id: int | None) -> None:
        super().__init__(session, establishment_id)
        self._settings = collection.TeamSettings(session, establishment_id or 0)

    def normalize(self, row: Row) -> Row:
        return {**row, "status": effective_status(row)}

    def implied_columns(self, present: set[str]) -> set[str]:
        # Realized times in a file without a status column still close the visit.
        if present & {"realized_start", "realized_end"}:
            return present | {"status"}
        return present

    def check(self, row: Row) -> list[RowProblem]:
        refs = self.refs
        problems: list[RowProblem] = []
        refs.known("client", row["client"], refs.clients, "unknown_client", problems)
        refs.known("team", row["team"], refs.teams, "unknown_team", problems)
        refs.known("worker", row["worker"], refs.workers, "unknown_worker", problems)
        for column in ("acts", "acts_done"):
            problems += [RowProblem(column, "unknown_act", {"act_code": code})
                         for code in row[column] or () if code not in refs.acts]
        problems += [RowProblem("reasons", "unknown_reason", {"reason_code": code})
                     for code in row["reasons"] or () if code not in refs.reasons]
        if not ordered(row["window_start"], row["window_end"]):
            problems.append(RowProblem("window_end", "end_before_start"))
        problems += linked_problems(row)
        if row.get("link_kind") is not None and row.get("link_group") is None:
            problems.append(RowProblem("link_kind", "link_kind_without_group"))
        problems += self._check_realized(row)
        return problems

    def withheld(self, row: Row) -> list[RowProblem]:
        """What a committee decided not to record is not recorded from a file either
        (grid/collection.py): an import is not a way around a decision. The row's other
        values are imported; each value left out is named in the report."""
        team = self.refs.teams.get(row["team"]) if row["team"] is not None else None
        if team is None:
            return []
        settings = self._settings(team.id)
        notes = []
        for key, fields in collection.VISIT_FIELDS.items():
            if settings[key].enabled:
                continue
            for name in fields:
                if name in row and row[name] not in (None, ()):
                    notes.append(RowProblem(name, "not_collected_skipped", {
                        "key": _(collection.KINDS[key]),
                        "decision": settings[key].decision_ref or "—"}))
        return notes

    def _check_realized(self, row: Row) -> list[RowProblem]:
        start, end = row["realized_start"], row["realized_end"]
        if start is None and end is None:
            return []
        if row["status"] == "planned":  # said so in the file: see effective_status
            return [RowProblem("status", "realized_needs_status")]
        if start is not None and end is not None:
            if end < start:
                return [RowProblem("realized_end", "end_before_start")]
            if end - start > MAX_VISIT_HOURS * 60:
                return [RowProblem("realized_end", "visit_too_long", {"hours": MAX_VISIT_HOURS})]
        return []

    def _query(self, first: date | None, last: date | None, worker_id: int | None,
               statuses: Collection[str] = ()) -> Select[Visit]:
        # In batches: a year of visits of one establishment is millions of rows.
        query = (select(Visit).where(Visit.establishment_id == self.establishment_id)
                 .options(selectinload(Visit.acts), selectinload(Visit.reasons))
                 .order_by(Visit.day, Visit.planned_start, Visit.id)
                 .execution_options(yield_per=2000))
        if first is not None:
            query = query.where(Visit.day >= first)
        if last is not None:
            query = query.where(Visit.day <= last)
        if worker_id is not None:
            query = query.where(Visit.worker_id == worker_id)
        if statuses:
            query = query.where(Visit.status.in_(statuses))
        return query

    def existing(self, rows: list[Row]) -> dict[tuple[Hashable, ...], Visit]:
        if not rows:
            return {}
        days = [row["day"] for row in rows]
        found: dict[tuple[Hashable, ...], Visit] = {}
        for visit in self.session.scalars(self._query(min(days), max(days), None)):
            found.setdefault(self.key(self.as_row(visit)), visit)
        return found

    def as_row(self, record: Visit) -> Row:
        codes = self.refs.act_codes
        worker = record.worker_id
        return {
            "client": self.refs.client_codes.get(record.client_id),
            "team": self.refs.team_codes.get(record.team_id),
            "worker": None if worker is None else self.refs.worker_codes.get(worker),
            "day": record.day,
            "window_start": record.window_start,
            "window_end": record.window_end,
            "planned_start": record.planned_start,
            "planned_minutes": record.planned_minutes,
            "acts": tuple(sorted(codes[a.act_id] for a in record.acts if a.planned)),
            "acts_done": tuple(sorted(codes[a.act_id] for a in record.acts if a.done)),
            "status": record.status,
            "realized_start": _minute_of(record.day, record.realized_start),
            "realized_end": _minute_of(record.day, record.realized_end),
            "travel_minutes": record.travel_minutes,
            "reasons": tuple(sorted(r.code for r in record.reasons)),
            "link_group": record.link_group,
            "link_kind": record.link_kind,
            **{name: getattr(record, name) for name in LINKED_FIELDS},
        }

    def create(self, row: Row) -> Visit:
        assert self.establishment_id is not None
        visit = Visit(establishment_id=self.establishment_id,
                      client_id=self.refs.clients[row["client"]].id, acts=[], reasons=[])
        self.apply(visit, row, set(row))
        self.session.add(visit)
        return visit

    def apply(self, record: Visit, row: Row, columns: set[str]) -> None:
        if "team" in columns:
            record.team_id = self.refs.teams[row["team"]].id
        if "worker" in columns:
            worker = row["worker"]
            record.worker_id = None if worker is None else self.refs.workers[worker].id
        for name in ("day", "window_start", "window_end", "planned_start", "planned_minutes",
                     "travel_minutes", "link_group", "link_kind", *LINKED_FIELDS):
            if name in columns:
                setattr(record, name, row[name])
        if "status" in columns:
            record.status = row["status"]
        for name in ("realized_start", "realized_end"):
            if name in columns:
                setattr(record, name, _moment(row["day"], row[name]))
        if "reasons" in columns:
            record.reasons = [self.refs.reasons[code] for code in row["reasons"]]
        self._apply_acts(record, row, columns)

    def _apply_acts(self, record: Visit, row: Row, columns: set[str]) -> None:
        """Planned and done flags of each act; a column left out keeps its flags."""
        by_code = {self.refs.act_codes[a.act_id]: a for a in record.acts}
        planned = set(row["acts"]) if "acts" in columns else {
            code for code, link in by_code.items() if link.planned}
        done = set(row["acts_done"]) if "acts_done" in columns else {
            code for code, link in by_code.items() if link.done}
        for code in sorted(planned | done):
            link = by_code.pop(code, None)
            if link is None:
                link = VisitAct(act_id=self.refs.acts[code].id)
                record.acts.append(link)
            link.planned, link.done = code in planned, code in done
        for link in by_code.values():
            record.acts.remove(link)

    def records(self, first: date | None, last: date | None,
                worker_id: int | None) -> Iterator[Visit]:
        yield from self.session.scalars(self._query(first, last, worker_id))

    def closed_records(self, first: date | None, last: date | None, worker_id: int | None,
                       statuses: Collection[str]) -> Iterator[Visit]:
        """Visits whose status is one of ``statuses`` (the FHIR export's realized ones)."""
        yield from self.session.scalars(self._query(first, last, worker_id, statuses))
