"""Success indicators at the design's scale: one establishment-year of visits.

Protocol
    Data: ``bench/grid_evidence_data.py`` builds the establishment (1,000 workers in
    teams of 12 — the last team has 4, so its figures must be suppressed — 30,000
    clients, 20 acts, a year of realized visits, 1.3 acts a visit) through Balise's own
    migrations and bulk inserts; :func:`enrich` then adds what the indicators read and
    that builder leaves empty: usual shifts, travel minutes, usual workers, scopes of
    practice, variance reasons (5 % of visits) and a waiting list (1 visit in 250). Each
    database is built once under ``--workdir`` and reused (``--rebuild`` to redo it).
    PostgreSQL is a throwaway cluster started in the work directory on loopback.

    Measured, in the same run and on the same data, ``--repeat`` times each (median):

    * ``database`` engine (Balise's choice): stage 1 (visits → one row per worker and
      day) in SQL inside the database, stage 2 in DuckDB;
    * ``arrays`` engine (the alternative): the visit columns pulled once into numpy
      arrays, both stages in DuckDB;
    * both engines' cells compared: they must be identical;
    * storing the figures, a refresh of the last four weeks (``--since``), the
      dashboard of a project once the figures are stored (GET through the ASGI app,
      median of 5), and ``balise indicators compute --json`` end to end.

    The machine is shared; the JSON records its load average before and after.

Usage
    .venv/bin/python bench/indicators.py                       # 5 M visits, both engines
    .venv/bin/python bench/indicators.py --visits 500000 --db sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import grid_evidence_data as data  # noqa: E402

from balise.core.db import make_engine, session_factory  # noqa: E402
from balise.indicators.compute import ENGINES, compute_establishment, refresh  # noqa: E402

console = Console()
TODAY = datetime(2026, 1, 10, 9, 0)  # after the data's last week: every week is complete
PASSWORD = "mesure des indicateurs"


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


def median_time(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def measure(url: str, repeat: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from tests.web.conftest import login

    from balise.core import clock
    from balise.core.settings import Settings
    from balise.web.app import create_app

    engine = make_engine(url)
    out: dict[str, Any] = {}
    with session_factory(engine)() as session:
        out["visits"] = session.scalar(text("SELECT count(*) FROM visit"))
        out["visit_acts"] = session.scalar(text("SELECT count(*) FROM visit_act"))
    cells: dict[str, Any] = {}
    for name in ENGINES:
        stages: list[dict[str, float]] = []

        def run(engine_name: str = name, stages: list[dict[str, float]] = stages) -> Any:
            with session_factory(engine)() as session:
                done = compute_establishment(session, 1, engine=engine_name)
                stages.append(done.seconds)
                return done
        total, done = median_time(run, repeat)
        cells[name] = {(c.code, c.scope, c.need, c.period_start): c.value for c in done.cells}
        out[name] = {"seconds": total,
                     "worker_days_seconds": statistics.median(s["worker_days"] for s in stages),
                     "periods_seconds": statistics.median(s["periods"] for s in stages),
                     "worker_days": done.worker_days, "cells": len(done.cells)}
        console.print(f"  {name}: {total:.2f} s ({done.worker_days} worker-days, "
                      f"{len(done.cells)} cells)")
    out["engines_agree"] = cells["database"] == cells["arrays"]
    with session_factory(engine)() as session:
        clock.freeze(TODAY)
        done = refresh(session, 1)
        session.commit()
        out["store_seconds"] = done.seconds["store"]
        since = TODAY.date() - timedelta(days=28)
        incremental, _ = median_time(lambda: refresh(session, 1, since=since), repeat)
        session.commit()
        out["refresh_last_4_weeks_seconds"] = incremental
        out["stored_values"] = session.scalar(text("SELECT count(*) FROM indicator_value"))
    project_id = prepare_project(engine)
    app = create_app(Settings(database_url=url), engine)
    clock.freeze(TODAY)
    with TestClient(app, base_url="https://testserver") as client:
        login(client, "bench_union", PASSWORD)
        page = f"/projects/{project_id}/dashboard"
        assert client.get(page).status_code == 200
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(page)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        out["dashboard_seconds"] = statistics.median(timings)
    clock.freeze(None)
    started = time.perf_counter()
    cli = subprocess.run([str(ROOT / ".venv" / "bin" / "balise"), "indicators", "compute",
                          "--json"], env={**os.environ, "BALISE_DATABASE_URL": url},
                         capture_output=True, check=True)
    out["cli_json_seconds"] = time.perf_counter() - started
    out["cli_json_values"] = len(json.loads(cli.stdout)["values"])
    engine.dispose()
    return out


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/balise-bench-indicators"))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "indicators.json")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "when": datetime.now().isoformat(timespec="seconds"), "visits": args.visits,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_before": os.getloadavg()}, "databases": {}}
    for kind in args.db:
        console.print(f"[bold]{kind}[/]")
        if kind == "sqlite":
            result["databases"][kind] = measure(sqlite_url(args.workdir, args.visits,
                                                           args.rebuild), args.repeat)
            continue
        server = Postgres(args.workdir)
        server.start()
        try:
            result["databases"][kind] = measure(server.url(args.visits, args.rebuild),
                                                args.repeat)
        finally:
            server.stop()
    result["machine"]["load_after"] = os.getloadavg()
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    table = Table(title=f"Indicators, {args.visits:,} visits (median of {args.repeat})")
    for column in ("database", "engine 'database'", "engine 'arrays'", "agree", "store",
                   "last 4 weeks", "dashboard", "CLI --json"):
        table.add_column(column)
    for kind, r in result["databases"].items():
        table.add_row(kind, f"{r['database']['seconds']:.2f} s", f"{r['arrays']['seconds']:.2f} s",
                      str(r["engines_agree"]), f"{r['store_seconds']:.2f} s",
                      f"{r['refresh_last_4_weeks_seconds']:.2f} s",
                      f"{r['dashboard_seconds'] * 1000:.0f} ms", f"{r['cli_json_seconds']:.1f} s")
    console.print(table)
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
