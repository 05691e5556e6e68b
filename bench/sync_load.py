"""Load on the field sync: 200 devices sending batches of visit records on loopback.

Protocol, on SQLite and on PostgreSQL (a throwaway cluster started here), Balise under
uvicorn with ``--workers`` processes:

1. *saturation*: every device sends a batch, waits for the answer, sends the next
   (closed loop, no pause) for ``--seconds``: the most records/s the server gives, and
   the latency when 200 devices queue for it;
2. *paced*: each device sends one batch every 200 × BATCH / RATE seconds (open loop,
   random phase), RATE being ``--pace`` × the saturation throughput: the latency a
   device sees when the server is not saturated.

Latency is per request (batch), from send to the whole answer; a record counts only
once a 200 answer acknowledges it. CPU seconds of the server's processes (and of
PostgreSQL's) are read from /proc, so that the cost per record can be told apart from
what other programs on the machine take: the machine's load average is recorded too.

Prints a table, writes bench/results/sync_load.json.

    .venv/bin/python bench/sync_load.py                       # both engines, ~2 min
    .venv/bin/python bench/sync_load.py --engines postgresql --workers 2 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sync_common import (  # type: ignore[import-not-found]
    ROOT,
    Database,
    Device,
    Server,
    Tally,
    make_record,
    percentile,
    seed,
    send_batch,
    table,
)

from balise.core import clock

RESULTS = ROOT / "bench" / "results" / "sync_load.json"
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def _pids(predicate: Any) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if predicate(int(entry.name), int(fields[1]), int(fields[2])):
                found.append(int(entry.name))
    return found


def cpu_seconds(server: Server, db: Database) -> dict[str, float]:
    """CPU used so far by the server's process group and by PostgreSQL's processes."""
    group = server.process.pid if server.process else -1
    used = {"server": _cpu_of(_pids(lambda pid, ppid, pgrp: pgrp == group))}
    if db.pg is not None:
        postmaster = int((db.pg.data / "postmaster.pid").read_text().split()[0])
        used["postgresql"] = _cpu_of(_pids(lambda pid, ppid, pgrp: pid == postmaster
                                           or ppid == postmaster))
    return used


class Feeder:
    """Makes each device's next records: its visits in turn, each version later."""

    def __init__(self, devices: list[Device]) -> None:
        self.count = dict.fromkeys(range(len(devices)), 0)
        self.day = clock.today()

    def batch(self, index: int, device: Device, size: int) -> list[dict[str, Any]]:
        start = self.count[index]
        self.count[index] += size
        return [make_record(device, device.visit_ids[n % len(device.visit_ids)], n, self.day)
                for n in range(start, start + size)]


async def saturate(base: str, devices: list[Device], feeder: Feeder, size: int,
                   seconds: float, tally: Tally) -> float:
    stop = time.monotonic() + seconds

    async def device(client: httpx.AsyncClient, index: int, d: Device) -> None:
        while time.monotonic() < stop:
            await send_batch(client, base, d, feeder.batch(index, d, size), tally)

    began = time.monotonic()
    async with _client(len(devices)) as client:
        await asyncio.gather(*(device(client, i, d) for i, d in enumerate(devices)))
    return time.monotonic() - began


async def paced(base: str, devices: list[Device], feeder: Feeder, size: int, seconds: float,
                rate: float, tally: Tally) -> float:
    period = len(devices) * size / rate
    stop = time.monotonic() + seconds

    async def device(client: httpx.AsyncClient, index: int, d: Device) -> None:
        due = time.monotonic() + random.uniform(0, period)
        while due < stop:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await send_batch(client, base, d, feeder.batch(index, d, size), tally)
            due += period

    began = time.monotonic()
    async with _client(len(devices)) as client:
        await asyncio.gather(*(device(client, i, d) for i, d in enumerate(devices)))
    return time.monotonic() - began


def _client(devices: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=httpx.Limits(
        max_connections=devices, max_keepalive_connections=devices))


def phase(name: str, kind: str, run: Any, server: Server, db: Database,
          tally: Tally) -> dict[str, Any]:
    before, load_before = cpu_seconds(server, db), os.getloadavg()[0]
    elapsed = asyncio.run(run)
    after = cpu_seconds(server, db)
    records = len(tally.acked)
    cpu = {k: after[k] - before[k] for k in after}
    per_record = {k: round(v / records * 1000, 2) if records else None for k, v in cpu.items()}
    return {
        "engine": kind, "phase": name, "records": records, "seconds": round(elapsed, 1),
        "records_per_s": round(records / elapsed, 1), "batches": len(tally.latencies),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(sorted(tally.errors.items())),
        "server_cpu_ms_per_record": per_record.get("server"),
        "postgresql_cpu_ms_per_record": per_record.get("postgresql"),
        "load_average": f"{load_before:.1f}→{os.getloadavg()[0]:.1f}",
    }


def run_engine(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    db = Database(kind)
    try:
        devices = seed(db.engine, args.devices, args.visits)
        server = Server(db.url, workers=args.workers)
        server.start()
        try:
            feeder = Feeder(devices)
            # Warm each worker (imports, statement caches) outside the measure.
            asyncio.run(saturate(server.base, devices[:20], feeder, args.batch, 3, Tally()))
            tally = Tally()
            full = phase("saturation", kind, saturate(server.base, devices, feeder, args.batch,
                                                      args.seconds, tally), server, db, tally)
            rate = max(args.batch, full["records_per_s"] * args.pace)
            tally = Tally()
            steady = phase(f"paced {rate:.0f}/s", kind, paced(
                server.base, devices, feeder, args.batch, args.seconds, rate, tally),
                server, db, tally)
            return [full, steady]
        finally:
            server.stop()
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--visits", type=int, default=40, help="visits per device")
    parser.add_argument("--batch", type=int, default=10, help="records per batch")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pace", type=float, default=0.7,
                        help="paced load as a share of the saturation throughput")
    args = parser.parse_args()
    random.seed(20261124)
    rows = [row for kind in args.engines.split(",") for row in run_engine(kind, args)]
    print(table(rows, ["engine", "phase", "records", "seconds", "records_per_s", "p50_ms",
                       "p99_ms", "errors", "server_cpu_ms_per_record",
                       "postgresql_cpu_ms_per_record", "load_average"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "bench": "sync_load", "at": datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "parameters": vars(args), "target": {"records_per_s": 1000, "p99_ms": 200,
                                             "engine": "postgresql"},
        "results": rows,
    }, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
