"""A team's weekly plan page with a year of history: GET /teams/{id}/plan through the app.

Protocol
    Data: the establishment-year of ``bench_databases.py`` (5 million realized visits by
    default; team 1: 12 workers, about 60,000 visits in the year, 1,150 in the week
    shown), on SQLite and on a throwaway PostgreSQL cluster, summaries built once. A team
    lead of team 1 logs in through the real login form; the clock is frozen on
    2026-01-10, so the page's duration model reads the year of history.

    Measured: the page for the last full week of the data (every visit of the week in the
    grid, planned durations and each worker-day's load simulated from the evidence), one
    warm-up request, then ``--requests`` GETs through the ASGI app (FastAPI TestClient,
    the full middleware stack, sessions, CSRF and access checks): median and 95th
    percentile, and the median CPU time of a request (the app runs in this process: a
    figure the machine's load changes less, the database server's time excepted). The
    alternative in the same run: the same page with the duration model
    read from the visits (single-act realized visits of the last 365 days, as before the
    summaries), timed on the model alone, since that read is what the page used to wait on.

Usage
    .venv/bin/python bench/week_plan_page.py                     # 5 M visits, both databases
    .venv/bin/python bench/week_plan_page.py --db sqlite --requests 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_databases import PASSWORD, TODAY, WORKDIR, Postgres, ready, sqlite_url  # noqa: E402

from balise.core.db import make_engine, session_factory  # noqa: E402
from balise.grid.models import Visit, VisitAct  # noqa: E402
from balise.grid.week_plan import HISTORY_DAYS, load_duration_model  # noqa: E402

console = Console()
WEEK = date(2025, 12, 29)  # the data's last Monday
LEAD = "bench_lead_t1"


def team_lead(url: str) -> None:
    from balise.accounts.models import User
    from balise.accounts.service import create_user
    from balise.core.access import Role

    engine = make_engine(url)
    with session_factory(engine)() as session:
        if session.scalar(select(User.id).where(User.username == LEAD)) is None:
            create_user(session, username=LEAD, password=PASSWORD, role=Role.TEAM_LEAD,
                        establishment_id=1, team_id=1)
            session.commit()
    engine.dispose()


def model_from_visits(url: str) -> float:
    """The duration model as the page read it before the summaries: every single-act
    realized visit of the establishment's last 365 days."""
    engine = make_engine(url)
    started = time.perf_counter()
    with session_factory(engine)() as session:
        single = (select(VisitAct.visit_id).group_by(VisitAct.visit_id)
                  .having(func.count() == 1).subquery())
        rows = session.execute(
            select(VisitAct.act_id, Visit.realized_start, Visit.realized_end)
            .join(Visit, Visit.id == VisitAct.visit_id)
            .join(single, single.c.visit_id == Visit.id)
            .where(Visit.establishment_id == 1, Visit.status == "done",
                   Visit.realized_start.is_not(None), Visit.realized_end.is_not(None),
                   Visit.day >= TODAY.date() - timedelta(days=HISTORY_DAYS))).all()
        by_act: dict[int, list[float]] = defaultdict(list)
        for act_id, start, end in rows:
            by_act[act_id].append((end - start).total_seconds() / 60)
        _samples = {a: np.asarray(v) for a, v in by_act.items()}
    engine.dispose()
    return time.perf_counter() - started


def measure(url: str, requests: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from tests.web.conftest import login

    from balise.core import clock
    from balise.core.settings import Settings
    from balise.web.app import create_app

    out: dict[str, Any] = {"summaries_rebuild_seconds": ready(url)}
    team_lead(url)
    engine = make_engine(url)
    clock.freeze(TODAY)
    with session_factory(engine)() as session:
        started = time.perf_counter()
        model = load_duration_model(session, 1, TODAY.date())
        out["model_from_summaries_seconds"] = time.perf_counter() - started
        out["history_visits"] = int(sum(s.size for s in model.samples.values()))
        out["week_visits"] = session.scalar(select(func.count()).select_from(Visit).where(
            Visit.team_id == 1, Visit.day >= WEEK, Visit.day < WEEK + timedelta(days=7)))
    app = create_app(Settings(database_url=url), engine)
    page = f"/teams/1/plan?week={WEEK.isoformat()}"
    timings, cpu = [], []
    with TestClient(app, base_url="https://testserver") as client:
        login(client, LEAD, PASSWORD)
        first = client.get(page)
        assert first.status_code == 200, first.status_code
        for _ in range(requests):
            started, used = time.perf_counter(), time.process_time()
            response = client.get(page)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            assert response.status_code == 200
    clock.freeze(None)
    engine.dispose()
    out["page_median_ms"] = statistics.median(timings) * 1000
    out["page_p95_ms"] = float(np.percentile(timings, 95)) * 1000
    # The app runs in this process (TestClient): its CPU time, the database server's
    # excepted, shows what a request costs whatever the machine's load.
    out["page_cpu_median_ms"] = statistics.median(cpu) * 1000
    out["model_from_visits_seconds"] = model_from_visits(url)
    console.print(f"  page: median {out['page_median_ms']:.0f} ms, p95 "
                  f"{out['page_p95_ms']:.0f} ms, CPU {out['page_cpu_median_ms']:.0f} ms; "
                  f"model from the visits "
                  f"{out['model_from_visits_seconds']:.1f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "bench" / "results" / "week_plan_page.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    found: dict[str, Any] = {}
    for kind in args.db:
        console.print(f"[bold]{kind}[/]")
        if kind == "sqlite":
            found[kind] = measure(sqlite_url(args.workdir, args.visits, False), args.requests)
            continue
        server = Postgres(args.workdir)
        server.start()
        try:
            found[kind] = measure(server.url(args.visits, False), args.requests)
        finally:
            server.stop()
    table = Table(title=f"GET /teams/1/plan, {args.visits:,} visits of history, "
                        f"{args.requests} requests")
    for header in ("database", "visits in the week", "median", "p95", "CPU (median)",
                   "model from summaries", "model from the visits (alternative)"):
        table.add_column(header, justify="right")
    for kind, r in found.items():
        table.add_row(kind, str(r["week_visits"]), f"{r['page_median_ms']:.0f} ms",
                      f"{r['page_p95_ms']:.0f} ms", f"{r['page_cpu_median_ms']:.0f} ms",
                      f"{r['model_from_summaries_seconds'] * 1000:.0f} ms",
                      f"{r['model_from_visits_seconds']:.1f} s")
    console.print(table)
    args.out.write_text(json.dumps({
        "when": datetime.now().isoformat(timespec="seconds"), "visits": args.visits,
        "requests": args.requests, "week": WEEK.isoformat(),
        "machine": {"cpus": os.cpu_count(), "load_before": load_before,
                    "load_after": os.getloadavg()}, "databases": found,
    }, indent=1) + "\n", encoding="utf-8")
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
