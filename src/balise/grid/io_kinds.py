"""What each kind of record means to an import or an export.

Every kind turns a stored record into a row of its schema (:meth:`KindIO.as_row`) and a
row back into a record (:meth:`KindIO.apply`). Imports compare the two to tell created,
updated and unchanged rows apart, and exports write the same rows, so an exported file
imports back as "unchanged". Rows hold typed values (see ``io_values.py``); references
are codes, resolved here within one establishment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.grid.io_schema import SCHEMAS, Kind, Schema
from balise.grid.models import Act, VarianceReason
from balise.territory.models import CarePlanItem, Client, Team, Worker

Row = dict[str, Any]
M = TypeVar("M")


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row, before the caller says in which file and line."""

    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def ordered(start: int | None, end: int | None) -> bool:
    """A window's start comes before its end; a bad cell (None) was reported already."""
    return start is None or end is None or start < end


# Columns a care-plan need and a visit share: a sequence's delay, a second window, optional.
LINKED_FIELDS = ("delay_min", "delay_max", "window2_start", "window2_end", "optional")


def linked_problems(row: Row) -> list[RowProblem]:
    """A second window in order, a maximum delay not below the minimum."""
    problems = []
    if not ordered(row.get("window2_start"), row.get("window2_end")):
        problems.append(RowProblem("window2_end", "end_before_start"))
    if (row.get("window2_start") is None) != (row.get("window2_end") is None):
        missing = "window2_end" if row.get("window2_end") is None else "window2_start"
        problems.append(RowProblem(missing, "required"))
    low, high = row.get("delay_min"), row.get("delay_max")
    if low is not None and high is not None and high < low:
        problems.append(RowProblem("delay_max", "delay_order"))
    return problems


class TeamRef(NamedTuple):
    id: int
    site_id: int


class WorkerRef(NamedTuple):
    id: int
    profession: str


class ClientRef(NamedTuple):
    id: int
    team_id: int


class Refs:
    """The codes a file may name, loaded once per import or export. Acts and variance
    reasons are shared by every establishment; the rest belong to one."""

    def __init__(self, session: Session, establishment_id: int | None) -> None:
        self.session = session
        self.establishment_id = establishment_id

    @cached_property
    def teams(self) -> dict[str, TeamRef]:
        rows = self.session.execute(select(Team.code, Team.id, Team.site_id)
                                    .where(Team.establishment_id == self.establishment_id))
        return {r.code: TeamRef(r.id, r.site_id) for r in rows}

    @cached_property
    def team_codes(self) -> dict[int, str]:
        return {ref.id: code for code, ref in self.teams.items()}

    @cached_property
    def workers(self) -> dict[str, WorkerRef]:
        rows = self.session.execute(select(Worker.code, Worker.id, Worker.profession)
                                    .where(Worker.establishment_id == self.establishment_id))
        return {r.code: WorkerRef(r.id, r.profession) for r in rows}

    @cached_property
    def worker_codes(self) -> dict[int, str]:
        return {ref.id: code for code, ref in self.workers.items()}

    @cached_property
    def clients(self) -> dict[str, ClientRef]:
        rows = self.session.execute(select(Client.code, Client.id, Client.team_id)
                                    .where(Client.establishment_id == self.establishment_id))
        return {r.code: ClientRef(r.id, r.team_id) for r in rows}

    @cached_property
    def client_codes(self) -> dict[int, str]:
        return {ref.id: code for code, ref in self.clients.items()}

    @cached_property
    def acts(self) -> dict[str, Act]:
        return {act.code: act for act in self.session.scalars(select(Act))}

    @cached_property
    def act_codes(self) -> dict[int, str]:
        return {act.id: code for code, act in self.acts.items()}

    @cached_property
    def reasons(self) -> dict[str, VarianceReason]:
        return {r.code: r for r in self.session.scalars(select(VarianceReason))}

    def known(self, column: str, value: str | None, codes: dict[str, Any], code: str,
              problems: list[RowProblem]) -> None:
        """Note a problem when a code the row names does not exist."""
        if value is not None and value not in codes:
            problems.append(RowProblem(column, code))


class KindIO(ABC, Generic[M]):
    """The import and export of one kind of record."""

    kind: Kind

    def __init__(self, session: Session, establishment_id: int | None) -> None:
        self.session = session
        self.establishment_id = establishment_id
        self.refs = Refs(session, establishment_id)

    @property
    def schema(self) -> Schema:
        return SCHEMAS[self.kind]

    def key(self, row: Row) -> tuple[Hashable, ...]:
        return tuple(row[name] for name in self.schema.key)

    def normalize(self, row: Row) -> Row:
        """Fill what a row leaves implicit, before it is checked and compared."""
        return row

    def implied_columns(self, present: set[str]) -> set[str]:
        """The columns an import changes: those of the file, and those they imply."""
        return present

    @abstractmethod
    def check(self, row: Row) -> list[RowProblem]:
        """References and rules across cells; each cell's type is already checked."""

    def withheld(self, row: Row) -> list[RowProblem]:
        """Values of the row that are not recorded, each with why (the import goes on
        without them): what a committee decided not to collect."""
        return []

    @abstractmethod
    def existing(self, rows: list[Row]) -> dict[tuple[Hashable, ...], M]:
        """The stored records the rows may name, by key."""

    @abstractmethod
    def as_row(self, record: M) -> Row:
        """A stored record as a row of the schema (what an export writes)."""

    @abstractmethod
    def create(self, row: Row) -> M:
        """A new record from a checked row with every column filled (defaults included)."""

    @abstractmethod
    def apply(self, record: M, row: Row, columns: set[str]) -> None:
        """Change a record to match the given columns of a checked row."""

    @abstractmethod
    def records(self, first: date | None, last: date | None,
                worker_id: int | None) -> Iterator[M]:
        """What an export of this kind holds."""


class ActsIO(KindIO[Act]):
    """The catalogue of acts is shared by every establishment, keyed by code."""

    kind = Kind.ACTS

    def check(self, row: Row) -> list[RowProblem]:
        return []

    def existing(self, rows: list[Row]) -> dict[tuple[Hashable, ...], Act]:
        return {(code,): act for code, act in self.refs.acts.items()}

    def as_row(self, record: Act) -> Row:
        return {"code": record.code, "label_fr": record.label_fr, "label_en": record.label_en,
                "professions": tuple(sorted(record.professions))}

    def create(self, row: Row) -> Act:
        act = Act(code=row["code"], professions=[])
        self.apply(act, row, set(row))
        self.session.add(act)
        return act

    def apply(self, record: Act, row: Row, columns: set[str]) -> None:
        for name in ("label_fr", "label_en"):
            if name in columns:
                setattr(record, name, row[name])
        if "professions" in columns:
            record.professions = list(row["professions"])

    def records(self, first: date | None, last: date | None,
                worker_id: int | None) -> Iterator[Act]:
        yield from self.session.scalars(select(Act).order_by(Act.code))


class WorkersIO(KindIO[Worker]):
    kind = Kind.WORKERS

    def check(self, row: Row) -> list[RowProblem]:
        problems: list[RowProblem] = []
        self.refs.known("team", row["team"], self.refs.teams, "unknown_team", problems)
        return problems

    def existing(self, rows: list[Row]) -> dict[tuple[Hashable, ...], Worker]:
        return {(w.code,): w for w in self.records(None, None, None)}

    def as_row(self, record: Worker) -> Row:
        return {"code": record.code, "team": self.refs.team_codes.get(record.team_id),
                "name": record.name, "profession": record.profession,
                "skills": tuple(sorted(record.skills or ())), "active": record.active}

    def create(self, row: Row) -> Worker:
        assert self.establishment_id is not None
        worker = Worker(establishment_id=self.establishment_id, code=row["code"], skills=[])
        self.apply(worker, row, set(row))
        self.session.add(worker)
        return worker

    def apply(self, record: Worker, row: Row, columns: set[str]) -> None:
        if "team" in columns and self.refs.team_codes.get(record.team_id) != row["team"]:
            team = self.refs.teams[row["team"]]
            # A worker who changes team starts from the new team's site.
            record.team_id, record.home_site_id = team.id, team.site_id
        for name in ("name", "profession", "active"):
            if name in columns:
                setattr(record, name, row[name])
        if "skills" in columns:
            record.skills = list(row["skills"])

    def records(self, first: date | None, last: date | None,
                worker_id: int | None) -> Iterator[Worker]:
        yield from self.session.scalars(
            select(Worker).where(Worker.establishment_id == self.establishment_id)
            .order_by(Worker.code))


class ClientsIO(KindIO[Client]):
    kind = Kind.CLIENTS

    def check(self, row: Row) -> list[RowProblem]:
        problems: list[RowProblem] = []
        self.refs.known("team", row["team"], self.refs.teams, "unknown_team", problems)
        self.refs.known("usual_worker", row.get("usual_worker"), self.refs.workers,
                        "unknown_worker", problems)
        return problems

    def existing(self, rows: list[Row]) -> dict[tuple[Hashable, ...], Client]:
        return {(c.code,): c for c in self.records(None, None, None)}

    def as_row(self, record: Client) -> Row:
        usual = record.usual_worker_id
        return {"code": record.code, "team": self.refs.team_codes.get(record.team_id),
                "lat": round(record.lat, 3), "lon": round(record.lon, 3),
                "iso_smaf": record.iso_smaf,
                "usual_worker": None if usual is None else self.refs.worker_codes.get(usual),
                "active_since": record.active_since}

    def create(self, row: Row) -> Client:
        assert self.establishment_id is not None
        client = Client(establishment_id=self.establishment_id, code=row["code"])
        self.apply(client, row, set(row))
        self.session.add(client)
        return client

    def apply(self, record: Client, row: Row, columns: set[str]) -> None:
        if "team" in columns:
            record.team_id = self.refs.teams[row["team"]].id
        for name in ("lat", "lon", "iso_smaf", "active_since"):
            if name in columns:
                setattr(record, name, row[name])
        if "usual_worker" in columns:
            usual = row["usual_worker"]
            record.usual_worker_id = None if usual is None else self.refs.workers[usual].id

    def records(self, first: date | None, last: date | None,
                worker_id: int | None) -> Iterator[Client]:
        yield from self.session.scalars(
            select(Client).where(Client.establishment_id == self.establishment_id)
            .order_by(Client.code))


class CarePlansIO(KindIO[CarePlanItem]):
    """One row per recurring need; a client's need for an act by a profession is one
    record, so a changed frequency or window updates it."""

    kind = Kind.CARE_PLANS

    def check(self, row: Row) -> list[RowProblem]:
        problems: list[RowProblem] = []
        self.refs.known("client", row["client"], self.refs.clients, "unknown_client", problems)
        act = self.refs.acts.get(row["act"] or "")
        if act is None and row["act"] is not None:
            problems.append(RowProblem("act", "unknown_act", {"act_code": row["act"]}))
        if act and row["profession"] is not None and row["profession"] not in act.professions:
            problems.append(RowProblem("profession", "profession_not_allowed", {
                "act": act.code, "allowed": ", ".join(sorted(act.professions)) or "—"}))
        if not ordered(row["window_start"], row["window_end"]):
            problems.append(RowProblem("window_end", "end_before_start"))
        if row.get("follows_act") is not None and row["follows_act"] not in self.refs.acts:
            problems.append(RowProblem("follows_act", "unknown_act",
                                       {"act_code": row["follows_act"]}))
        if row.get("follows_act") is None:
            problems += [RowProblem(column, "delay_without_link") for column in ("delay_min", "delay_max") if row.get(column) is not None]
        return problems + linked_problems(row)

    def existing(self, rows: list[Row]) -> dict[tuple[Hashable, ...], CarePlanItem]:
        found: dict[tuple[Hashable, ...], CarePlanItem] = {}
        for item in self.records(None, None, None):
            found.setdefault(self.key(self.as_row(item)), item)
        return found

    def as_row(self, record: CarePlanItem) -> Row:
        return {"client": self.refs.client_codes.get(record.client_id),
                "act": self.refs.act_codes.get(record.act_id), "profession": record.profession,
                "times_per_week": record.times_per_week, "window_start": record.window_start,
                "window_end": record.window_end, "workers_needed": record.workers_needed,
                "follows_act": None if record.follows_act_id is None
                else self.refs.act_codes.get(record.follows_act_id),
                **{name: getattr(record, name) for name in LINKED_FIELDS}}

    def create(self, row: Row) -> CarePlanItem:
        item = CarePlanItem(client_id=self.refs.clients[row["client"]].id,
                            act_id=self.refs.acts[row["act"]].id, profession=row["profession"])
        self.apply(item, row, set(row))
        self.session.add(item)
        return item

    def apply(self, record: CarePlanItem, row: Row, columns: set[str]) -> None:
        for name in ("times_per_week", "window_start", "window_end", "workers_needed",
                     *LINKED_FIELDS):
            if name in columns:
                setattr(record, name, row[name])
        if "follows_act" in columns:
            follows = row["follows_act"]
            record.follows_act_id = None if follows is None else self.refs.acts[follows].id

    def records(self, first: date | None, last: date | None,
                worker_id: int | None) -> Iterator[CarePlanItem]:
        yield from self.session.scalars(
            select(CarePlanItem).join(Client)
            .where(Client.establishment_id == self.establishment_id)
            .order_by(Client.code, CarePlanItem.act_id, CarePlanItem.profession))
