"""Demo territory generation: how long ``balise demo-data`` takes at its default size.

Protocol
    Each engine gets a fresh database migrated with Alembic: a SQLite file in a
    temporary directory, and, when ``BALISE_DATABASE_URL`` names a PostgreSQL server, a
    throwaway database created on that server (the URL's own database is never
    touched; the role needs CREATEDB). ``build_demo`` then runs with the CLI's defaults
    (seed 1, 60 workers, 600 clients, 12 weeks) and a fixed last day, so that every run
    builds the same data; the wall time covers the whole call, commit included, and not
    the migration. Each engine runs ``--repeat`` times on a new database each time; the
    table shows the median. The fingerprint of the data (codes, not ids) is printed
    so that one can see the same seed give the same data on both engines.

    The target (issue: foundation point 4) is well under a minute for 60 workers × 12
    weeks; the machine's load matters, so the JSON records it.

Usage
    .venv/bin/python bench/demo_generation.py
    .venv/bin/python bench/demo_generation.py --workers 200 --clients 2000 --weeks 52
    BALISE_DATABASE_URL=postgresql+psycopg://me@localhost/postgres .venv/bin/python bench/demo_generation.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

from balise.core.db import make_engine, session_factory
from balise.core.migrate import upgrade
from balise.demo import build_demo, fingerprint

ROOT = Path(__file__).resolve().parents[1]
END = date(2026, 11, 20)  # a Friday: the same data on every run and every day


@contextmanager
def fresh_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="balise-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'demo.sqlite3'}"


@contextmanager
def fresh_postgres(server_url: str, run: int) -> Iterator[str]:
    name = f"balise_bench_demo_{os.getpid()}_{run}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def one_run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    try:
        with session_factory(engine)() as session:
            started = time.perf_counter()
            summary = build_demo(session, seed=args.seed, workers=args.workers,
                                 clients=args.clients, weeks=args.weeks, end=END)
            seconds = time.perf_counter() - started
            digest = fingerprint(session)
    finally:
        engine.dispose()
    return {"seconds": round(seconds, 2), "visits": summary.visits,
            "visit_acts": summary.visit_acts, "workers": summary.workers,
            "clients": summary.clients, "waiting": summary.waiting,
            "unstaffed": summary.unstaffed, "fingerprint": digest}


def run_engine(engine: str, args: argparse.Namespace, server_url: str | None) -> dict[str, Any]:
    runs = []
    for run in range(args.repeat):
        if engine == "sqlite":
            with fresh_sqlite() as url:
                runs.append(one_run(url, args))
        else:
            assert server_url is not None
            with fresh_postgres(server_url, run) as url:
                runs.append(one_run(url, args))
    median = statistics.median(r["seconds"] for r in runs)
    first = runs[0]
    return {"engine": engine, "median_seconds": median,
            "runs_seconds": [r["seconds"] for r in runs],
            "visits_per_second": round(first["visits"] / median) if median else None,
            "same_data_every_run": len({r["fingerprint"] for r in runs}) == 1,
            **{k: first[k] for k in ("visits", "visit_acts", "workers", "clients", "waiting",
                                     "unstaffed", "fingerprint")}}


def print_table(results: list[dict[str, Any]], args: argparse.Namespace,
                console: Console) -> None:
    table = Table(title=f"balise demo-data: seed {args.seed}, {args.workers} workers, "
                        f"{args.clients} clients, {args.weeks} weeks (median of {args.repeat})")
    for column in ("engine", "seconds", "visits", "visit acts", "visits/s", "waiting",
                   "unstaffed", "fingerprint", "same data"):
        table.add_column(column, justify="left" if column in ("engine", "fingerprint") else "right")
    for r in results:
        table.add_row(r["engine"], f"{r['median_seconds']:.2f}", str(r["visits"]),
                      str(r["visit_acts"]), str(r["visits_per_second"]), str(r["waiting"]),
                      str(r["unstaffed"]), r["fingerprint"][:12],
                      "yes" if r["same_data_every_run"] else "NO")
    console.print(table)
    if len({r["fingerprint"] for r in results}) == 1 and len(results) > 1:
        console.print("Both engines hold the same data for the same seed.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=60)
    parser.add_argument("--clients", type=int, default=600)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path,
                        default=ROOT / "bench" / "results" / "demo_generation.json")
    args = parser.parse_args(argv)
    server = os.environ.get("BALISE_DATABASE_URL", "")
    server_url = server if server and make_url(server).get_backend_name() == "postgresql" else None
    console = Console(width=None if sys.stdout.isatty() else 120)
    engines = ["sqlite"] + (["postgresql"] if server_url else [])
    results = []
    for engine in engines:
        with console.status(f"{engine}: building the demo {args.repeat} time(s)"):
            results.append(run_engine(engine, args, server_url))
    print_table(results, args, console)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "demo_generation",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {"seed": args.seed, "workers": args.workers, "clients": args.clients,
                       "weeks": args.weeks, "end": END.isoformat(), "repeat": args.repeat},
        "target_seconds": 60,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "results": results,
    }
    args.output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    console.print(f"written {args.output}")
    return 0 if all(r["median_seconds"] < 60 and r["same_data_every_run"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
