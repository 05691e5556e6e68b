"""schemathesis against Balise's OpenAPI, once per role, on SQLite and on PostgreSQL.

    python bench/fuzz.py [--max-examples 5] [--db sqlite --db postgresql] [--seed 0]

Each run builds a fresh database (migrated by Alembic; PostgreSQL is a throwaway
cluster started here, as the tests do), the tests' fixed cast (one user per role) and
the objects of the route × role tables, then fuzzes every operation as each role with
all of schemathesis' default checks (see ``tests/web/fuzzing.py``). It prints a table of
requests and failures per check and writes ``bench/results/fuzz.json``; it exits 1 when
any request got a server error.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import PostgresServer  # noqa: E402
from tests.factories import build_cast  # noqa: E402
from tests.web.fuzzing import SERVER_ERROR, Report, fuzz_role, real_ids  # noqa: E402
from tests.web.matrix import ROLES  # noqa: E402

from balise.core.db import make_engine, session_factory  # noqa: E402
from balise.core.migrate import upgrade  # noqa: E402
from balise.core.settings import Settings  # noqa: E402
from balise.web.app import create_app  # noqa: E402


def run_engine(kind: str, max_examples: int, seed: int, roles: list[str]) -> tuple[Report, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"balise-fuzz-{kind}-"))
    server = None
    if kind == "postgresql":
        server = PostgresServer()
        server.start()
        url = server.url()
    else:
        url = f"sqlite:///{workdir / 'balise.sqlite3'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            cast = build_cast(session)
            ids = real_ids(session, cast)
        app = create_app(Settings(database_url=url), engine)
        report = Report()
        started = time.perf_counter()
        for username in roles:
            report.merge(fuzz_role(app, username, ids, max_examples, seed))
            print(f"  {kind:<10} {username:<9} {report.requests[username]:>6} requests",
                  flush=True)
        return report, time.perf_counter() - started
    finally:
        engine.dispose()
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=5,
                        help="examples per operation and role (default 5)")
    parser.add_argument("--db", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--role", action="append", choices=ROLES)
    parser.add_argument("--seed", type=int, default=0, help="0: a random seed")
    args = parser.parse_args()
    logging.getLogger("balise.web").setLevel(logging.CRITICAL)  # counted below instead
    results = {}
    exit_code = 0
    for kind in args.db or ["sqlite", "postgresql"]:
        report, seconds = run_engine(kind, args.max_examples, args.seed, args.role or ROLES)
        checks = Counter[str]()
        for (_role, check), count in report.failures.items():
            checks[check] += count
        print(f"\n{kind}: {sum(report.requests.values())} requests in {seconds:.0f} s")
        print(f"  {'check':<45} failures")
        for check, count in sorted(checks.items()):
            print(f"  {check:<45} {count}")
        for cause, count in sorted(report.distinct_errors.items()):
            print(f"  SERVER ERROR x{count} {cause}")
        results[kind] = {
            "seconds": round(seconds, 1),
            "requests": dict(report.requests),
            "failures_by_check": dict(checks),
            "server_errors": len(report.server_errors),
            "server_error_causes": dict(report.distinct_errors),
            "server_error_samples": report.server_errors[:50],
        }
        if report.server_errors or checks.get(SERVER_ERROR):
            exit_code = 1
    out = ROOT / "bench" / "results" / "fuzz.json"
    out.write_text(json.dumps({"max_examples": args.max_examples, "seed": args.seed,
                               "engines": results}, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
