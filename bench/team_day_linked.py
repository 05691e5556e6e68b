"""Linked visits on the demo territory: a team's week planned from the care plans.

Protocol
    A fresh SQLite database is migrated with Alembic and filled with the demo territory
    (seed 1, the CLI's default sizes, a fixed last day). The week after the demo's last
    day is generated from the care plans of each team of the main establishment
    (``generate_week``: double visits, sequences, second windows, optional baths), and
    each weekday of the largest team is planned by ``plan_day`` within ``--time-limit``
    seconds. The table gives, per day, the visits and how many are linked, how many
    were placed, those left out by reason, the travel and the wall time. Then each
    day's instance (``build_instance``) is written as UHHC JSON and solved by the same
    search within the same budget, and the authors' validator (``uhhc-toolbox``) judges
    the pair: the "valid" column. A mandatory visit the validator does not see
    scheduled counts as invalid there, as in ``bench/hhc.py``, because every visit of a
    team day is optional in the instance (left out at a large cost), the column reports
    the validator's verdict on what was planned.

Usage
    .venv/bin/python bench/team_day_linked.py --time-limit 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from balise.core.db import make_engine, session_factory
from balise.core.migrate import upgrade
from balise.demo import build_demo
from balise.grid.week_plan import generate_week, load_duration_model
from balise.planner.team_day import PlanSettings, build_instance, day_visits, plan_day
from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.instance_json import write_instance
from balise.planner.uhhc.search import solve_uhhc
from balise.planner.uhhc.solution import write_solution
from balise.planner.uhhc.toolbox import run_toolbox
from balise.territory.models import Client, Team

ROOT = Path(__file__).resolve().parents[1]
END = date(2026, 11, 20)  # a Friday: the same data on every run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="balise-bench-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'demo.sqlite3'}")
        upgrade(engine)
        with session_factory(engine)() as session:
            build_demo(session, seed=args.seed, end=END)
            monday = END + timedelta(days=3)
            model = load_duration_model(session, 1, END)
            teams = session.scalars(select(Team).where(Team.establishment_id == 1)).all()
            for team in teams:
                generate_week(session, team, monday, model)
            session.commit()
            team = max(teams, key=lambda t: session.scalar(
                select(func.count(Client.id)).where(Client.team_id == t.id)) or 0)
            for offset in range(5):
                day = monday + timedelta(days=offset)
                rows.append(_day(session, team, day, args.time_limit, Path(directory)))
    _show(rows, args.time_limit)


def _day(session: Any, team: Team, day: date, limit: float, directory: Path) -> dict[str, Any]:
    visits = day_visits(session, team, day)
    kinds = Counter(v.link_kind for v in visits)
    started = time.perf_counter()
    plan = plan_day(session, team, day, PlanSettings(time_limit_s=limit))
    seconds = time.perf_counter() - started
    placed = {s.visit_id: (w, s.start) for w, stops in plan.routes.items() for s in stops}
    by_id = {v.id: v for v in visits}
    doubles_ok = sum(1 for v in visits if v.link_kind == "double" and v.id in placed
                     and any(o.link_group == v.link_group and o.id != v.id and o.id in placed
                             and placed[o.id][0] != placed[v.id][0]
                             and placed[o.id][1] == placed[v.id][1] for o in visits)) // 2
    ends = {s.visit_id: s.end for stops in plan.routes.values() for s in stops}
    sequences_ok = sum(1 for v in visits if v.link_kind == "after" and v.id in placed
                       and any(o.link_group == v.link_group and o.link_kind == "before"
                               and o.id in placed
                               and (v.delay_min or 0) <= placed[v.id][1] - ends[o.id]
                               <= (v.delay_max or 0) for o in visits))
    instance, _ = build_instance(session, team, day, visits)
    path = directory / f"{day}.json"
    write_instance(instance, path)
    solution = solve_uhhc(instance, limit, 1)
    result = evaluate(instance, solution)
    out = directory / f"{day}.sol.json"
    write_solution(solution, out, result.total, result.weighted)
    verdict = run_toolbox(path, out)
    optional_left = sum(1 for v in plan.unassigned if by_id[v].optional)
    return {
        "day": day.isoformat(), "visits": len(visits),
        "double_visits": kinds["double"] // 2, "sequences": kinds["before"],
        "two_windows": sum(1 for v in visits if v.window2_start is not None),
        "optional": sum(1 for v in visits if v.optional),
        "placed": len(placed), "doubles_together": doubles_ok,
        "sequences_in_delay": sequences_ok,
        "left_out": dict(Counter(plan.unassigned.values())), "optional_left_out": optional_left,
        "travel_minutes": round(plan.travel_minutes), "seconds": round(seconds, 1),
        "validator_accepts": verdict.accepted, "validator_total": verdict.total,
        "validator_failures": list(verdict.failures[:5]),
        "balise_total": result.total,
    }


def _show(rows: list[dict[str, Any]], limit: float) -> None:
    table = Table(title=f"Team day with linked visits, demo seed 1, {limit:g} s per day")
    for name in ("day", "visits", "double", "seq.", "2 win.", "opt.", "placed",
                 "doubles together", "seq. in delay", "left out", "travel", "s", "valid"):
        table.add_column(name)
    for r in rows:
        table.add_row(r["day"], str(r["visits"]), str(r["double_visits"]), str(r["sequences"]),
                      str(r["two_windows"]), str(r["optional"]), str(r["placed"]),
                      str(r["doubles_together"]), str(r["sequences_in_delay"]),
                      ", ".join(f"{k} {n}" for k, n in r["left_out"].items()) or "—",
                      str(r["travel_minutes"]), str(r["seconds"]),
                      "yes" if r["validator_accepts"] else "NO")
    Console().print(table)
    record = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": platform.platform(), "load": os.getloadavg(),
              "time_limit_s": limit, "days": rows}
    out = ROOT / "bench" / "results" / "team_day_linked.json"
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
