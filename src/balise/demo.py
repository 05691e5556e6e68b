"""The synthetic demo territory behind ``balise demo-data``.

One seed gives one territory that looks like real home care and describes no real
person: a CIUSSS of the Capitale-Nationale with CLSCs in real places, its teams and
workers of the seven home-care professions, clients known by a code and an Iso-SMAF
profile, their care plans, weeks of realized visits and the waiting list that the bath
cuts leave. A second, smaller establishment lets the national committee compare two.
Every parameter lives in ``demo_catalogue.py`` and is explained in ``docs/demo-data.md``.

Everything it writes is marked: establishment codes start with ``DEMO-`` and names end
in "(démo)", so that pages and exports can say the data is synthetic
(:func:`is_demo_establishment`, :data:`SYNTHETIC_NOTICE`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.orm import Session, aliased

from balise import demo_catalogue as p
from balise.accounts.service import create_user
from balise.core import clock
from balise.core.access import Role
from balise.core.db import Base
from balise.core.errors import InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.demo_territory import Territory, build_catalogue, build_territory
from balise.demo_visits import History, Simulation
from balise.grid.models import (
    Act,
    VarianceReason,
    Visit,
    VisitAct,
    VisitReason,
    WaitingListEntry,
)
from balise.grid.summary_upkeep import record_new_visits
from balise.territory.models import CarePlanItem, Client, Establishment, Worker

DEMO_PASSWORD = "balise-demo-2026"
DEMO_ACCOUNTS: list[tuple[str, Role]] = [
    ("travailleuse", Role.WORKER),
    ("cheffe", Role.TEAM_LEAD),
    ("syndicat", Role.COMMITTEE_UNION),
    ("employeur", Role.COMMITTEE_EMPLOYER),
    ("national", Role.NATIONAL),
    ("analyste", Role.ANALYST),
    ("admin", Role.ADMIN),
]
DEMO_CODE_PREFIX = "DEMO-"
SYNTHETIC_NOTICE = lazy("Synthetic demo data: no real person or establishment is described.")
LIMITS = {"workers": (p.MIN_WORKERS, 5000), "clients": (1, 200_000), "weeks": (1, 104)}
_DISPLAY_NAMES = {
    Role.TEAM_LEAD: "Cheffe d'équipe (démo)",
    Role.COMMITTEE_UNION: "Membre syndicale du comité (démo)",
    Role.COMMITTEE_EMPLOYER: "Membre patronal du comité (démo)",
    Role.NATIONAL: "Comité national (démo)",
    Role.ANALYST: "Analyste (démo)",
    Role.ADMIN: "Administration (démo)",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    establishments: int
    teams: int
    workers: int
    clients: int
    first_day: date
    last_day: date
    visits: int
    visit_acts: int
    waiting: int  # entries still waiting on the last day
    served: int  # entries served during the history
    unstaffed: int  # planned visits no present worker could take

    def describe(self) -> str:
        return _("Demo territory built from seed {seed}: {establishments} establishments, "
                 "{teams} teams, {workers} workers, {clients} clients, {visits} visits from "
                 "{first} to {last}; {waiting} needs are still on the waiting list.").format(
            seed=self.seed, establishments=self.establishments, teams=self.teams,
            workers=self.workers, clients=self.clients, visits=self.visits,
            first=self.first_day.isoformat(), last=self.last_day.isoformat(),
            waiting=self.waiting) + " " + _(SYNTHETIC_NOTICE)

    def accounts_hint(self) -> str:
        return _("Demo accounts ({usernames}) share the password {password}.").format(
            usernames=", ".join(u for u, _role in DEMO_ACCOUNTS), password=DEMO_PASSWORD)


def is_demo_establishment(code: str) -> bool:
    return code.startswith(DEMO_CODE_PREFIX)


def is_empty(session: Session) -> bool:
    """True when nothing the demo writes could collide: no establishment, act or reason."""
    return all(session.scalar(select(func.count()).select_from(model)) == 0
               for model in (Establishment, Act, VarianceReason))


def default_end(today: date) -> date:
    """The last Friday strictly before ``today``: the history ends with a full week."""
    return today - timedelta(days=(today.weekday() - 4) % 7 or 7)


def build_demo(session: Session, *, seed: int = 1, workers: int = 60, clients: int = 600,
               weeks: int = 12, end: date | None = None,
               progress: Progress | None = None) -> DemoSummary:
    """Write the demo territory into an empty database and commit once at the end.

    The same seed, sizes and ``end`` give the same data, on SQLite as on PostgreSQL:
    every draw comes from one ``numpy.random.default_rng(seed)`` in a fixed order.
    """
    for name, value in (("workers", workers), ("clients", clients), ("weeks", weeks)):
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise InvalidInput(name, "out_of_range", low=low, high=high)
    if not is_empty(session):
        raise ValueError("build_demo needs an empty database; check is_empty() first")
    end = end or default_end(clock.today())
    first = end - timedelta(days=end.weekday(), weeks=weeks - 1)
    rng = np.random.default_rng(seed)
    catalogue = build_catalogue(session, first, first + timedelta(weeks=weeks // 2))
    second = max(p.SECOND_MIN_WORKERS, round(workers * p.SECOND_SHARE))
    plans = [(p.MAIN, workers, clients), (p.SECOND, second, max(1, round(clients * p.SECOND_SHARE)))]
    days = sum(1 for i in range((end - first).days + 1) if (first + timedelta(days=i)).weekday() < 5)
    done, total = 0, len(plans) * (days + 2) + 1

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    territories: list[Territory] = []
    counts = {"visits": 0, "acts": 0, "waiting": 0, "served": 0, "unstaffed": 0}
    for spec, n_workers, n_clients in plans:
        territory = build_territory(session, rng, spec, workers=n_workers, clients=n_clients,
                                    start=first, end=end, catalogue=catalogue)
        tick()
        history = Simulation(rng, territory, catalogue, first, end).run(tick)
        _insert(session, history)
        tick()
        territories.append(territory)
        counts["visits"] += len(history.visits)
        counts["acts"] += len(history.acts)
        counts["waiting"] += sum(1 for e in history.entries if e["served_on"] is None)
        counts["served"] += sum(1 for e in history.entries if e["served_on"] is not None)
        counts["unstaffed"] += history.unstaffed
    _accounts(session, territories[0], territories[1])
    tick()
    session.commit()
    return DemoSummary(
        seed=seed, establishments=len(territories),
        teams=sum(len(t.teams) for t in territories),
        workers=sum(len(t.workers) for t in territories),
        clients=sum(len(t.clients) for t in territories), first_day=first, last_day=end,
        visits=counts["visits"], visit_acts=counts["acts"], waiting=counts["waiting"],
        served=counts["served"], unstaffed=counts["unstaffed"])


def _insert(session: Session, history: History) -> None:
    """Bulk inserts with visit ids given here: ORM objects would take minutes for a year
    of visits, and RETURNING many ids in their order is quadratic on SQLite."""
    base = session.scalar(select(func.coalesce(func.max(Visit.id), 0))) or 0
    ids = range(base + 1, base + 1 + len(history.visits))
    _insert_rows(session, Visit, [
        {**{k: v for k, v in row.items() if k != "client"}, "id": id_}
        for row, id_ in zip(history.visits, ids, strict=True)])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('visit', 'id'), "
                             "(SELECT MAX(id) FROM visit))"))
    _insert_rows(session, VisitAct, [
        {"visit_id": ids[v], "act_id": a, "planned": planned, "done": done_}
        for v, a, planned, done_ in history.acts])
    _insert_rows(session, VisitReason, [
        {"visit_id": ids[v], "reason_id": r} for v, r in dict.fromkeys(history.reasons)])
    # Bulk rows bypass the session hooks that keep the visit summaries.
    record_new_visits(session, ids)
    _insert_rows(session, WaitingListEntry, [
        {**{k: v for k, v in e.items() if k not in ("client", "visit")},
         "visit_id": None if e["visit"] is None else ids[e["visit"]]}
        for e in history.entries])
    if history.deceased:
        # A care plan is the current one: it ends with the client's death.
        session.execute(delete(CarePlanItem).where(CarePlanItem.client_id.in_(history.deceased)),
                        execution_options={"synchronize_session": False})
        session.expire_all()


def _insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    table = model.__table__
    assert isinstance(table, Table)
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    # COPY: psycopg's executemany sends rows one at a time, and a statement of a
    # thousand rows costs more to prepare than to run.
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _accounts(session: Session, main: Territory, other: Territory) -> None:
    """One account per role; the worker is a full-time auxiliary of the first team,
    whose lead is "cheffe", and "national" also sees the second establishment."""
    auxiliaries = [w for w in main.workers if w.team == 0 and w.profession == "auxiliary"]
    worker = max(auxiliaries, key=lambda w: len(w.days))
    team_id = main.teams[0].id
    worker_name = session.scalar(select(Worker.name).where(Worker.id == worker.id)) or ""
    for username, role in DEMO_ACCOUNTS:
        create_user(
            session, username=username, password=DEMO_PASSWORD, role=role,
            establishment_id=main.establishment_id,
            display_name=_DISPLAY_NAMES.get(role, worker_name),
            worker_id=worker.id if role is Role.WORKER else None,
            team_id=team_id if role in (Role.WORKER, Role.TEAM_LEAD) else None,
            extra_establishments=(other.establishment_id,) if role is Role.NATIONAL else ())


def fingerprint(session: Session) -> str:
    """A digest of the clients, visits and waiting list by their codes, not their ids, so
    that two databases built from the same seed compare equal whatever their engine."""
    acts: dict[int, list[str]] = {}
    for visit_id, code, planned, done_ in session.execute(
            select(VisitAct.visit_id, Act.code, VisitAct.planned, VisitAct.done).join(Act)):
        acts.setdefault(visit_id, []).append(f"{code}:{int(planned)}{int(done_)}")
    for visit_id, code in session.execute(
            select(VisitReason.visit_id, VarianceReason.code).join(VarianceReason)):
        acts.setdefault(visit_id, []).append(f"!{code}")
    worker = aliased(Worker)
    lines = [
        "|".join(str(v) for v in row[1:]) + "|" + ",".join(sorted(acts.get(row[0], [])))
        for row in session.execute(
            select(Visit.id, Visit.day, Client.code, worker.code, Visit.window_start,
                   Visit.window_end, Visit.planned_start, Visit.planned_minutes, Visit.status,
                   Visit.realized_start, Visit.realized_end, Visit.travel_minutes, Visit.note)
            .join(Client, Visit.client_id == Client.id)
            .outerjoin(worker, Visit.worker_id == worker.id))
    ]
    lines += ["|".join(str(v) for v in row) for row in session.execute(
        select(Client.code, Client.lat, Client.lon, Client.iso_smaf, Client.active_since,
               func.count(CarePlanItem.id)).outerjoin(CarePlanItem).group_by(Client.id))]
    lines += ["|".join(str(v) for v in row) for row in session.execute(
        select(Client.code, Act.code, WaitingListEntry.source, WaitingListEntry.requested_on,
               WaitingListEntry.served_on, WaitingListEntry.visit_id.is_(None))
        .join(Client, WaitingListEntry.client_id == Client.id)
        .join(Act, WaitingListEntry.act_id == Act.id))]
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
