"""Factories and the fixed cast of test users (one place, used by every test).

The cast: establishment "EST-A" with team "T1" (6 workers, so aggregates over it are
shown) and team "T4" (4 workers, so aggregates over it are suppressed); establishment
"EST-B" holds the outsider. Users, one per role:

    alice, bob      workers of T1          lead        team lead of T1
    union, employer committee members      national    national committee (A and B)
    analyst, admin  of EST-A               outsider    team lead of EST-B
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.accounts.service import create_user
from balise.core.access import Role
from balise.grid.models import Act, ReferenceTime, VarianceReason, Visit, VisitAct
from balise.territory.models import (
    CarePlanItem,
    Client,
    Establishment,
    Site,
    Team,
    Worker,
    WorkerShift,
)

PASSWORD = "correct horse battery"
MONDAY = date(2026, 11, 16)


@dataclass
class Cast:
    est_a: Establishment
    est_b: Establishment
    team: Team
    small_team: Team
    other_team: Team
    workers: list[Worker]
    small_workers: list[Worker]
    acts: dict[str, Act]
    clients: list[Client]
    users: dict[str, User] = field(default_factory=dict)

    @property
    def alice(self) -> Worker:
        return self.workers[0]

    @property
    def bob(self) -> Worker:
        return self.workers[1]


def make_worker(session: Session, team: Team, code: str, profession: str = "auxiliary") -> Worker:
    worker = Worker(establishment_id=team.establishment_id, team_id=team.id,
                    home_site_id=team.site_id, code=code, name=f"Worker {code}",
                    profession=profession, skills=[])
    worker.shifts = [WorkerShift(weekday=d, start_minute=8 * 60, end_minute=16 * 60,
                                 break_minutes=30) for d in range(5)]
    session.add(worker)
    session.flush()
    return worker


def make_visit(session: Session, worker: Worker, client: Client, act: Act, day: date,
               minutes: int | None = None, planned: int = 30, start_minute: int = 9 * 60) -> Visit:
    visit = Visit(establishment_id=worker.establishment_id, team_id=worker.team_id,
                  client_id=client.id, worker_id=worker.id, day=day, window_start=8 * 60,
                  window_end=12 * 60, planned_start=start_minute, planned_minutes=planned)
    visit.acts = [VisitAct(act_id=act.id, planned=True, done=minutes is not None)]
    if minutes is not None:
        start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=start_minute)
        visit.status = "done"
        visit.realized_start = start
        visit.realized_end = start + timedelta(minutes=minutes)
    session.add(visit)
    session.flush()
    return visit


def build_cast(session: Session) -> Cast:
    est_a = Establishment(code="EST-A", name="CISSS A")
    est_b = Establishment(code="EST-B", name="CISSS B")
    session.add_all([est_a, est_b])
    session.flush()
    site_a = Site(establishment_id=est_a.id, name="CLSC A", kind="urban", lat=46.85, lon=-71.25)
    site_b = Site(establishment_id=est_b.id, name="CLSC B", kind="rural", lat=48.4, lon=-71.06)
    session.add_all([site_a, site_b])
    session.flush()
    team = Team(establishment_id=est_a.id, site_id=site_a.id, code="T1", name="Équipe 1")
    small = Team(establishment_id=est_a.id, site_id=site_a.id, code="T4", name="Équipe 4")
    other = Team(establishment_id=est_b.id, site_id=site_b.id, code="B1", name="Équipe B")
    session.add_all([team, small, other])
    session.flush()
    workers = [make_worker(session, team, f"A{i}") for i in range(6)]
    small_workers = [make_worker(session, small, f"S{i}") for i in range(4)]
    make_worker(session, other, "B0")
    acts = {
        "BAIN": Act(code="BAIN", label_fr="Bain", label_en="Bath", professions=["auxiliary"]),
        "PLAIE": Act(code="PLAIE", label_fr="Soin de plaie simple", label_en="Simple wound care",
                     professions=["nurse", "nursing_assistant"]),
    }
    session.add_all(acts.values())
    session.flush()
    session.add_all([
        ReferenceTime(act_id=acts["BAIN"].id, minutes=45, valid_from=date(2026, 1, 1),
                      adopted_by="Comité paritaire local", decision_ref="2026-001"),
        ReferenceTime(act_id=acts["PLAIE"].id, minutes=15, valid_from=date(2026, 1, 1),
                      adopted_by="Firme externe", decision_ref=None),
        VarianceReason(code="DETRESSE", category="clinical", label_fr="Usager en détresse",
                       label_en="Client in distress"),
    ])
    clients = []
    for i in range(4):
        client = Client(establishment_id=est_a.id, team_id=team.id if i < 3 else small.id,
                        code=f"U{i:04d}", lat=46.85 + i / 100, lon=-71.25, iso_smaf=4 + i,
                        usual_worker_id=None, active_since=date(2025, 1, 1))
        client.care_plan = [CarePlanItem(act_id=acts["BAIN"].id, times_per_week=1,
                                         window_start=8 * 60, window_end=12 * 60,
                                         profession="auxiliary")]
        clients.append(client)
    session.add_all(clients)
    session.flush()
    cast = Cast(est_a, est_b, team, small, other, workers, small_workers, acts, clients)
    people = [
        ("alice", Role.WORKER, est_a, {"worker_id": workers[0].id, "team_id": team.id}),
        ("bob", Role.WORKER, est_a, {"worker_id": workers[1].id, "team_id": team.id}),
        ("lead", Role.TEAM_LEAD, est_a, {"team_id": team.id}),
        ("union", Role.COMMITTEE_UNION, est_a, {}),
        ("employer", Role.COMMITTEE_EMPLOYER, est_a, {}),
        ("national", Role.NATIONAL, est_a, {"extra_establishments": (est_b.id,)}),
        ("analyst", Role.ANALYST, est_a, {}),
        ("admin", Role.ADMIN, est_a, {}),
        ("outsider", Role.TEAM_LEAD, est_b, {"team_id": other.id}),
    ]
    for username, role, est, extra in people:
        cast.users[username] = create_user(session, username=username, password=PASSWORD,
                                           role=role, establishment_id=est.id, **extra)
    session.commit()
    return cast
