"""How long a committee member waits for tools/verify_journal.py, and Balise for its own check.

Protocol: build a journal of N entries with realistic payloads (French text, a few
keys), write its export as Balise does (JSON, indented, UTF-8), then run the standalone
verifier as a member would — a fresh ``python3 -I tools/verify_journal.py`` process,
wall-clock time from start to exit, so interpreter start-up and JSON parsing count —
REPEAT times and keep the median and the worst. The target is 10,000 entries in under
2 seconds. For comparison: Python's bare start-up, the same check in-process
(balise.journal.chain), and ``service.verify`` / ``service.export`` on a SQLite database
migrated with Alembic, holding the same number of entries.

    .venv/bin/python bench/journal_verify.py            # 10,000 and 100,000 entries
    .venv/bin/python bench/journal_verify.py 10000      # sizes of your choice
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from balise.core import clock
from balise.core.db import make_engine, session_factory
from balise.core.migrate import upgrade
from balise.journal import service
from balise.journal.chain import (
    FORMAT,
    GENESIS,
    ChainEntry,
    entry_hash,
    entry_to_export,
    verify_export,
)

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "verify_journal.py"
RESULTS = ROOT / "bench" / "results" / "journal_verify.json"
REPEAT = 5
TARGET_SECONDS = 2.0
START = datetime(2026, 1, 5, 8, 30)
ACTIONS = [
    ("committee.proposal.filed", lambda i: {"titre": f"Tournées de l'équipe T{i % 9} — été"}),
    ("committee.stance.recorded", lambda i: {"side": "union" if i % 2 else "employer"}),
    ("grid.reference_time.changed",
     lambda i: {"act": f"ACT{i % 40}", "minutes": 20 + i % 30, "valid_from": "2027-01-04"}),
    ("committee.decision.recorded", lambda i: {"motifs": ["consensus", f"réunion nº {i // 7}"]}),
]


def payload_for(i: int) -> tuple[str, dict[str, Any]]:
    action, make = ACTIONS[i % len(ACTIONS)]
    return action, make(i)


def build_export(n: int) -> dict[str, Any]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        action, payload = payload_for(seq)
        entry = ChainEntry(seq=seq, at=(START + timedelta(minutes=seq)).isoformat(),
                           establishment_id=1, actor_user_id=seq % 12 + 1, action=action,
                           subject=f"proposal:{seq // 3 + 1}", payload=payload,
                           prev_hash=prev, hash="")
        sealed = ChainEntry(**{**entry_to_export(entry), "hash": entry_hash(entry)})
        rows.append(entry_to_export(sealed))
        prev = sealed.hash
    return {"format": FORMAT, "exported_at": START.isoformat(),
            "head": {"count": n, "hash": prev}, "entries": rows}


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if command[-1].endswith(".json") and done.returncode != 0:
        raise SystemExit(f"verifier said {done.returncode}: {done.stdout}{done.stderr}")
    return elapsed


def median_and_max(samples: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(samples), 4), "max_s": round(max(samples), 4)}


def database_timings(n: int, directory: Path) -> dict[str, float]:
    engine = make_engine(f"sqlite:///{directory / f'bench-{n}.sqlite3'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as session:
        for seq in range(1, n + 1):
            clock.freeze(START + timedelta(minutes=seq))
            action, payload = payload_for(seq)
            service.append(session, action=action, subject=f"proposal:{seq // 3 + 1}",
                           payload=payload, actor_user_id=seq % 12 + 1)
        session.commit()
    clock.freeze(None)
    verify_s, export_s = [], []
    for _ in range(REPEAT):
        with factory() as session:
            began = time.perf_counter()
            assert service.verify(session).ok
            verify_s.append(time.perf_counter() - began)
            began = time.perf_counter()
            service.export(session)
            export_s.append(time.perf_counter() - began)
    engine.dispose()
    return {"db_verify_median_s": round(statistics.median(verify_s), 4),
            "db_export_median_s": round(statistics.median(export_s), 4)}


def main(sizes: list[int]) -> None:
    startup = [timed([sys.executable, "-I", "-c", "pass"]) for _ in range(REPEAT)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = build_export(n)
            path = Path(tmp) / f"journal-{n}.json"
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            samples = [timed([sys.executable, "-I", str(TOOL), str(path)]) for _ in range(REPEAT)]
            began = time.perf_counter()
            assert verify_export(data).ok
            in_process = time.perf_counter() - began
            rows.append({"entries": n, "export_mb": round(path.stat().st_size / 1e6, 2),
                         **{f"tool_{k}": v for k, v in median_and_max(samples).items()},
                         "in_process_s": round(in_process, 4),
                         **database_timings(n, Path(tmp)),
                         # The target is a rate: 2 s per 10,000 entries.
                         "within_target": max(samples) < TARGET_SECONDS * n / 10_000})
    print(f"python start-up alone: {statistics.median(startup):.3f} s (median of {REPEAT})")
    header = ["entries", "export_mb", "tool_median_s", "tool_max_s", "in_process_s",
              "db_verify_median_s", "db_export_median_s", "within_target"]
    print(" | ".join(f"{h:>18}" for h in header))
    for row in rows:
        print(" | ".join(f"{row[h]!s:>18}" for h in header))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "journal_verify",
        "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
        "target": f"10,000 entries in under {TARGET_SECONDS} s with tools/verify_journal.py",
        "repeat": REPEAT,
        "python": platform.python_version(),
        "machine": platform.platform(),
        "python_startup_median_s": round(statistics.median(startup), 4),
        "rows": rows,
    }, indent=2), encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
