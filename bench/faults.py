"""Nothing lost under faults: the field sync against crashes and a hostile network.

Protocol (``make bench-faults``), on SQLite (WAL, synchronous=FULL) and on PostgreSQL
(synchronous_commit=on, a throwaway cluster started here):

* Balise runs under uvicorn, one process, forked by bench/server_zygote.py so that a
  restart costs a fork rather than seconds of imports. The server is started with
  ``BALISE_FAULT_EXIT_AFTER_COMMIT=0.05`` (src/balise/web/faults.py): it exits after a
  batch commits and before its answer leaves on 5 % of the batches it executes — the
  ambiguous case.
* Devices reach it through bench/fault_proxy.py, a loopback TCP proxy that resets or
  truncates 10 % of connections (one connection per request: keep-alive is off).
* DEVICES simulated phones (asyncio + httpx) each send RECORDS records in batches of
  BATCH, each batch with its Idempotency-Key, retrying the same batch with the same key
  on any transport error or 5xx until the server answers 200. 10 % of answered batches
  are sent again on purpose (same key: the answer must be identical), 5 % again under a
  new key (the acknowledgments must be identical), 2 % twice at once.
* Meanwhile the server is SIGKILLed ``--kills`` times and restarted; on PostgreSQL the
  database is also stopped ``-m immediate`` ``--pg-crashes`` times and started again
  (SQLite runs the other faults only). One fault every 0.5–2.5 s, in random order;
  the run must outlast them all (a faster server sends its records sooner).
* The server takes 48 requests at once and answers 503 beyond (uvicorn's
  ``limit_concurrency``), as a deployment behind a proxy would: the device retries.
* When every record is acknowledged, the database is checked like Jepsen's set checker:
  lost = acknowledged but not stored; duplicated = stored twice; phantom = stored but
  never sent; payload mismatch; never acknowledged; and each visit must hold its
  latest record's version (exactly-once *effect*). SQLite also runs
  ``PRAGMA integrity_check``. Every planned fault must have been played, and the whole
  run must end within ``--budget`` seconds.

Prints a table, writes bench/results/faults.json, exits 1 on any violation.

    .venv/bin/python bench/faults.py                        # both engines, 200 x 50
    .venv/bin/python bench/faults.py --engines sqlite --devices 20 --records 10 --kills 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fault_proxy import FaultProxy  # type: ignore[import-not-found]
from sqlalchemy import func, select, text
from sync_common import (  # type: ignore[import-not-found]
    ROOT,
    Database,
    Device,
    Tally,
    free_port,
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
from balise.web.faults import EXIT_AFTER_COMMIT

RESULTS = ROOT / "bench" / "results" / "faults.json"
GIVE_UP = 600.0  # a device retries a batch this long; the run's budget is the real limit


class ForkedServer:
    """Balise servers forked one after the other by bench/server_zygote.py on one port."""

    def __init__(self, url: str, exit_rate: float) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "BALISE_DATABASE_URL": url, "BALISE_SECURE_COOKIES": "0",
               EXIT_AFTER_COMMIT: str(exit_rate),
               "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
        self.log = Path(tempfile.mkstemp(prefix="balise-faults-", suffix=".log")[1])
        with self.log.open("ab") as log:
            self.zygote = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "server_zygote.py"), str(self.port)],
                env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        self.pid = 0

    def start(self, timeout: float = 60) -> None:
        assert self.zygote.stdin is not None and self.zygote.stdout is not None
        self.zygote.stdin.write(b"start\n")
        self.zygote.stdin.flush()
        line = self.zygote.stdout.readline()
        if not line:
            raise RuntimeError(f"the server zygote exited: {self.log.read_text()[-2000:]}")
        self.pid = int(line)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return  # exited already (after a commit): the caller starts another
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def alive(self) -> bool:
        if self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL to the server's whole group: no shutdown, no flush, nothing polite."""
        if self.pid <= 0:  # killpg(0) would be this bench's own group
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        while self.alive():
            time.sleep(0.005)

    def close(self) -> None:
        self.kill()
        self.zygote.terminate()
        self.zygote.wait(timeout=10)


class Chaos:
    """Plays the planned faults and restarts the server whenever it is gone."""

    def __init__(self, server: ForkedServer, db: Database, kills: int, pg_crashes: int) -> None:
        self.server, self.db = server, db
        self.plan = ["kill"] * kills + ["pg"] * (pg_crashes if db.pg else 0)
        random.shuffle(self.plan)
        self.kills = self.pg_crashes = self.exits_after_commit = 0
        self.down_seconds = 0.0  # from a server's death to its successor's first answer
        self.stop = threading.Event()

    def restart(self) -> None:
        began = time.monotonic()
        self.server.start()
        self.down_seconds += time.monotonic() - began

    def run(self) -> None:
        next_fault = time.monotonic() + random.uniform(0.5, 2.5)
        while not self.stop.is_set():
            if not self.server.alive():
                self.exits_after_commit += 1
                self.restart()
            if self.plan and time.monotonic() >= next_fault:
                fault = self.plan.pop()
                if fault == "kill":
                    self.server.kill()
                    self.kills += 1
                    self.restart()
                else:
                    self.db.crash_postgres()
                    self.pg_crashes += 1
                next_fault = time.monotonic() + random.uniform(0.5, 2.5)
            time.sleep(0.01)


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
                send_batch(client, base, device, chunk, tally, key=key, give_up_after=GIVE_UP),
                send_batch(client, base, device, chunk, tally, key=key, give_up_after=GIVE_UP))
            tally.replays_checked += 1
            tally.replays_differing += answers[0] != answers[1]
            continue
        answer = await send_batch(client, base, device, chunk, tally, key=key, give_up_after=GIVE_UP)
        if roll < 0.12:  # resent with the same key: the very same answer
            again = await send_batch(client, base, device, chunk, tally, key=key,
                                     give_up_after=GIVE_UP)
            tally.replays_checked += 1
            tally.replays_differing += again != answer
        elif roll < 0.17:  # the same records under a new key: the same acknowledgments
            again = await send_batch(client, base, device, chunk, tally, give_up_after=GIVE_UP)
            tally.replays_checked += 1
            tally.replays_differing += again["acks"] != answer["acks"]


async def drive(base: str, devices: list[Device], plans: list[list[dict[str, Any]]],
                batch: int, tally: Tally) -> None:
    # One connection per request, so that the proxy's rate is a rate of requests.
    limits = httpx.Limits(max_connections=len(devices) * 2, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits) as client:
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
    server: ForkedServer | None = None
    proxy: FaultProxy | None = None
    try:
        devices = seed(db.engine, args.devices, args.visits)
        day = clock.today()
        plans = [[make_record(d, d.visit_ids[i % len(d.visit_ids)], i, day)
                  for i in range(args.records)] for d in devices]
        server = ForkedServer(db.url, args.exit_rate)
        server.start()
        proxy = FaultProxy(server.port, args.proxy_rate, args.seed)
        proxy.start()
        chaos = Chaos(server, db, args.kills, args.pg_crashes)
        thread = threading.Thread(target=chaos.run, daemon=True)
        thread.start()
        tally = Tally()
        sending = time.monotonic()
        try:
            asyncio.run(drive(f"http://127.0.0.1:{proxy.port}", devices, plans, args.batch,
                              tally))
        finally:
            chaos.stop.set()
            thread.join(timeout=60)
        sent_in = time.monotonic() - sending
        result = check(db, tally)
        result.update(engine=kind, kills=chaos.kills, exits_after_commit=chaos.exits_after_commit,
                      pg_crashes=chaos.pg_crashes, faults_left_unplayed=len(chaos.plan),
                      server_down_seconds=round(chaos.down_seconds, 1),
                      proxy=dict(sorted(proxy.counts.items())),
                      proxy_faults=sum(proxy.counts[k] for k in ("reset_before", "reset_after",
                                                                 "truncate")),
                      requests=tally.requests, retries=tally.retries,
                      transport_errors=dict(sorted(tally.errors.items())),
                      records_per_second=round(len(tally.acked) / sent_in, 1),
                      seconds=round(time.monotonic() - began, 1))
        return result
    finally:
        if proxy is not None:
            proxy.stop()
        if server is not None:
            server.close()
        db.close()


def violations(result: dict[str, Any]) -> list[str]:
    bad = [name for name in ("lost", "duplicated", "phantom", "never_acknowledged",
                             "payload_mismatch", "visits_wrong", "batches_without_answer",
                             "refused", "replays_differing", "faults_left_unplayed")
           if result[name]]
    if result["integrity_check"] not in ("ok", "n/a"):
        bad.append("integrity_check")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--records", type=int, default=50, help="records per device")
    parser.add_argument("--visits", type=int, default=12, help="visits per device")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--pg-crashes", type=int, default=5)
    parser.add_argument("--exit-rate", type=float, default=0.05,
                        help="share of executed batches after which the server exits")
    parser.add_argument("--proxy-rate", type=float, default=0.10,
                        help="share of connections the proxy resets or truncates")
    parser.add_argument("--budget", type=float, default=300.0,
                        help="seconds the whole run (every engine) may take")
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    random.seed(args.seed)
    began = time.monotonic()
    results = [run_engine(kind, args) for kind in args.engines.split(",")]
    total = round(time.monotonic() - began, 1)
    columns = ["engine", "attempted", "acknowledged", "stored", "lost", "duplicated", "phantom",
               "payload_mismatch", "never_acknowledged", "visits_wrong", "kills",
               "exits_after_commit", "pg_crashes", "proxy_faults", "server_down_seconds", "requests",
               "retries",
               "replays_checked", "integrity_check", "records_per_second", "seconds"]
    print(table(results, columns))
    print(f"whole run: {total} s (budget {args.budget:.0f} s)")
    failed = {r["engine"]: violations(r) for r in results if violations(r)}
    if total > args.budget:
        failed["run"] = [f"over_budget: {total} s"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "bench": "faults", "at": datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_at_end": os.getloadavg()},
        "parameters": vars(args), "seconds": total, "results": results, "violations": failed,
    }, indent=1) + "\n", encoding="utf-8")
    if failed:
        print(f"VIOLATIONS: {failed}", file=sys.stderr)
        return 1
    print("OK: every acknowledged record stored exactly once, none invented, payloads "
          "intact, every record acknowledged, every visit holds its latest version.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
