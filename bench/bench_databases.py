"""The benchmarks' establishment-year, on SQLite and on a throwaway PostgreSQL cluster.

``grid_evidence_data.py`` builds the visits (1,000 workers in teams of 12, the last team
of 4; 30,000 clients; 20 acts; a year); :func:`enrich` adds what the indicators read and
that builder leaves empty. Each database is built once under a work directory and reused;
:func:`ready` brings it to Balise's current schema and builds the visit summaries once
(``balise.grid.summary_upkeep.rebuild``: the bulk rows bypass the session hooks), the
way an operator would after restoring a database.

Used by ``indicators.py``, ``grid_evidence.py`` and ``week_plan_page.py``, so that the
three measure the same visits in one session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import grid_evidence_data as data
from rich.console import Console
from sqlalchemy import Engine, func, select, text

from balise.core.db import make_engine, session_factory

console = Console()
TODAY = datetime(2026, 1, 10, 9, 0)  # after the data's last week: every week is complete
PASSWORD = "mesure des indicateurs"
WORKDIR = Path("/tmp/balise-bench-indicators")


def enrich(engine: Engine) -> None:
    """Add what the indicators read and the visit builder leaves empty (portable SQL)."""
    weekdays = " UNION ALL ".join(f"SELECT {d} AS n" for d in range(5))
    statements = [
        "INSERT INTO worker_shift (worker_id, weekday, start_minute, end_minute, break_minutes) "
        f"SELECT w.id, d.n, 480, 960, 30 FROM worker w CROSS JOIN ({weekdays}) d",
        "UPDATE visit SET travel_minutes = 3 + (id % 17)",
        # Teams hold workers (team-1)*12+1 ..; "% 4" stays inside the last, 4-worker team.
        "UPDATE client SET usual_worker_id = (team_id - 1) * 12 + 1 + (id % 4) WHERE id % 3 <> 0",
        "UPDATE worker SET profession = 'auxiliary' WHERE id % 3 = 0",
        "UPDATE act SET professions = '[\"auxiliary\"]' WHERE code IN "
        "('BAIN', 'HYG_PARTIELLE', 'LAV_OREILLE', 'LAV_OREILLES')",
        "UPDATE act SET professions = '[\"nurse\", \"nursing_assistant\"]' WHERE code IN "
        "('PLAIE_SIMPLE', 'MED_ASSIST', 'INJECTION', 'SIGNES_VITAUX', 'PRELEVEMENT', 'STOMIE', "
        "'PANSEMENT_COMPLEXE')",
        "INSERT INTO variance_reason (id, code, category, label_fr, label_en, active) VALUES "
        "(1, 'DETRESSE', 'clinical', 'Usager en détresse', 'Client in distress', true), "
        "(2, 'STATIONNEMENT', 'logistics', 'Stationnement', 'Parking', true)",
        "INSERT INTO visit_reason (visit_id, reason_id) "
        "SELECT id, 1 + (id / 20) % 2 FROM visit WHERE id % 20 = 0",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
        rows = conn.execute(text("SELECT id, team_id, client_id, day FROM visit "
                                 "WHERE id % 250 = 0")).all()
        entries = []
        for visit_id, team, client, day in rows:
            asked = day if isinstance(day, date) else date.fromisoformat(str(day))
            served = asked + timedelta(days=3 + visit_id % 40) if visit_id % 5 else None
            entries.append({"team": team, "client": client, "act": 3,
                            "source": "unmet_need" if visit_id % 2 else "request",
                            "visit": visit_id, "asked": asked, "served": served})
        conn.execute(text(
            "INSERT INTO waiting_list_entry (establishment_id, team_id, client_id, act_id, "
            "source, visit_id, requested_on, served_on) VALUES (1, :team, :client, :act, "
            ":source, :visit, :asked, :served)"), entries)


def prepare_project(engine: Engine) -> int:
    """A committee with one member per side and a project on team 1 with an adopted
    indicator set (the volume indicator and two others)."""
    from balise.accounts.service import create_user
    from balise.committee.models import Decision, Project, Proposal, ProposalVersion
    from balise.committee.service import add_member, create_committee, create_project
    from balise.core import clock
    from balise.core.access import Role
    from balise.indicators.sets import adopt_indicator_set

    with session_factory(engine)() as session:
        found = session.scalar(select(Project.id).where(Project.title == "Mesure"))
        if found is not None:
            return found
        clock.freeze(TODAY)
        committee = create_committee(session, kind="local", name="Comité de mesure",
                                     establishment_id=1)
        users = [create_user(session, username=name, password=PASSWORD, role=role,
                             establishment_id=1)
                 for name, role in (("bench_union", Role.COMMITTEE_UNION),
                                    ("bench_employer", Role.COMMITTEE_EMPLOYER))]
        add_member(session, committee, users[0], side="union")
        add_member(session, committee, users[1], side="employer")
        project = create_project(session, committee, title="Mesure", objectives="", team_ids=[1])
        effect: dict[str, object] = {"indicators": [
            {"code": code, "need": "", "target": None, "baseline_start": None,
             "baseline_end": "2025-06-29"}
            for code in ("visits_per_worker_week", "travel_share", "median_wait_days")]}
        proposal = Proposal(committee_id=committee.id, project_id=project.id,
                            kind="indicator_set", effect=effect, status="adopted",
                            filed_by=users[0].id, filed_at=TODAY)
        proposal.versions = [ProposalVersion(number=1, title="Indicateurs", text="-",
                                             written_by=users[0].id, written_at=TODAY)]
        session.add(proposal)
        session.flush()
        decision = Decision(committee_id=committee.id, proposal_id=proposal.id,
                            project_id=project.id, number="2026-001", adopted_on=TODAY.date(),
                            title="Indicateurs", text="-")
        session.add(decision)
        session.flush()
        adopt_indicator_set(session, committee, project.id, effect, decision)
        session.commit()
        clock.freeze(None)
        return project.id


def ready(url: str) -> float:
    """Upgrade to the current schema; build the visit summaries if they are empty.
    Returns the seconds the rebuild took (0 when already built)."""
    from balise.core.migrate import upgrade
    from balise.grid.summary_models import WorkerDay
    from balise.grid.summary_upkeep import rebuild

    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            if session.scalar(select(func.count()).select_from(WorkerDay)):
                return 0.0
            console.print("building the visit summaries (once)…")
            started = time.perf_counter()
            counts = rebuild(session, 1)
            session.commit()
            seconds = time.perf_counter() - started
            console.print(f"  {counts} in {seconds:.1f} s")
            return seconds
    finally:
        engine.dispose()


def sqlite_url(workdir: Path, visits: int, rebuild: bool) -> str:
    path = workdir / f"indicators-{visits}.sqlite3"
    ready = path.with_suffix(".ready")
    if rebuild or not ready.exists():
        path.unlink(missing_ok=True)
        console.print(f"building {path} …")
        data.build_sqlite(str(path), visits, lambda n: None)
        engine = make_engine(f"sqlite:///{path}")
        enrich(engine)
        engine.dispose()
        ready.touch()
    return f"sqlite:///{path}"


class Postgres:
    """A PostgreSQL cluster kept in the work directory, run as ``postgres`` under root."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "pg"
        self.port = 54400 + os.getpid() % 500
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        base = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.bin = {name: str(base / name) for name in ("initdb", "pg_ctl")}

    def start(self) -> None:
        if not (self.dir / "data").exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            if self.as_user:
                shutil.chown(self.dir, "postgres")
            subprocess.run([*self.as_user, self.bin["initdb"], "-D", str(self.dir / "data"),
                            "-U", "balise", "-A", "trust", "-E", "UTF8"], check=True,
                           capture_output=True)
        subprocess.run([*self.as_user, self.bin["pg_ctl"], "-D", str(self.dir / "data"), "-w",
                        "-l", str(self.dir / "log"), "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                        "-c shared_buffers=512MB -c work_mem=128MB", "start"],
                       check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run([*self.as_user, self.bin["pg_ctl"], "-D", str(self.dir / "data"),
                        "-m", "fast", "stop"], capture_output=True)

    def url(self, visits: int, rebuild: bool) -> str:
        name = f"indicators_{visits}"
        admin = make_engine(f"postgresql+psycopg://balise@127.0.0.1:{self.port}/postgres",
                            isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name})
            ready = exists and (self.dir / f"{name}.ready").exists()
            if exists and (rebuild or not ready):
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            if rebuild or not ready:
                conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = f"postgresql+psycopg://balise@127.0.0.1:{self.port}/{name}"
        if rebuild or not ready:
            console.print(f"building {name} on PostgreSQL …")
            engine = make_engine(url)
            data.build_postgresql(engine, visits, lambda n: None)
            enrich(engine)
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE"))
            engine.dispose()
            (self.dir / f"{name}.ready").touch()
        return url
