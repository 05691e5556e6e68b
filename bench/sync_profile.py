"""Where a sync batch's server time goes: batches sent in one process, one after another.

Two loops over the same seeded territory as bench/sync_load.py (batches of ``--batch``
records, each record a new version of one of the device's visits):

* ``service``: ``field.service.receive_batch`` called directly, a new ORM session per
  batch as the web layer opens one — the database work alone;
* ``app``: the whole ASGI app in this process (Starlette's test client): JSON, pydantic,
  the session cookie and CSRF check, then the same service.

No clients compete for the CPU, so the time per record is the server's cost. With
``--profile`` groups of ``--together`` batches run under cProfile and the heaviest
functions are printed (cumulative time), to tell the parts of a transaction apart.

    .venv/bin/python bench/sync_profile.py --engines postgresql --batches 200
    .venv/bin/python bench/sync_profile.py --engines sqlite --profile
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sync_common import (  # type: ignore[import-not-found]
    COOKIE,
    ROOT,
    Database,
    Device,
    make_record,
    percentile,
    seed,
    table,
)

from balise.accounts.models import User
from balise.accounts.service import viewer_of
from balise.core import clock
from balise.core.db import session_factory
from balise.field import service
from balise.field.group_commit import Job
from balise.field.protocol import SyncRequest
from balise.field.rules import request_fingerprint
from balise.field.service import receive_batch

RESULTS = ROOT / "bench" / "results" / "sync_profile.json"


def _batches(devices: list[Device], size: int, count: int,
             start: int = 0) -> list[tuple[Device, list[Any]]]:
    """Batches ``start`` to ``start + count``: each record a later version of a visit."""
    day = clock.today()
    made = []
    for n in range(start, start + count):
        device = devices[n % len(devices)]
        first = (n // len(devices)) * size
        made.append((device, [make_record(device, device.visit_ids[k % len(device.visit_ids)],
                                          k, day) for k in range(first, first + size)]))
    return made


def service_loop(db: Database, devices: list[Device], size: int, count: int,
                 start: int = 0, together: int = 1) -> list[float]:
    """``together`` batches at a time, each from its own thread, as concurrent requests
    reach the service: they share one transaction (the service's group commit)."""
    factory = session_factory(db.engine)
    with factory() as session:
        viewers = {d.user_id: viewer_of(session.get_one(User, d.user_id)) for d in devices}

    def send(device: Device, records: list[Any]) -> float:
        body = json.dumps({"protocol": 1, "records": records}).encode()
        began = time.perf_counter()
        request = SyncRequest.model_validate_json(body)
        with factory() as session:
            answer = receive_batch(session, viewers[device.user_id], str(uuid.uuid4()),
                                   request_fingerprint(body), request)
        assert answer.status_code == 200 and all(
            a["status"] in ("applied", "superseded") for a in answer.body["acks"]), answer.body
        return time.perf_counter() - began

    batches = _batches(devices, size, count, start)
    if together == 1:
        return [send(device, records) for device, records in batches]
    with ThreadPoolExecutor(together) as pool:
        return [latency for wave in range(0, len(batches), together)
                for latency in pool.map(lambda b: send(*b), batches[wave:wave + together])]


def profile_groups(db: Database, devices: list[Device], size: int, count: int,
                   together: int) -> None:
    """cProfile sees one thread only: here the groups the service would form from
    ``together`` concurrent batches are applied directly, in this thread."""
    factory = session_factory(db.engine)
    with factory() as session:
        viewers = {d.user_id: viewer_of(session.get_one(User, d.user_id)) for d in devices}
    batches = _batches(devices, size, count, count)
    profile = cProfile.Profile()
    for wave in range(0, len(batches), together):
        jobs = []
        for device, records in batches[wave:wave + together]:
            body = json.dumps({"protocol": 1, "records": records}).encode()
            jobs.append(Job(viewers[device.user_id], str(uuid.uuid4()),
                                     request_fingerprint(body),
                                     SyncRequest.model_validate_json(body)))
        with factory() as session:
            profile.enable()
            service._apply_group(session, jobs)
            profile.disable()
        assert all(job.answer is not None for job in jobs)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(60)


def app_loop(db: Database, devices: list[Device], size: int, count: int,
             start: int = 0) -> list[float]:
    from starlette.testclient import TestClient

    from balise.web.app import create_app

    os.environ["BALISE_DATABASE_URL"] = db.url
    os.environ["BALISE_SECURE_COOKIES"] = "0"
    latencies = []
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        for device, records in _batches(devices, size, count, start):
            client.cookies.set(COOKIE, device.token)
            began = time.perf_counter()
            response = client.post("/api/sync", json={"protocol": 1, "records": records},
                                   headers={"Idempotency-Key": str(uuid.uuid4()),
                                            "X-CSRF-Token": device.csrf})
            latencies.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text
    return latencies


def _measure(kind: str, loop: str, size: int, run: Any) -> dict[str, Any]:
    began = time.process_time()  # every thread of this process: the server's CPU
    latencies: list[float] = run()
    cpu = time.process_time() - began
    return {"engine": kind, "loop": loop, "batches": len(latencies),
            "cpu_ms_per_record": round(cpu / (len(latencies) * size) * 1000, 3),
            "p50_batch_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_batch_ms": round(percentile(latencies, 0.99) * 1000, 1)}


def run_engine(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    db = Database(kind)
    try:
        devices = seed(db.engine, args.devices, args.visits)
        n, size = args.batches, args.batch
        service_loop(db, devices, size, n // 10)  # warm caches outside the measure
        if args.profile:
            profile_groups(db, devices, size, n, args.together)
            return []
        return [
            _measure(kind, "service, one batch at a time", size, lambda: service_loop(
                db, devices, size, n, n)),
            _measure(kind, f"service, {args.together} at once", size, lambda: service_loop(
                db, devices, size, n, 2 * n, args.together)),
            _measure(kind, "app, one batch at a time", size, lambda: app_loop(
                db, devices, size, n, 3 * n))]
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--visits", type=int, default=40)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--together", type=int, default=8,
                        help="batches sent at once in the grouped service loop")
    parser.add_argument("--profile", action="store_true",
                        help="run the service loop under cProfile and print the top")
    args = parser.parse_args()
    rows = [row for kind in args.engines.split(",") for row in run_engine(kind, args)]
    if args.profile:
        return 0
    print(table(rows, ["engine", "loop", "batches", "cpu_ms_per_record", "p50_batch_ms",
                       "p99_batch_ms"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"bench": "sync_profile", "parameters": vars(args),
                                   "results": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
