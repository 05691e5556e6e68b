"""Nothing lost under faults: the field sync against a server killed mid-flight.

Protocol, on SQLite (WAL, synchronous=FULL) and on PostgreSQL (synchronous_commit=on,
a throwaway cluster started here):

* Balise runs under uvicorn (one process, its own process group) with one fault added
  (bench/sync_fault_app.py): after a batch commits and before its answer leaves, the
  process exits with probability ``--exit-rate`` (at most ``--max-exits`` times: each
  restart costs seconds of imports) — the ambiguous case.
* DEVICES simulated phones (asyncio + httpx) each send RECORDS records in batches of
  BATCH, each batch with its Idempotency-Key, retrying the same batch with the same key
  on any transport error or 5xx until the server answers 200. 10 % of answered batches
  are sent again on purpose (same key: the answer must be identical), 5 % sent again
  under a new key (the records' acknowledgments must be identical), 2 % twice at once.
* Meanwhile the server is SIGKILLed ``--kills`` times at random 0.5–2.5 s intervals and
  restarted; on PostgreSQL the database itself is also stopped ``-m immediate`` (crash)
  ``--pg-crashes`` times and restarted.
* When every device has every record acknowledged, the database is checked (Jepsen's
  set accounting): lost = acknowledged but not stored; duplicated = stored twice;
  phantom = stored but never sent; payload mismatch; and each visit must hold the
  version of its latest record (exactly-once *effect*, not only exactly-once storage).
  SQLite also runs ``PRAGMA integrity_check``.

Prints a table, writes bench/results/sync_faults.json, exits 1 on any violation.

    .venv/bin/python bench/sync_faults.py                      # both engines, < 3 min
    .venv/bin/python bench/sync_faults.py --engines sqlite --kills 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import threading
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sync_common import (  # type: ignore[import-not-found]
    ROOT,
    Database,
    Device,
    Server,
    Tally,
    make_record,
    seed,
    send_batch,
    stored_records,
    table,
)

from balise.core import clock
from balise.field.models import SyncBatch
from balise.field.protocol import VisitRecord
from balise.field.rules import sha256_of
from balise.grid.models import Visit

RESULTS = ROOT / "bench" / "results" / "sync_faults.json"


class Chaos:
    """Kills and restarts the server (and PostgreSQL) on a schedule, and restarts the
    server whenever the exit-after-commit fault has taken it down."""

    def __init__(self, server: Server, db: Database, kills: int, pg_crashes: int,
                 max_exits: int) -> None:
        self.server, self.db, self.max_exits = server, db, max_exits
        self.plan = ["kill"] * kills + ["pg"] * (pg_crashes if db.pg else 0)
        random.shuffle(self.plan)
        self.kills = self.pg_crashes = self.exits_after_commit = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        next_fault = time.monotonic() + random.uniform(0.5, 2.5)
        while not self.stop.is_set():
            with self.lock:
                process = self.server.process
                if process is not None and process.poll() is not None:
                    self.exits_after_commit += 1
                    if self.exits_after_commit >= self.max_exits:
                        # Enough ambiguous answers: each restart costs seconds of imports.
                        self.server.env["BALISE_BENCH_EXIT_AFTER_COMMIT"] = "0"
                    self.server.start()
                if self.plan and time.monotonic() >= next_fault:
                    fault = self.plan.pop()
                    if fault == "kill":
                        self.server.kill()
                        self.kills += 1
                        self.server.start()
                    else:
                        self.db.crash_postgres()
                        self.pg_crashes += 1
                    next_fault = time.monotonic() + random.uniform(0.5, 2.5)
            time.sleep(0.05)


def normalized(record: dict[str, Any]) -> dict[str, Any]:
    return VisitRecord.model_validate(record).model_dump(mode="json")


async def device_run(client: httpx.AsyncClient, base: str, device: Device,
                     records: list[dict[str, Any]], batch: int, tally: Tally) -> None:
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        for record in chunk:
            tally.attempted[record["record_id"]] = record
        key = str(uuid.uuid4())
        roll = random.random()
        if roll < 0.02:  # the same batch twice at once: one execution, two equal answers
            answers = await asyncio.gather(
                send_batch(client, base, device, chunk, tally, key=key),
                send_batch(client, base, device, chunk, tally, key=key))
            tally.replays_checked += 1
            tally.replays_differing += answers[0] != answers[1]
            continue
        answer = await send_batch(client, base, device, chunk, tally, key=key)
        if roll < 0.12:  # resent with the same key: the very same answer
            again = await send_batch(client, base, device, chunk, tally, key=key)
            tally.replays_checked += 1
            tally.replays_differing += again != answer
        elif roll < 0.17:  # the same records under a new key: the same acknowledgments
            again = await send_batch(client, base, device, chunk, tally)
            tally.replays_checked += 1
            tally.replays_differing += again["acks"] != answer["acks"]


async def drive(base: str, devices: list[Device], plans: list[list[dict[str, Any]]],
                batch: int, tally: Tally) -> None:
    limits = httpx.Limits(max_connections=len(devices) * 2, max_keepalive_connections=len(devices))
    async with httpx.AsyncClient(timeout=httpx.Timeout(20.0), limits=limits) as client:
        await asyncio.gather(*(device_run(client, base, d, p, batch, tally)
                               for d, p in zip(devices, plans, strict=True)))


def check(db: Database, tally: Tally) -> dict[str, Any]:
    rows = stored_records(db.engine)
    ids = [str(r.record_id) for r in rows]
    stored = set(ids)
    attempted, acked = set(tally.attempted), set(tally.acked)
    mismatched = [str(r.record_id) for r in rows
                  if str(r.record_id) not in tally.attempted
                  or r.payload != normalized(tally.attempted[str(r.record_id)])
                  or sha256_of(r.payload) != r.payload_sha256]
    # Exactly-once effect: each visit holds its latest record's version (its note).
    latest: dict[int, tuple[str, str]] = {}
    for record_id in acked:
        record = tally.attempted[record_id]
        key = (normalized(record)["recorded_at"], record_id)
        if record["visit_id"] not in latest or key > latest[record["visit_id"]]:
            latest[record["visit_id"]] = key
    with db.engine.connect() as conn:
        notes = dict(conn.execute(select(Visit.id, Visit.note).where(Visit.id.in_(latest))).all())
        unanswered = conn.scalar(select(func.count()).select_from(SyncBatch)
                                 .where(SyncBatch.response.is_(None)))
        integrity = (conn.execute(text("PRAGMA integrity_check")).scalar()
                     if db.kind == "sqlite" else "n/a")
    wrong_visits = [v for v, (_at, rid) in latest.items() if notes.get(v) != f"record {rid}"]
    return {
        "attempted": len(attempted), "acknowledged": len(acked), "stored": len(stored),
        "lost": len(acked - stored), "duplicated": len(ids) - len(stored),
        "phantom": len(stored - attempted), "never_acknowledged": len(attempted - acked),
        "payload_mismatch": len(mismatched), "visits_wrong": len(wrong_visits),
        "batches_without_answer": int(unanswered or 0), "refused": len(tally.refused),
        "integrity_check": integrity, "replays_checked": tally.replays_checked,
        "replays_differing": tally.replays_differing,
    }


def run_engine(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    began = time.monotonic()
    db = Database(kind)
    try:
        devices = seed(db.engine, args.devices, args.visits)
        day = clock.today()
        plans = [[make_record(d, d.visit_ids[i % len(d.visit_ids)], i, day)
                  for i in range(args.records)] for d in devices]
        server = Server(db.url, app="sync_fault_app:create_app", app_dir=str(ROOT / "bench"),
                        extra_env={"BALISE_BENCH_EXIT_AFTER_COMMIT": str(args.exit_rate)})
        server.start()
        chaos = Chaos(server, db, args.kills, args.pg_crashes, args.max_exits)
        thread = threading.Thread(target=chaos.run, daemon=True)
        thread.start()
        tally = Tally()
        try:
            asyncio.run(drive(server.base, devices, plans, args.batch, tally))
        finally:
            chaos.stop.set()
            thread.join(timeout=30)
            server.stop()
        result = check(db, tally)
        result.update(engine=kind, kills=chaos.kills, exits_after_commit=chaos.exits_after_commit,
                      pg_crashes=chaos.pg_crashes, faults_left_unplayed=len(chaos.plan),
                      requests=tally.requests, retries=tally.retries,
                      transport_errors=dict(sorted(tally.errors.items())),
                      seconds=round(time.monotonic() - began, 1))
        return result
    finally:
        db.close()


def violations(result: dict[str, Any]) -> list[str]:
    bad = [name for name in ("lost", "duplicated", "phantom", "never_acknowledged",
                             "payload_mismatch", "visits_wrong", "batches_without_answer",
                             "refused", "replays_differing") if result[name]]
    if result["integrity_check"] not in ("ok", "n/a"):
        bad.append("integrity_check")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--devices", type=int, default=30)
    parser.add_argument("--records", type=int, default=30, help="records per device")
    parser.add_argument("--visits", type=int, default=12, help="visits per device")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--pg-crashes", type=int, default=2)
    parser.add_argument("--exit-rate", type=float, default=0.05)
    parser.add_argument("--max-exits", type=int, default=3,
                        help="exits after commit before the fault is switched off")
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    random.seed(args.seed)
    results = [run_engine(kind, args) for kind in args.engines.split(",")]
    columns = ["engine", "attempted", "acknowledged", "stored", "lost", "duplicated", "phantom",
               "payload_mismatch", "visits_wrong", "kills", "exits_after_commit", "pg_crashes",
               "requests", "retries", "replays_checked", "integrity_check", "seconds"]
    print(table(results, columns))
    failed = {r["engine"]: violations(r) for r in results if violations(r)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "bench": "sync_faults", "at": datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_at_end": os.getloadavg()},
        "parameters": vars(args), "results": results, "violations": failed,
    }, indent=1) + "\n", encoding="utf-8")
    if failed:
        print(f"VIOLATIONS: {failed}", file=sys.stderr)
        return 1
    print("OK: every acknowledged record stored exactly once, none invented, payloads "
          "intact, every visit holds its latest version.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
