"""Load on the field sync: 200 devices sending batches of visit records on loopback.

Protocol, on SQLite and on PostgreSQL (a throwaway cluster started here), Balise under
uvicorn with ``--workers`` processes, ``--devices`` devices each with an open session:

1. *open loop* (the measure): each device sends a batch of ``--batch`` records every
   ``--period`` seconds, starting at a random phase, whatever the server does — the
   offered load is devices × batch / period records/s (200 × 20 / 4 s = 1,000/s by
   default). A phone sends one batch at a time: when an answer comes after the next
   batch was due, that batch leaves at once, and its latency is counted **from the
   moment it was due**, so a slow server cannot hide its queue (no coordinated
   omission). This is what phones do: send, wait for the answer, send again later.
   It is also far more than phones send: a home-care worker records about ten visits a
   day, so 1,000 records/s is an establishment of 1,000 workers sending a whole day's
   records within ten seconds.
2. *saturation* (for reference): every device sends its next batch as soon as the
   previous answer arrives (closed loop, no pause), for ``--saturation`` seconds: the
   most records/s the server gives. Its latency is not a target: by Little's law, 200
   devices each always waiting for an answer see a latency of 200 / (batches per
   second), whatever the server does; only the open loop says what a device waits.

Latency is per request (batch), up to the whole answer; a record counts only once a
200 answer acknowledges it. CPU seconds of the server's processes (and of PostgreSQL's)
are read from /proc, so that the cost per record can be told apart from what other
programs on the machine take: the machine's load average is recorded too.

Prints a table, writes bench/results/sync_load.json.

    .venv/bin/python bench/sync_load.py           # both engines, 3 to 8 min (machine load)
    .venv/bin/python bench/sync_load.py --engines postgresql --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import ssl
import sys
import time
from collections.abc import AsyncIterator
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


def _cpu_of(pids: list[int], reaped_by: int | None = None) -> float:
    """CPU of these processes; with ``reaped_by``, also that of its children that have
    ended (PostgreSQL backends close with the connections the pool lets go)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
        if pid == reaped_by:
            total += int(fields[13]) + int(fields[14])  # cutime + cstime
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
                                           or ppid == postmaster), reaped_by=postmaster)
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
    async with _phones(len(devices)) as clients:
        await asyncio.gather(*(device(clients[i], i, d) for i, d in enumerate(devices)))
    return time.monotonic() - began


async def open_loop(base: str, devices: list[Device], feeder: Feeder, size: int,
                    seconds: float, period: float, tally: Tally) -> float:
    """Each device: a batch every ``period`` seconds; latency from when it was due."""
    stop = time.monotonic() + seconds
    tally.latencies = []

    async def device(client: httpx.AsyncClient, index: int, d: Device) -> None:
        due = time.monotonic() + random.uniform(0, period)
        while due < stop:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() - due > 0.001:
                tally.error("sent_late")  # the previous answer came after this was due
            await send_batch(client, base, d, feeder.batch(index, d, size), Tally(
                acked=tally.acked, refused=tally.refused, errors=tally.errors))
            tally.latencies.append(time.monotonic() - due)
            due += period

    began = time.monotonic()
    async with _phones(len(devices)) as clients:
        await asyncio.gather(*(device(clients[i], i, d) for i, d in enumerate(devices)))
    return time.monotonic() - began


@contextlib.asynccontextmanager
async def _phones(devices: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One HTTP client (one keep-alive connection) per device, as phones have. One
    shared pool of 200 connections would cost the bench more CPU than the server: its
    pool scans every connection for each request (httpcore), on the same two cores."""
    tls = ssl.create_default_context()  # built once: loading the CA store costs ~60 ms
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(httpx.AsyncClient(
            timeout=httpx.Timeout(60.0), verify=tls,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)))
            for _ in range(devices)]


def phase(name: str, kind: str, run: Any, server: Server, db: Database,
          tally: Tally) -> dict[str, Any]:
    before, load_before = cpu_seconds(server, db), os.getloadavg()[0]
    client_before = time.process_time()
    elapsed = asyncio.run(run)
    client = time.process_time() - client_before  # the devices share the machine's cores
    after = cpu_seconds(server, db)
    records = len(tally.acked)
    cpu = {k: after[k] - before[k] for k in after}
    per_record = {k: round(v / records * 1000, 2) if records else None for k, v in cpu.items()}
    return {
        "engine": kind, "phase": name, "records": records, "seconds": round(elapsed, 1),
        "records_per_s": round(records / elapsed, 1), "batches": len(tally.latencies),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(tally.latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
        "max_ms": round(max(tally.latencies, default=float("nan")) * 1000, 1),
        "refused": len(tally.refused),
        "late_sends": tally.errors.get("sent_late", 0),
        "errors": sum(n for kind, n in tally.errors.items() if kind != "sent_late"),
        "error_kinds": dict(sorted(tally.errors.items())),
        "server_cpu_ms_per_record": per_record.get("server"),
        "postgresql_cpu_ms_per_record": per_record.get("postgresql"),
        "client_cpu_ms_per_record": round(client / records * 1000, 2) if records else None,
        "load_average": f"{load_before:.1f}→{os.getloadavg()[0]:.1f}",
    }


def run_engine(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    db = Database(kind)
    try:
        devices = seed(db.engine, args.devices, args.visits)
        server = Server(db.url, workers=args.workers)
        server.start(timeout=120)  # two workers importing Balise on a loaded machine
        try:
            feeder = Feeder(devices)
            # Warm each worker (imports, statement caches) outside the measure.
            asyncio.run(saturate(server.base, devices[:20], feeder, args.batch, 3, Tally()))
            offered = args.devices * args.batch / args.period
            tally = Tally()
            rows = [phase(f"open loop {offered:.0f}/s offered", kind, open_loop(
                server.base, devices, feeder, args.batch, args.seconds, args.period, tally),
                server, db, tally)]
            if args.saturation > 0:
                tally = Tally()
                rows.append(phase("saturation (closed loop)", kind, saturate(
                    server.base, devices, feeder, args.batch, args.saturation, tally),
                    server, db, tally))
            print(json.dumps(rows), flush=True)  # kept even if the next engine fails
            return rows
        finally:
            server.stop()
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--visits", type=int, default=40, help="visits per device")
    parser.add_argument("--batch", type=int, default=20, help="records per batch")
    parser.add_argument("--period", type=float, default=4.0,
                        help="seconds between two batches of one device (open loop)")
    parser.add_argument("--seconds", type=float, default=30, help="open-loop duration")
    parser.add_argument("--saturation", type=float, default=10,
                        help="closed-loop duration (0: skip)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    random.seed(20261124)
    rows = [row for kind in args.engines.split(",") for row in run_engine(kind, args)]
    print(table(rows, ["engine", "phase", "records", "seconds", "records_per_s", "p50_ms",
                       "p95_ms", "p99_ms", "max_ms", "late_sends", "refused", "errors", "server_cpu_ms_per_record",
                       "postgresql_cpu_ms_per_record", "client_cpu_ms_per_record",
                       "load_average"]))
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
